package org.pfncache.stress.invalidation;

import org.pfncache.InvalidationStrategy;
import org.pfncache.host.MmuNotifier;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.stress.TinyVm;

/**
 * I4, no publish during an invalidation in progress (R5): while an invalidation of the cache's
 * page is between its start and its end, refresh must not publish a mapping.
 *
 * <p>A probe MMU notifier is registered after the Vm's own. The mm calls starts and ends in
 * registration order, so the probe's start runs after the Vm's start (which raised
 * mn_active_invalidate_count and revoked the cache) and before the Vm's end: for as long as it
 * runs, an invalidation of the page is in progress. It samples the cache {@link #SAMPLES} times;
 * a valid cache there is a publish during the invalidation (or a revoke that missed). One actor
 * activates the cache (its refresh races the invalidation); the other migrates the page.
 *
 * <p>Outcomes (probe, lost): probe 1 is forbidden; lost as
 * {@link InvalidationScenario#lostInvalidation()} (1 forbidden). Activation from the initial
 * state retires no mapping, so the Vm starts no thread and is left to the garbage collector.
 */
public abstract class NoPublishDuringInvalidationScenario extends InvalidationScenario {
    static final int SAMPLES = 16;

    private volatile int sawValid;

    protected NoPublishDuringInvalidationScenario(InvalidationStrategy strategy) {
        super(strategy);
        vm.mm().register(new Probe());
    }

    protected void activate() {
        cache.activate(TinyVm.gpa(0), Long.BYTES);
    }

    protected void migratePage() {
        migrate();
    }

    protected int sawValidDuringInvalidation() {
        return sawValid;
    }

    private final class Probe implements MmuNotifier {
        @Override
        public boolean invalidateRangeStart(MmuNotifierRange range) {
            for (int i = 0; i < SAMPLES; i++) {
                if (cache.isValid()) {
                    sawValid = 1;
                }
                Thread.onSpinWait();
            }
            return true;
        }

        @Override
        public void invalidateRangeEnd(MmuNotifierRange range) {
        }
    }
}
