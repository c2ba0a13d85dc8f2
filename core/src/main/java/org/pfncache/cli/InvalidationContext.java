package org.pfncache.cli;

/**
 * Who invalidates in a scenario, and how: the host-side event that runs MMU-notifier
 * invalidations while the vCPUs read, with the thread name the kernel would show in a splat.
 */
enum InvalidationContext {
    /** The VMM unmaps one cached page and maps it again (blockable); the vCPUs refresh lazily. */
    MUNMAP("munmap", "qemu-munmap"),
    /** Compaction migrates the cached pages round-robin (blockable; contents move to a new pfn). */
    MIGRATE("migrate", "kcompactd0"),
    /** The OOM reaper zaps the whole mm (non-blockable, R10); the VMM then maps the memory again. */
    OOM("oom", "oom_reaper");

    final String cliName;
    final String threadName;

    InvalidationContext(String cliName, String threadName) {
        this.cliName = cliName;
        this.threadName = threadName;
    }

    /** Whether the event takes the page's contents away (zero-filled afterwards) rather than moving them. */
    boolean losesContents() {
        return this != MIGRATE;
    }

    static InvalidationContext byName(String name) {
        for (InvalidationContext c : values()) {
            if (c.cliName.equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown context; known: munmap, migrate, oom");
    }
}
