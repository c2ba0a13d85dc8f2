/**
 * pfncache: KVM's gfn_to_pfn_cache protocol on the JVM, with pluggable invalidation strategies,
 * a simulated host (memory, mm, MMU notifiers) and a guard that reports sleeping in atomic context.
 */
module org.pfncache {
    exports org.pfncache;
    exports org.pfncache.host;
    exports org.pfncache.sync;
    exports org.pfncache.guard;
    exports org.pfncache.strategy;
}
