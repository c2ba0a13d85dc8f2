/**
 * pfncache: KVM's gfn_to_pfn_cache protocol on the JVM, with pluggable invalidation strategies,
 * a simulated host (memory, mm, MMU notifiers) and a guard that reports sleeping in atomic context.
 */
module org.pfncache {
    // JDK Flight Recorder events (org.pfncache.jfr): a JDK module, no third-party dependency.
    requires jdk.jfr;

    exports org.pfncache;
    exports org.pfncache.jfr;
    exports org.pfncache.host;
    exports org.pfncache.sync;
    exports org.pfncache.guard;
    exports org.pfncache.strategy;
}
