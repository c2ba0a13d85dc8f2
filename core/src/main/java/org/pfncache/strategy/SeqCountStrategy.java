package org.pfncache.strategy;

import org.pfncache.CacheProtection;
import org.pfncache.InvalidationStrategy;
import org.pfncache.ProtectionContext;
import org.pfncache.RevocationTarget;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.sync.RawSpinLock;
import org.pfncache.sync.SeqCount;

/**
 * SEQCOUNT, the seed thread's proposal as posed (semantics.md section 5): the cache's state is
 * validated by a seqcount, and SRCU is used only to defer unmapping. Readers take
 * {@code read_seqcount_begin}, check and access, then {@code read_seqcount_retry}; a section that
 * raced a writer reports it through {@code validate()} and {@code PfnCache.read} re-runs the
 * reader function. Invalidation bumps the seqcount and clears valid under a raw spinlock: it never
 * sleeps and never waits for readers.
 *
 * <p>The hazard, by design: a reader that passed check() keeps using khva after invalidation
 * returned; the host then frees the page, so a write by that reader lands in a freed (or reused)
 * page. validate() reports it afterwards, too late for the write. The simulated memory's
 * use-after-free detector measures it; nothing here hides it.
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
        return "srcu_read_lock/unlock plus read_seqcount_begin/retry: two atomic increments and two loads";
    }

    @Override
    public CacheProtection newProtection(ProtectionContext context) {
        RawSpinLock lock = new RawSpinLock(context.cacheName() + "->lock", context.guard());
        return new Protection(SrcuStrategy.domain(context, SrcuStrategy.DEFAULT_POLL_BUDGET), lock, new SeqCount(lock));
    }

    @Override
    public String toString() {
        return name();
    }

    private static final class Protection implements CacheProtection {
        private final SrcuDomain domain;
        private final RawSpinLock lock;
        private final SeqCount seq;

        Protection(SrcuDomain domain, RawSpinLock lock, SeqCount seq) {
            this.domain = domain;
            this.lock = lock;
            this.seq = seq;
        }

        /** Token: the SRCU index in the low 32 bits, the seqcount value in the high 32. */
        @Override
        public long readLock() {
            int idx = domain.srcu.readLock();
            int start = seq.readBegin();
            return ((long) start << 32) | (idx & 0xffff_ffffL);
        }

        @Override
        public boolean readValidate(long token) {
            return !seq.readRetry((int) (token >>> 32));
        }

        @Override
        public void readUnlock(long token) {
            domain.srcu.readUnlock((int) token);
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

        @Override
        public Revocation revoke(RevocationTarget target, MmuNotifierRange range) {
            writeLock();
            try {
                if (target.coveredBy(range.start(), range.end())) {
                    target.clearValid();
                }
            } finally {
                writeUnlock();
            }
            return Revocation.DONE; // no drain: the proposal's hazard
        }

        @Override
        public void retire(long uhva, Runnable unmap) {
            domain.srcu.call(unmap); // SRCU only at unmap
        }
    }
}
