package org.pfncache.stress.invalidation;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;
import org.pfncache.stress.Witness;

/**
 * I4, check after a completed invalidation: once a migration of the page has returned, no check()
 * succeeds on the pfn it covered until a later refresh; a refresh racing it (R5) must not publish
 * that pfn.
 *
 * <p>The race, aligned on the refresh's window. The cache is active and valid on page 1. The
 * refresher activates it on page 0: a new hva, so R4 enters the retry loop (R5), which first
 * publishes the new gpa as invalid, then looks page 0 up, maps it and publishes it if no
 * invalidation ran meanwhile. The invalidator spins (bounded, {@link #SPINS}) until it sees that
 * pending state (gpa 0, not valid), then migrates page 0 and, right after the migration returns,
 * enters a read section and checks. The public API shows no "between the page lookup and the
 * publish" point, so the spin waits for the nearest visible one: after the pending publish and
 * before the final one, an interval that contains the lookup. The migration then races the
 * lookup, the map and mmu_notifier_retry_cache.
 *
 * <p>Outcomes (checker, window, lost): checker 0 check() failed, 1 passed on a live page, 2
 * passed and read through the pfn the migration freed (FORBIDDEN); window 1 when the invalidator saw the
 * pending state (the witness), 0 when its spin ran out (the cache may then still be valid on page
 * 1, where a passing check is legitimate); lost 1 when, after both actors, the cache
 * is valid on a freed pfn or any access went through a freed page (FORBIDDEN). RWLOCK-TRY is
 * RWLOCK on this blockable range. The refresh retires page 1's mapping, so the arbiter closes the
 * Vm (joining the SRCU reclaimer). The Lincheck-twinned control
 * {@code negative.NotifierModel_NoRetryCache_Broken} is this race without the retry check.
 */
@Description("I4: a migration that ran inside a refresh's retry loop is never lost: no check() passes on the freed pfn.")
@Outcome(id = "[01], [01], 0", expect = Expect.ACCEPTABLE, desc = "check() failed, or passed on a live page; nothing lost")
@Outcome(id = "2, ., .", expect = Expect.FORBIDDEN, desc = "check() passed on the pfn the completed invalidation freed")
@Outcome(expect = Expect.FORBIDDEN, desc = "lost invalidation: the cache ended valid on a freed page, or a read went through one")
@Witness(value = "., 1, 0", what = "the migration started while the refresh was inside its retry loop")
public class I4_CheckAfterInvalidation {
    static final int SPINS = 1 << 16;

    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;

        protected Scenario(InvalidationStrategy strategy) {
            vm = TinyVm.build(strategy);
            cache = vm.newCache();
            cache.activate(TinyVm.gpa(1), Long.BYTES);
        }

        /** R1 to page 0: a new hva, so the retry loop (R5). */
        protected void refresh() {
            cache.activate(TinyVm.gpa(0), Long.BYTES);
        }

        /** Waits for the pending state, migrates page 0, checks once; r1 and r2. */
        protected void migrateInWindowThenCheck(III_Result r) {
            int window = 0;
            for (int i = 0; i < SPINS; i++) {
                // Acquire loads of the state (gpa(), isValid()): the pending state is published
                // by the refresher's release store before it drops the write side for the lookup.
                if (cache.gpa() == TinyVm.gpa(0) && !cache.isValid()) {
                    window = 1;
                    break;
                }
                if (cache.gpa() == TinyVm.gpa(0)) {
                    break; // already published: the window is gone
                }
                Thread.onSpinWait();
            }
            vm.mm().migrate(TinyVm.hva(0));
            r.r1 = checkOnce();
            r.r2 = window;
        }

        /**
         * A read section with no refresh: 0 check() failed; 1 passed; 2 passed and its read went
         * through a mapping of a freed page (the memory's stale-access count went up; freed pfns
         * are not reallocated here, so the count is exact). The cache may be on page 1 still,
         * when the spin ran out before the refresher started; its check then passes legitimately.
         */
        private int checkOnce() {
            long before = vm.mm().audit().staleAccesses();
            try (PfnCache.Section s = cache.enter()) {
                if (!s.check(Long.BYTES)) {
                    return 0;
                }
                s.khva().getLong(0);
            }
            return vm.mm().audit().staleAccesses() == before ? 1 : 2;
        }

        /** After both actors: 1 if the cache is valid on a freed page or any access hit one; then closes the Vm. */
        protected int lostAndClose() {
            boolean stale = checkOnce() == 2;
            int lost = stale || vm.mm().audit().staleAccesses() != 0 ? 1 : 0;
            vm.close();
            return lost;
        }
    }

    @JCStressTest
    @JCStressMeta(I4_CheckAfterInvalidation.class)
    @State
    public static class RwLock extends Scenario {
        public RwLock() {
            super(InvalidationStrategy.rwlock());
        }

        @Actor
        public void refresher() {
            refresh();
        }

        @Actor
        public void invalidator(III_Result r) {
            migrateInWindowThenCheck(r);
        }

        @Arbiter
        public void audit(III_Result r) {
            r.r3 = lostAndClose();
        }
    }

    @JCStressTest
    @JCStressMeta(I4_CheckAfterInvalidation.class)
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(InvalidationStrategy.srcu());
        }

        @Actor
        public void refresher() {
            refresh();
        }

        @Actor
        public void invalidator(III_Result r) {
            migrateInWindowThenCheck(r);
        }

        @Arbiter
        public void audit(III_Result r) {
            r.r3 = lostAndClose();
        }
    }

    @JCStressTest
    @JCStressMeta(I4_CheckAfterInvalidation.class)
    @State
    public static class SeqCount extends Scenario {
        public SeqCount() {
            super(InvalidationStrategy.seqcount());
        }

        @Actor
        public void refresher() {
            refresh();
        }

        @Actor
        public void invalidator(III_Result r) {
            migrateInWindowThenCheck(r);
        }

        @Arbiter
        public void audit(III_Result r) {
            r.r3 = lostAndClose();
        }
    }
}
