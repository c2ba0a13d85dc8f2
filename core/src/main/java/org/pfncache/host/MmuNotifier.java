package org.pfncache.host;

/**
 * {@code struct mmu_notifier_ops}, the two callbacks that bracket every change of the page table
 * (R8, R9). For a non-blockable range the mm wraps each callback in
 * {@code non_block_start()/non_block_end()} (R10).
 *
 * <p>The failure contract is mm/mmu_notifier.c's: every notifier's start is called, even after
 * one failed; a failure is logged ("... callback failed with -11 in non-blockable context.") and,
 * for a notifier that has an end callback, is a kernel WARN ({@code WARN_ON(ops->invalidate_range_end)});
 * then the end of every notifier that has one is called, the failing one included, and the
 * range is reported failed to the caller, which calls no end of its own.
 */
public interface MmuNotifier {
    /**
     * {@code invalidate_range_start}. Returns false (-EAGAIN) when the notifier would have to wait;
     * only allowed for a non-blockable range. Its end is called anyway if it has one (see above).
     */
    boolean invalidateRangeStart(MmuNotifierRange range);

    /** {@code invalidate_range_end}. */
    void invalidateRangeEnd(MmuNotifierRange range);

    /** Whether this notifier has an end callback ({@code ops->invalidate_range_end != NULL}). */
    default boolean hasInvalidateRangeEnd() {
        return true;
    }

    /** The start callback's symbol, as the kernel's "%pS" prints it in the failure message. */
    default String name() {
        return getClass().getSimpleName() + ".invalidateRangeStart";
    }
}
