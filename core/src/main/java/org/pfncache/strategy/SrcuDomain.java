package org.pfncache.strategy;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.guard.Guard;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.sync.RawSpinLock;
import org.pfncache.sync.Srcu;

/**
 * The Vm-wide SRCU state ({@code kvm->srcu} plus what it must still drain), shared by every cache
 * of a Vm that uses SRCU or SEQCOUNT.
 *
 * <p>Protocol. Whenever a cache stops publishing a valid mapping (invalidation, refresh,
 * deactivation) the page it mapped is recorded here with a grace-period cookie taken after
 * that store ({@code get_state_synchronize_srcu}: it starts nothing and takes no lock, so it is
 * allowed under the raw write side and in a non-blockable range under PREEMPT_RT, R13). Every
 * {@code invalidate_range_start} then {@link #drain drains} the range: if a recorded page lies in
 * it, readers that found that mapping may still be inside their sections, so a blockable range
 * waits for a grace period ({@code synchronize_srcu}) and a non-blockable one only polls the
 * cookie ({@code poll_state_synchronize_srcu}) for at most the Vm's poll budget and answers
 * -EAGAIN if it has not completed (R10, I5). Recording by page, not by cache, keeps the guarantee
 * when the cache has since moved elsewhere or been deactivated.
 *
 * <p>Ordering (I3): the writer's release store of the invalid state precedes the full fence in
 * {@code getState()} and so every scan of the cookie's grace period; the reader's slot increment
 * is followed by Srcu's fence B before its acquire load of the state. Store-buffering pair: either
 * the scan sees the reader and waits for it, or the reader sees valid == false.
 */
final class SrcuDomain implements InvalidationStrategy.Drain, InvalidationStrategy.BoundedClose, AutoCloseable {
    private static final int PRUNE_AT = 64;

    final Srcu srcu;
    private final long pollBudgetNanos;
    private final RawSpinLock pendingLock;
    /** uhva page -> newest cookie that must complete before that page may go; guarded by pendingLock. */
    private final NavigableMap<Long, Long> pending = new TreeMap<>();

    /** The Vm's domain, made by its first SRCU or SEQCOUNT cache. */
    static SrcuDomain of(InvalidationStrategy.Context context) {
        return context.shared(SrcuDomain.class, () -> new SrcuDomain(context.guard(), context.nonBlockPollBudget()));
    }

    SrcuDomain(Guard guard, Duration pollBudget) {
        this.srcu = new Srcu("kvm->srcu", guard);
        this.pollBudgetNanos = pollBudget.toNanos();
        this.pendingLock = new RawSpinLock("kvm->srcu pending", guard);
    }

    /** Records that readers may still hold a mapping of the page at {@code uhva}. Never sleeps. */
    void addPending(long uhva) {
        long cookie = srcu.getState();
        long page = uhva & ~(long) (PfnCache.PAGE_SIZE - 1);
        pendingLock.lock("srcu_add_pending");
        try {
            pending.merge(page, cookie, (a, b) -> b - a > 0 ? b : a);
            if (pending.size() > PRUNE_AT) {
                pending.values().removeIf(srcu::pollCompleted);
            }
        } finally {
            pendingLock.unlock();
        }
    }

    @Override
    public boolean drain(MmuNotifierRange range) {
        long newest = 0;
        boolean any = false;
        pendingLock.lock("srcu_settle");
        try {
            Iterator<Map.Entry<Long, Long>> it = pending.subMap(range.start() & ~(long) (PfnCache.PAGE_SIZE - 1), true,
                    range.end(), false).entrySet().iterator();
            while (it.hasNext()) {
                long c = it.next().getValue();
                if (srcu.pollCompleted(c)) {
                    it.remove();
                } else if (!any || c - newest > 0) {
                    newest = c;
                    any = true;
                }
            }
        } finally {
            pendingLock.unlock();
        }
        if (!any) {
            return true;
        }
        if (range.blockable()) {
            if (!srcu.pollCompleted(newest)) {
                srcu.synchronize();
            }
            return true;
        }
        // Non-blockable: poll without sleeping, for a bounded budget (R10, I5).
        long deadline = System.nanoTime() + pollBudgetNanos;
        do {
            if (srcu.pollCompleted(newest)) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        return false;
    }

    @Override
    public long gracePeriods() {
        return srcu.completedGracePeriods();
    }

    @Override
    public void close() {
        srcu.close();
    }

    /** Vm.close: the barrier for deferred unmaps, bounded; false: readers pinned some, leaked (reported). */
    @Override
    public boolean close(Duration timeout) {
        return srcu.close(timeout);
    }
}
