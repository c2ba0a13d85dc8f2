package org.pfncache;

/** The view of a cache that a {@link CacheProtection} gets during invalidation. */
public interface RevocationTarget {
    /**
     * Lock-free pre-filter: true if the cache's uhva lies in [start, end), valid or not. Safe
     * without the write side because refresh publishes a new uhva before it reads the active
     * invalidation count (store-buffering pair with the Vm's fence after the count increment, R5/R8).
     */
    boolean mayCover(long start, long end);

    /** Exact test, with the write side held: valid, a real pfn, and uhva in [start, end). */
    boolean coveredBy(long start, long end);

    /** Clears valid (R8); the caller holds the write side. */
    void clearValid();
}
