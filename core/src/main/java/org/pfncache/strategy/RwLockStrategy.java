package org.pfncache.strategy;

import org.pfncache.InvalidationStrategy;
import org.pfncache.host.MmuNotifierRange;
import java.util.Optional;
import org.pfncache.sync.AsymmetricFence;
import org.pfncache.sync.RwLock;

/**
 * RWLOCK, the kernel's own protection: a per-cache {@code rwlock_t gpc->lock}. Readers hold the
 * read side across check() and the access (R7); refresh, deactivate and invalidation take the
 * write side, which drains readers (I3). The invalidation walk takes the read side of every
 * active cache (R8). As in pfncache.c, refresh and invalidation take the irq-disabling variants
 * ({@code write_lock_irq}, {@code read_lock_irq}): under PREEMPT_NONE a report made inside them
 * shows irqs_disabled(): 1. Under PREEMPT_RT both sides are sleeping locks, in a non-blockable
 * range too, and irqs stay on: the guard reports them.
 *
 * <p>{@link #RWLOCK_TRY} is the smallest fix: in a non-blockable range the walk only try-locks
 * (read side, then write side) and answers -EAGAIN when it cannot, so it never sleeps there; the
 * notifier core then WARNs, since KVM's notifier has an end callback (R10).
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
        return AsymmetricFence.get().asymmetric()
                ? "read_lock/read_unlock: an opaque store and a compiler barrier on the thread's own reader record, a release"
                        + " store on exit (reader-biased; the revoking writer pays membarrier)"
                : "read_lock/read_unlock: one CAS on a per-thread visible-readers slot and a release CAS (reader-biased)";
    }

    @Override
    public Optional<AsymmetricFence.ReaderFlavour> readerFlavour() {
        return Optional.of(AsymmetricFence.get().readerFlavour());
    }

    @Override
    public CacheLock newCacheLock(Context context) {
        return new Lock(new RwLock("&gpc->lock", context.guard()), tryInNonBlockable);
    }

    @Override
    public String toString() {
        return name();
    }

    private static final class Lock implements CacheLock {
        private static final String WALK = "gfn_to_pfn_cache_invalidate_start";
        private final RwLock lock;
        private final boolean tryInNonBlockable;
        /**
         * Whether the walk's current hold took the irq variant (the try-locks do not): written and
         * read by the walking thread only, with gpc_lock held, so one walk at a time.
         */
        private boolean irqVariant;

        Lock(RwLock lock, boolean tryInNonBlockable) {
            this.lock = lock;
            this.tryInNonBlockable = tryInNonBlockable;
        }

        private boolean tryOnly(MmuNotifierRange range) {
            return tryInNonBlockable && !range.blockable();
        }

        @Override
        public long readLock() {
            return lock.readLockToken();
        }

        @Override
        public void readUnlock(long token) {
            lock.readUnlockToken((int) token);
        }

        @Override
        public void writeLock() {
            lock.writeLockIrq("__kvm_gpc_refresh");
        }

        @Override
        public void writeUnlock() {
            lock.writeUnlockIrq();
        }

        @Override
        public boolean walkReadLock(MmuNotifierRange range) {
            if (tryOnly(range)) {
                if (!lock.tryReadLock()) {
                    return false;
                }
                irqVariant = false;
                return true;
            }
            lock.readLockIrq(WALK);
            irqVariant = true;
            return true;
        }

        @Override
        public void walkReadUnlock() {
            if (irqVariant) {
                lock.readUnlockIrq();
            } else {
                lock.readUnlock();
            }
        }

        @Override
        public boolean invalidateWriteLock(MmuNotifierRange range) {
            if (tryOnly(range)) {
                if (!lock.tryWriteLock(WALK)) {
                    return false;
                }
                irqVariant = false;
                return true;
            }
            // Holding the write side drains the readers: once it is released no reader can still
            // use the old khva, and later ones fail check() (R8, I3).
            lock.writeLockIrq(WALK);
            irqVariant = true;
            return true;
        }

        @Override
        public void invalidateWriteUnlock() {
            if (irqVariant) {
                lock.writeUnlockIrq();
            } else {
                lock.writeUnlock();
            }
        }

        @Override
        public boolean closeWriteLock(long timeoutNanos, String leakDetail) {
            return lock.tryWriteLock("kvm_gpc_deactivate", timeoutNanos, leakDetail);
        }

        @Override
        public void retire(long uhva, Runnable unmap) {
            // The old mapping was unpublished under the write side, which excluded every reader.
            unmap.run();
        }
    }
}
