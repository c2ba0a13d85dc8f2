package org.pfncache.stress.invalidation;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
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
 * <p>Outcomes (probe, lost): probe 1 is FORBIDDEN; lost 1 (the cache ended valid on a freed pfn,
 * or a read through it hit a freed page) is FORBIDDEN. RWLOCK-TRY is RWLOCK on this blockable
 * range. Activation from the initial state retires no mapping, so the Vm starts no thread and is
 * left to the garbage collector.
 */
@Description("I4: an activation's refresh never publishes while a migration of the page is in progress.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "never valid inside the invalidation, nothing lost")
@Outcome(id = "1, .", expect = Expect.FORBIDDEN, desc = "valid while the invalidation was in progress")
@Outcome(id = "., 1", expect = Expect.FORBIDDEN, desc = "lost invalidation: the cache ended valid on a freed page")
public class I4_NoPublishDuringInvalidation {
    static final int SAMPLES = 16;

    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;
        private volatile int sawValid;

        protected Scenario(InvalidationStrategy strategy) {
            vm = TinyVm.build(strategy);
            cache = vm.newCache();
            vm.mm().register(new Probe());
        }

        protected void activate() {
            cache.activate(TinyVm.gpa(0), Long.BYTES);
        }

        protected void migrate() {
            vm.mm().migrate(TinyVm.hva(0));
        }

        protected void audit(II_Result r) {
            r.r1 = sawValid;
            boolean stalePfn;
            try (PfnCache.Section s = cache.enter()) {
                stalePfn = s.check(Long.BYTES) && cache.pfn() != vm.mm().pfn(TinyVm.hva(0));
                if (stalePfn) {
                    s.khva().getLong(0);
                }
            }
            r.r2 = stalePfn || vm.mm().audit().staleAccesses() != 0 ? 1 : 0;
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

    @JCStressTest
    @JCStressMeta(I4_NoPublishDuringInvalidation.class)
    @State
    public static class RwLock extends Scenario {
        public RwLock() {
            super(InvalidationStrategy.rwlock());
        }

        @Actor
        public void activator() {
            activate();
        }

        @Actor
        public void invalidator() {
            migrate();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            audit(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I4_NoPublishDuringInvalidation.class)
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(InvalidationStrategy.srcu());
        }

        @Actor
        public void activator() {
            activate();
        }

        @Actor
        public void invalidator() {
            migrate();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            audit(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I4_NoPublishDuringInvalidation.class)
    @State
    public static class SeqCount extends Scenario {
        public SeqCount() {
            super(InvalidationStrategy.seqcount());
        }

        @Actor
        public void activator() {
            activate();
        }

        @Actor
        public void invalidator() {
            migrate();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            audit(r);
        }
    }
}
