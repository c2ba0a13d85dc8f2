package org.pfncache.strategy;

import java.util.Optional;
import org.pfncache.InvalidationStrategy;
import org.pfncache.sync.AsymmetricFence;
import org.pfncache.sync.RawSpinLock;
import org.pfncache.sync.SeqCount;
import org.pfncache.sync.Srcu;

/**
 * SEQCOUNT, the seed thread's proposal as posed (docs/semantics.md, strategies): the cache's
 * state is validated by a seqcount, and SRCU is used only to defer unmapping. Readers take
 * {@code read_seqcount_begin}, check and access, then {@code read_seqcount_retry}; a section that
 * raced a writer reports it through {@code validate()} and {@code PfnCache.read} re-runs the
 * reader function. Invalidation bumps the seqcount and clears valid under a raw spinlock: it never
 * sleeps and never waits for readers.
 *
 * <p>The hazard, by design: a reader that passed check() keeps using khva after invalidation
 * returned; the host then frees the page, so a write by that reader lands in a freed (or reused)
 * page. validate() reports it afterwards, too late for the write. The simulated memory's
 * use-after-free detector measures it; nothing here hides it. The orderings are SeqCount's (see
 * its class comment) and Srcu's (see its fences).
 */
public final class SeqCountStrategy implements InvalidationStrategy {
    public static final SeqCountStrategy INSTANCE = new SeqCountStrategy();

    private SeqCountStrategy() {
    }

    @Override
    public String name() {
        return "seqcount";
    }

    @Override
    public boolean drainsReaders() {
        return false;
    }

    @Override
    public MaySleep maySleepInInvalidation() {
        return MaySleep.NEVER;
    }

    @Override
    public NonBlockOutcome nonBlockableOutcome() {
        return NonBlockOutcome.DONE;
    }

    @Override
    public String readPathCost() {
        return AsymmetricFence.get().asymmetric()
                ? "srcu_read_lock/unlock plus read_seqcount_begin/retry: one slot store behind a compiler barrier and two loads"
                : "srcu_read_lock/unlock plus read_seqcount_begin/retry: one fenced slot store and two loads";
    }

    @Override
    public Optional<AsymmetricFence.ReaderFlavour> readerFlavour() {
        return Optional.of(AsymmetricFence.get().readerFlavour());
    }

    @Override
    public CacheLock newCacheLock(Context context) {
        RawSpinLock lock = new RawSpinLock("&gpc->lock", context.guard());
        return new Lock(SrcuDomain.of(context), lock, new SeqCount(lock));
    }

    @Override
    public String toString() {
        return name();
    }

    private static final class Lock implements CacheLock {
        /** The Vm's SRCU domain's Srcu, held directly: the read path loads one field, not two. */
        private final Srcu srcu;
        private final RawSpinLock lock;
        private final SeqCount seq;

        Lock(SrcuDomain domain, RawSpinLock lock, SeqCount seq) {
            this.srcu = domain.srcu;
            this.lock = lock;
            this.seq = seq;
        }

        /** Token: the SRCU index in the low 32 bits, the seqcount value in the high 32. */
        @Override
        public long readLock() {
            int idx = srcu.readLock();
            int start = seq.readBegin();
            return ((long) start << 32) | (idx & 0xffff_ffffL);
        }

        @Override
        public boolean readValidate(long token) {
            return !seq.readRetry((int) (token >>> 32));
        }

        @Override
        public void readUnlock(long token) {
            srcu.readUnlock((int) token);
        }

        @Override
        public void writeLock() {
            lock.lock("gpc->lock");
            seq.writeBegin();
        }

        @Override
        public void writeUnlock() {
            seq.writeEnd();
            lock.unlock();
        }

        /** The raw lock alone: the walk's test changes nothing, so it need not bump the seqcount. */
        @Override
        public boolean walkReadLock(org.pfncache.host.MmuNotifierRange range) {
            lock.lock("gfn_to_pfn_cache_invalidate_start");
            return true;
        }

        @Override
        public void walkReadUnlock() {
            lock.unlock();
        }

        @Override
        public void retire(long uhva, Runnable unmap) {
            srcu.call(unmap); // SRCU only at unmap: no drain, the proposal's hazard
        }
    }
}
