package org.pfncache.strategy;

import org.pfncache.CacheProtection;
import org.pfncache.InvalidationStrategy;
import org.pfncache.ProtectionContext;
import org.pfncache.RevocationTarget;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.sync.RwLock;

/**
 * RWLOCK, the kernel's own protection: a per-cache {@code rwlock_t gpc->lock}. Readers hold the
 * read side across check() and the access (R7); refresh, deactivate and invalidation take the
 * write side, which drains readers (I3). Under PREEMPT_RT the write side is a sleeping lock, in a
 * non-blockable range too: the guard reports it.
 *
 * <p>{@link #RWLOCK_TRY} is the smallest fix: in a non-blockable range it only try-locks the write
 * side and answers RETRY when readers are inside, so it never sleeps there (R10).
 */
public final class RwLockStrategy implements InvalidationStrategy {
    public static final RwLockStrategy RWLOCK = new RwLockStrategy(false);
    public static final RwLockStrategy RWLOCK_TRY = new RwLockStrategy(true);

    private final boolean tryInNonBlockable;

    private RwLockStrategy(boolean tryInNonBlockable) {
        this.tryInNonBlockable = tryInNonBlockable;
    }

    @Override
    public String name() {
        return tryInNonBlockable ? "rwlock-try" : "rwlock";
    }

    @Override
    public boolean drainsReaders() {
        return true;
    }

    @Override
    public MaySleep maySleepInInvalidation() {
        return tryInNonBlockable ? MaySleep.BLOCKABLE_ONLY : MaySleep.ALWAYS;
    }

    @Override
    public NonBlockOutcome nonBlockableOutcome() {
        return tryInNonBlockable ? NonBlockOutcome.RETRY : NonBlockOutcome.BUG;
    }

    @Override
    public String readPathCost() {
        return "read_lock/read_unlock: one CAS on a per-thread visible-readers slot and a release store (reader-biased)";
    }

    @Override
    public CacheProtection newProtection(ProtectionContext context) {
        return new Protection(new RwLock(context.cacheName() + "->lock", context.guard()), tryInNonBlockable);
    }

    @Override
    public String toString() {
        return name();
    }

    private static final class Protection implements CacheProtection {
        private final RwLock lock;
        private final boolean tryInNonBlockable;

        Protection(RwLock lock, boolean tryInNonBlockable) {
            this.lock = lock;
            this.tryInNonBlockable = tryInNonBlockable;
        }

        @Override
        public long readLock() {
            return lock.readLockToken();
        }

        @Override
        public boolean readValidate(long token) {
            return true; // the read side excludes writers: nothing to validate
        }

        @Override
        public void readUnlock(long token) {
            lock.readUnlockToken((int) token);
        }

        @Override
        public void writeLock() {
            lock.writeLock("gpc->lock");
        }

        @Override
        public void writeUnlock() {
            lock.writeUnlock();
        }

        @Override
        public Revocation revoke(RevocationTarget target, MmuNotifierRange range) {
            if (tryInNonBlockable && !range.blockable()) {
                if (!lock.tryWriteLock("gfn_to_pfn_cache_invalidate_start")) {
                    return Revocation.RETRY;
                }
            } else {
                lock.writeLock("gfn_to_pfn_cache_invalidate_start");
            }
            try {
                // Holding the write side drains the readers: once it is released no reader can
                // still use the old khva, and later ones fail check() (R8, I3).
                if (target.coveredBy(range.start(), range.end())) {
                    target.clearValid();
                }
            } finally {
                lock.writeUnlock();
            }
            return Revocation.DONE;
        }

        @Override
        public void retire(long uhva, Runnable unmap) {
            // The old mapping was unpublished under the write side, which excluded every reader.
            unmap.run();
        }
    }
}
