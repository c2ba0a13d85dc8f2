package org.pfncache.strategy;

import java.util.Optional;
import org.pfncache.InvalidationStrategy;
import org.pfncache.sync.AsymmetricFence;
import org.pfncache.sync.RawSpinLock;
import org.pfncache.sync.Srcu;

/**
 * SRCU epochs (docs/semantics.md, strategies). Readers enter the Vm's SRCU read section
 * ({@code srcu_read_lock}, see Srcu's fence B) and load the cache's state with acquire; they
 * never block writers. The write side is a {@code raw_spinlock_t} held only for short,
 * non-sleeping stretches, so it is safe in a non-blockable range under every preemption model.
 *
 * <p>Invalidation clears valid under the write side; the cleared page is recorded in the Vm's
 * {@link SrcuDomain}, whose {@link SrcuDomain#drain drain} then waits for a grace period
 * (blockable) or polls one for a bounded budget and answers -EAGAIN (non-blockable). Old mappings
 * are unmapped by {@code call_srcu}-style deferred work after a grace period. Why a reader that
 * found the old state is always waited for: SrcuDomain's class comment.
 */
public final class SrcuStrategy implements InvalidationStrategy {
    public static final SrcuStrategy INSTANCE = new SrcuStrategy();

    private SrcuStrategy() {
    }

    @Override
    public String name() {
        return "srcu";
    }

    @Override
    public boolean drainsReaders() {
        return true;
    }

    @Override
    public MaySleep maySleepInInvalidation() {
        return MaySleep.BLOCKABLE_ONLY;
    }

    @Override
    public NonBlockOutcome nonBlockableOutcome() {
        return NonBlockOutcome.RETRY;
    }

    @Override
    public String readPathCost() {
        return AsymmetricFence.get().asymmetric()
                ? "srcu_read_lock/unlock: a plain increment and a compiler barrier on the thread's own slot, a release store on exit" + " (the grace period pays membarrier)"
                : "srcu_read_lock/unlock: a plain increment and a full fence on the thread's own slot, a release store on exit";
    }

    @Override
    public Optional<AsymmetricFence.ReaderFlavour> readerFlavour() {
        return Optional.of(AsymmetricFence.get().readerFlavour());
    }

    @Override
    public CacheLock newCacheLock(Context context) {
        return new Lock(SrcuDomain.of(context), new RawSpinLock("&gpc->lock", context.guard()));
    }

    @Override
    public String toString() {
        return name();
    }

    private static final class Lock implements CacheLock {
        private final SrcuDomain domain;
        /** The domain's Srcu, held directly: the read path loads one field, not two. */
        private final Srcu srcu;
        private final RawSpinLock lock;

        Lock(SrcuDomain domain, RawSpinLock lock) {
            this.domain = domain;
            this.srcu = domain.srcu;
            this.lock = lock;
        }

        @Override
        public long readLock() {
            return srcu.readLock();
        }

        @Override
        public void readUnlock(long token) {
            srcu.readUnlock((int) token);
        }

        @Override
        public void writeLock() {
            lock.lock("gpc->lock");
        }

        @Override
        public void writeUnlock() {
            lock.unlock();
        }

        @Override
        public void unpublished(long uhva) {
            domain.addPending(uhva);
        }

        @Override
        public void retire(long uhva, Runnable unmap) {
            srcu.call(unmap);
        }
    }
}
