package org.pfncache;

import org.pfncache.host.MmuNotifierRange;

/**
 * One cache's protection, made by an {@link InvalidationStrategy}. {@link PfnCache} calls it and
 * never looks inside: the read section brackets check() and the access to khva (R7), the write
 * side serialises every change of the cache's state (R4, R6, R8), and {@link #revoke} is the
 * cache's part of {@code invalidate_range_start}.
 */
public interface CacheProtection {

    /** Enters the read section; returns a token for {@link #readValidate} and {@link #readUnlock}. */
    long readLock();

    /** False when an optimistic section raced a writer: whatever it read must be discarded. */
    boolean readValidate(long token);

    void readUnlock(long token);

    /** Takes the write side (refresh, deactivate). Held only for short, non-sleeping stretches. */
    void writeLock();

    void writeUnlock();

    /**
     * The cache's part of {@code invalidate_range_start} (R8), called with the Vm's
     * {@code gpc_lock} held for each cache whose hva may lie in the range, so it must not sleep
     * unless the lock kinds allow it. A strategy that drains readers either has drained them on
     * return, or leaves the wait to an {@link InvalidationParticipant} it shares through
     * {@link ProtectionContext#shared}, which the Vm runs after dropping gpc_lock.
     */
    Revocation revoke(RevocationTarget target, MmuNotifierRange range);

    /**
     * Called with the write side held whenever the cache stops publishing a valid mapping of the
     * page at {@code uhva} (invalidation, refresh, deactivation). A strategy whose readers are not
     * excluded by the write side uses it to remember that readers may still hold that page.
     */
    default void unpublished(long uhva) {
    }

    /**
     * Disposes of an old mapping (of the page at {@code uhva}) that is no longer published (R4,
     * R6): runs {@code unmap} now if no reader can still hold it, or once readers are gone.
     */
    void retire(long uhva, Runnable unmap);

    /** Releases the protection's resources (the cache is deactivated and the Vm closing). */
    default void close() {
    }

    /** The outcome of {@link #revoke} and {@link InvalidationParticipant#settle}. */
    enum Revocation {
        /** Done: no reader uses the old mapping (or the cache was not affected). */
        DONE,
        /** Non-blockable and readers are inside: -EAGAIN (R10). */
        RETRY
    }
}
