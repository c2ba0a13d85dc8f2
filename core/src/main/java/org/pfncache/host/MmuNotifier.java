package org.pfncache.host;

/**
 * {@code struct mmu_notifier_ops}, the two callbacks that bracket every change of the page table
 * (R8, R9). For a non-blockable range the mm wraps each callback in
 * {@code non_block_start()/non_block_end()} (R10).
 */
public interface MmuNotifier {
    /**
     * {@code invalidate_range_start}. Returns false (-EAGAIN) when the notifier would have to wait;
     * only allowed for a non-blockable range. A notifier that returns false gets no end call for
     * this range and must have rolled back whatever its start did.
     */
    boolean invalidateRangeStart(MmuNotifierRange range);

    /** {@code invalidate_range_end}: called once for every start that returned true. */
    void invalidateRangeEnd(MmuNotifierRange range);
}
