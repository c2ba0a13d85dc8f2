package org.pfncache.strategy;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.pfncache.CacheProtection.Revocation;
import org.pfncache.InvalidationParticipant;
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
 * deactivation) the page it mapped is recorded here with a grace-period cookie started after
 * that store. Every {@code invalidate_range_start} then {@link #settle settles} the range: if a
 * recorded page lies in it, readers that found that mapping may still be inside their sections,
 * so a blockable range waits for the grace period and a non-blockable one polls it for at most
 * the poll budget and answers RETRY if it has not completed (R10, I5). Recording by page, not by
 * cache, keeps the guarantee when the cache has since moved elsewhere or been deactivated.
 */
final class SrcuDomain implements InvalidationParticipant, AutoCloseable {
    private static final int PRUNE_AT = 64;

    final Srcu srcu;
    private final long pollBudgetNanos;
    private final RawSpinLock pendingLock;
    /** uhva page -> newest cookie that must complete before that page may go; guarded by pendingLock. */
    private final NavigableMap<Long, Long> pending = new TreeMap<>();

    SrcuDomain(Guard guard, Duration pollBudget) {
        this.srcu = new Srcu("kvm->srcu", guard);
        this.pollBudgetNanos = pollBudget.toNanos();
        this.pendingLock = new RawSpinLock("kvm->srcu pending", guard);
    }

    /** Records that readers may still hold a mapping of the page at {@code uhva}. Never sleeps. */
    void addPending(long uhva) {
        long cookie = srcu.startPoll();
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
    public Revocation settle(MmuNotifierRange range) {
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
            return Revocation.DONE;
        }
        if (range.blockable()) {
            if (!srcu.pollCompleted(newest)) {
                srcu.synchronize();
            }
            return Revocation.DONE;
        }
        // Non-blockable: poll without sleeping, for a bounded budget (R10, I5).
        long deadline = System.nanoTime() + pollBudgetNanos;
        do {
            if (srcu.pollCompleted(newest)) {
                return Revocation.DONE;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        return Revocation.RETRY;
    }

    /** Pages still waiting for a grace period (diagnostics and tests). */
    int pendingPages() {
        pendingLock.lock("srcu_pending_pages");
        try {
            return pending.size();
        } finally {
            pendingLock.unlock();
        }
    }

    @Override
    public void close() {
        srcu.close();
    }
}
