package org.pfncache.stress.liveness;

import java.time.Duration;
import org.pfncache.InvalidationStrategy;
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;

/**
 * I6, liveness after a non-blockable invalidation: a start that answered RETRY rolls back its own
 * bookkeeping (R10), so mn_active_invalidate_count is 0 once the reaper is done, and a refresh
 * then completes; a reaped range leaves no reader on the freed page.
 *
 * <p>A reader holds a read section and uses the page ({@link #USES} loads) while the OOM reaper
 * makes one attempt ({@code oomReap(1, 0)}): a non-blockable invalidation of the whole VMA. A
 * strategy whose non-blockable outcome is RETRY answers RETRY while the reader is inside and the
 * reaper skips the range; otherwise the range is reaped. The arbiter checks the count first (a
 * stuck count would make the refresh below spin forever) and, if the range was skipped, refreshes
 * the cache, which must come back valid.
 *
 * <p>Outcomes (reaped, count, refreshed, stale): {@code 1, 0, 0, 0} reaped, nothing to refresh;
 * {@code 0, 0, 1, 0} skipped and the refresh completed. A nonzero count, a refresh that did not
 * make the cache valid ({@code 2}) or a stale access are forbidden. The reaper frees pages but
 * retires no mapping, and the refresh keeps the mapping of the unchanged page, so the Vm starts
 * no thread and is left to the garbage collector.
 */
public abstract class NonBlockableLivenessScenario {
    static final int USES = 256;

    private final Vm vm;
    private final PfnCache cache;
    private volatile boolean reaped;

    protected NonBlockableLivenessScenario(InvalidationStrategy strategy) {
        vm = TinyVm.build(strategy);
        cache = vm.newCache();
        cache.activate(TinyVm.gpa(0), Long.BYTES);
    }

    protected void read() {
        try (PfnCache.Section s = cache.enter()) {
            if (s.check(Long.BYTES)) {
                Khva k = s.khva();
                for (int i = 0; i < USES; i++) {
                    k.getLong(0);
                }
            }
        }
    }

    protected int reap() {
        reaped = vm.mm().oomReap(1, Duration.ZERO).complete();
        return reaped ? 1 : 0;
    }

    protected int activeInvalidateCount() {
        return vm.activeInvalidateCount();
    }

    /** Only with the count back at 0: 1 the skipped range's cache refreshed to valid, 2 it did not, 0 reaped. */
    protected int refreshIfSkipped() {
        if (reaped) {
            return 0;
        }
        cache.refresh(Long.BYTES);
        return cache.isValid() ? 1 : 2;
    }

    protected int staleAccesses() {
        return vm.memory().staleAccesses() == 0 ? 0 : 1;
    }
}
