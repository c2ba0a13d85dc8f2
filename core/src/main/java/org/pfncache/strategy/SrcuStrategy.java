package org.pfncache.strategy;

import java.time.Duration;
import java.util.Objects;
import org.pfncache.CacheProtection;
import org.pfncache.InvalidationStrategy;
import org.pfncache.ProtectionContext;
import org.pfncache.RevocationTarget;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.sync.RawSpinLock;

/**
 * SRCU epochs (semantics.md section 5). Readers enter the Vm's SRCU read section
 * ({@code srcu_read_lock}: an atomic increment on the thread's own slot, which is also the full
 * barrier) and validate the cache's state with acquire ordering; they never block writers.
 * The write side is a {@code raw_spinlock_t} held only for short, non-sleeping stretches, so it
 * is safe in a non-blockable range under every preemption model.
 *
 * <p>Invalidation clears valid under the write side; the cleared page is recorded in the Vm's
 * {@link SrcuDomain}, which then waits for a grace period (blockable) or polls it for a bounded
 * budget and answers RETRY (non-blockable). Old mappings are unmapped by {@code call_srcu}-style
 * deferred work after a grace period.
 *
 * <p>Ordering: the reader's counter increment (a volatile read-modify-write) precedes its acquire
 * load of the state; the writer's release store of the invalid state precedes the grace period's
 * full fence and counter scan. Either the scan sees the reader (and waits for it) or the reader
 * sees valid == false (store-buffering pair, I3).
 */
public final class SrcuStrategy implements InvalidationStrategy {
    /** How long a non-blockable invalidation polls the grace period before answering RETRY. */
    public static final Duration DEFAULT_POLL_BUDGET = Duration.ofMillis(1);
    public static final SrcuStrategy INSTANCE = new SrcuStrategy(DEFAULT_POLL_BUDGET);

    private final Duration pollBudget;

    private SrcuStrategy(Duration pollBudget) {
        this.pollBudget = pollBudget;
    }

    /**
     * The same strategy with another poll budget. The budget belongs to the Vm's shared SRCU
     * domain, so the first SRCU or SEQCOUNT cache of a Vm decides it.
     */
    public static SrcuStrategy withPollBudget(Duration budget) {
        Objects.requireNonNull(budget, "budget");
        if (budget.isNegative()) {
            throw new IllegalArgumentException("poll budget must not be negative, got " + budget);
        }
        return new SrcuStrategy(budget);
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
        return "srcu_read_lock/unlock: one atomic increment each on the thread's own slot (full barrier on entry)";
    }

    static SrcuDomain domain(ProtectionContext context, Duration pollBudget) {
        return context.shared(SrcuDomain.class, () -> new SrcuDomain(context.guard(), pollBudget));
    }

    @Override
    public CacheProtection newProtection(ProtectionContext context) {
        return new Protection(domain(context, pollBudget), new RawSpinLock(context.cacheName() + "->lock", context.guard()));
    }

    @Override
    public String toString() {
        return name();
    }

    private static final class Protection implements CacheProtection {
        private final SrcuDomain domain;
        private final RawSpinLock lock;

        Protection(SrcuDomain domain, RawSpinLock lock) {
            this.domain = domain;
            this.lock = lock;
        }

        @Override
        public long readLock() {
            return domain.srcu.readLock();
        }

        @Override
        public boolean readValidate(long token) {
            return true; // a section that passed check() is waited for by every grace period
        }

        @Override
        public void readUnlock(long token) {
            domain.srcu.readUnlock((int) token);
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
        public Revocation revoke(RevocationTarget target, MmuNotifierRange range) {
            lock.lock("gfn_to_pfn_cache_invalidate_start");
            try {
                if (target.coveredBy(range.start(), range.end())) {
                    target.clearValid(); // records the page via unpublished(); the domain drains it
                }
            } finally {
                lock.unlock();
            }
            return Revocation.DONE;
        }

        @Override
        public void unpublished(long uhva) {
            domain.addPending(uhva);
        }

        @Override
        public void retire(long uhva, Runnable unmap) {
            domain.srcu.call(unmap);
        }
    }
}
