package org.pfncache.stress.liveness;

import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;
import org.pfncache.stress.Witness;

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
 * {@code 0, 0, 1, 0} skipped and the refresh completed: the RETRY path, the witness that the
 * rollback was exercised. A nonzero count, a refresh that did not make the cache valid
 * ({@code 2}) or a stale access are FORBIDDEN. For RWLOCK and SEQCOUNT a non-blockable start never
 * fails, so there is nothing to roll back. The reaper frees pages but retires no mapping, and the
 * refresh keeps the mapping of the unchanged page, so the Vm starts no thread and is left to the
 * garbage collector.
 */
@Description("I6: after one non-blockable OOM-reap attempt races a reader, no active count is stuck and a refresh completes.")
@Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE, desc = "reaped: the invalidation succeeded")
@Outcome(id = "0, 0, 1, 0", expect = Expect.ACCEPTABLE, desc = "RETRY: the range was skipped, then the refresh completed")
@Outcome(id = "., [^0], .*", expect = Expect.FORBIDDEN, desc = "stuck mn_active_invalidate_count after the reaper returned")
@Outcome(expect = Expect.FORBIDDEN, desc = "the refresh after a skipped range did not make the cache valid, or a reader touched a freed page")
@Witness(value = "0, 0, 1, 0", what = "a RETRY was rolled back and the refresh after it completed")
public class I6_NonBlockableLiveness {
    static final int USES = 256;

    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;
        private volatile boolean reaped;

        protected Scenario(InvalidationStrategy strategy) {
            this(Vm.builder().strategy(strategy));
        }

        protected Scenario(Vm.Builder builder) {
            vm = TinyVm.build(builder);
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

        protected void audit(IIII_Result r) {
            r.r2 = vm.activeInvalidateCount();
            // Only with the count back at 0: a stuck count would make the refresh spin forever.
            if (r.r2 == 0 && !reaped) {
                cache.refresh(Long.BYTES);
                r.r3 = cache.isValid() ? 1 : 2;
            }
            r.r4 = vm.mm().audit().staleAccesses() == 0 ? 0 : 1;
        }
    }

    @JCStressTest
    @JCStressMeta(I6_NonBlockableLiveness.class)
    @State
    public static class RwLockTry extends Scenario {
        public RwLockTry() {
            super(InvalidationStrategy.rwlockTry());
        }

        @Actor
        public void reader() {
            read();
        }

        @Actor
        public void reaper(IIII_Result r) {
            r.r1 = reap();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            audit(r);
        }
    }

    /** With a zero poll budget, so that RETRY is common (the default polls for 1 ms). */
    @JCStressTest
    @JCStressMeta(I6_NonBlockableLiveness.class)
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(Vm.builder().strategy(InvalidationStrategy.srcu()).nonBlockPollBudget(Duration.ZERO));
        }

        @Actor
        public void reader() {
            read();
        }

        @Actor
        public void reaper(IIII_Result r) {
            r.r1 = reap();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            audit(r);
        }
    }
}
