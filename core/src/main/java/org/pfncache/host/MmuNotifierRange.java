package org.pfncache.host;

/**
 * {@code struct mmu_notifier_range}: the hva range [start, end) being invalidated, whether the
 * callbacks may block, and why.
 */
public record MmuNotifierRange(long start, long end, boolean blockable, Event event) {
    /** Why the range is invalidated. */
    public enum Event { UNMAP, MIGRATE, OOM_REAP }

    public MmuNotifierRange {
        if (end <= start) {
            throw new IllegalArgumentException("empty or inverted range [0x" + Long.toHexString(start)
                    + ", 0x" + Long.toHexString(end) + ")");
        }
    }

    /** True when {@code hva} lies in [start, end). */
    public boolean contains(long hva) {
        return hva >= start && hva < end;
    }
}
