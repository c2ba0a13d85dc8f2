package org.pfncache;

/**
 * A snapshot of one cache's counters ({@link PfnCache#stats()}), as Caffeine's {@code stats()}:
 * monotonic since the cache was made, each read without stopping the cache.
 *
 * @param checks         check() calls (R3), counted only when the Vm was built with
 *                       {@link Vm.Builder#statistics(boolean) statistics(true)}; else 0
 * @param hits           of those, the ones that returned true
 * @param refreshes      refreshes, activation's included (R4)
 * @param refreshRetries times hva_to_pfn_retry went round again because an invalidation ran or
 *                       completed meanwhile (R5)
 * @param faults         refreshes that failed with EFAULT (no memslot, hva not mapped)
 * @param invalidations  invalidations that cleared this cache's valid flag (R8)
 */
public record CacheStats(long checks, long hits, long refreshes, long refreshRetries, long faults,
                         long invalidations) {
    /** hits / checks, or NaN before the first counted check. */
    public double hitRate() {
        return checks == 0 ? Double.NaN : (double) hits / checks;
    }
}
