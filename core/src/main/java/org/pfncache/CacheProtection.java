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
     * {@code gpc_lock} held, so it must not sleep unless the lock kinds allow it. On return with
     * {@link Revocation#DONE} no reader may use the old mapping any more; with
     * {@link Revocation#PENDING} the Vm calls {@link #awaitRevoked} after dropping gpc_lock.
     */
    Revocation revoke(RevocationTarget target, MmuNotifierRange range);

    /** Completes a {@link Revocation#PENDING} revocation outside gpc_lock: DONE or, if non-blockable, RETRY. */
    default Revocation awaitRevoked(boolean blockable) {
        return Revocation.DONE;
    }

    /**
     * Disposes of an old mapping that is no longer published (R4, R6): runs {@code unmap} now if
     * no reader can still hold it, or after readers are gone (a grace period).
     */
    void retire(Runnable unmap);

    /** Releases the protection's resources (the cache is deactivated and the Vm closing). */
    default void close() {
    }

    /** The outcome of {@link #revoke}. */
    enum Revocation {
        /** Revoked: no reader uses the old mapping (or the cache was not affected). */
        DONE,
        /** Valid is cleared; readers still have to be waited for in {@link #awaitRevoked}. */
        PENDING,
        /** Non-blockable and readers are inside: -EAGAIN (R10). */
        RETRY
    }
}
