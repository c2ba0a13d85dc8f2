package org.pfncache;

/**
 * A snapshot of a Vm's counters ({@link Vm#stats()}): monotonic since the Vm was built.
 *
 * @param invalidations        {@code invalidate_range_start} calls KVM's notifier got (R8)
 * @param invalidationFailures of those, the ones a strategy answered -EAGAIN (non-blockable, R10:
 *                             a kernel WARN)
 * @param cachesCleared        caches whose valid flag an invalidation cleared
 * @param refreshes            refreshes of all caches, activations included (R4)
 * @param refreshRetries       hva_to_pfn_retry rounds caused by invalidations (R5)
 * @param faults               refreshes that failed with EFAULT
 * @param notifierFailures     failed starts of any notifier on the mm, KVM's or not (R10)
 * @param gracePeriods         grace periods the strategies' drains waited for or polled to the end
 * @param memslotWaits         memslot updates that had to wait for invalidations (R11)
 */
public record VmStats(long invalidations, long invalidationFailures, long cachesCleared, long refreshes,
                      long refreshRetries, long faults, long notifierFailures, long gracePeriods,
                      long memslotWaits) {
}
