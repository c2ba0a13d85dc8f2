package org.pfncache;

import org.pfncache.host.MmuNotifierRange;

/**
 * A Vm-wide part of a strategy (a resource shared through {@link ProtectionContext#shared}) that
 * takes part in every {@code invalidate_range_start}: the Vm calls {@link #settle} after the
 * per-cache revocations, with {@code gpc_lock} dropped, so it may sleep when the range is
 * blockable. SRCU uses it to wait for (or, when non-blockable, poll) the grace period that drains
 * readers of the pages in the range.
 */
public interface InvalidationParticipant {
    /** DONE when no reader can use a page in {@code range} any more; RETRY only if non-blockable. */
    CacheProtection.Revocation settle(MmuNotifierRange range);
}
