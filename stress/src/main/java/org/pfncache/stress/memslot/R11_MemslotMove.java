package org.pfncache.stress.memslot;

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
import org.pfncache.stress.TinyVm;

/**
 * R11, refresh racing a memslot move: once the move has returned, a check() never passes on the
 * page the memslot used to map.
 *
 * <p>The race. Memslot 0 maps gfn 0 onto the first VMA, whose page 0 holds {@link #OLD_SIGNATURE};
 * a second VMA at {@link #NEW_HVA} holds {@link #NEW_SIGNATURE}. The cache is active on gpa 0.
 * The refresher refreshes it; the mover replaces memslot 0 so that gfn 0 maps onto the second VMA
 * (a new generation), then enters a read section, checks, and reads through khva. A refresh that
 * took the memslots before the move publishes the old hva with the old generation, which check()
 * refuses from the move on; one that took them after maps the new page. Publishing the old page
 * under the new generation (say, reading the generation after resolving the hva from an older
 * snapshot) is the bug: the check after the move would pass on the old page. The arbiter then
 * refreshes once more and reads through the R7 loop: the cache must follow the memslot.
 *
 * <p>Outcomes (checker, final): checker 0 check() failed, 1 read the new page, 2 read the old page
 * (FORBIDDEN), 3 anything else (FORBIDDEN); final 1 the arbiter's R7 read sees the new page, 2 it
 * does not (FORBIDDEN). The refresh to the new page retires the old mapping, so the arbiter closes
 * the Vm.
 */
@Description("R11: after a memslot move returns, no check() passes on the page the memslot left.")
@Outcome(id = "[01], 1", expect = Expect.ACCEPTABLE, desc = "check() failed (stale generation) or read the new page")
@Outcome(id = "2, .", expect = Expect.FORBIDDEN, desc = "a check() after the move read the old page")
@Outcome(expect = Expect.FORBIDDEN, desc = "the cache did not follow the memslot, or read neither page")
public class R11_MemslotMove {
    static final long NEW_HVA = TinyVm.HVA + 0x10_0000;
    static final long OLD_SIGNATURE = 0x01d0_0000_0000_0011L;
    static final long NEW_SIGNATURE = 0x0e30_0000_0000_0011L;

    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;

        protected Scenario(InvalidationStrategy strategy) {
            vm = TinyVm.build(strategy);
            vm.mm().mmap(NEW_HVA, (long) TinyVm.PAGES * TinyVm.PAGE);
            vm.mm().writeLong(TinyVm.hva(0), OLD_SIGNATURE);
            vm.mm().writeLong(NEW_HVA, NEW_SIGNATURE);
            cache = vm.newCache();
            cache.activate(TinyVm.gpa(0), Long.BYTES);
        }

        protected void refresh() {
            cache.refresh(Long.BYTES);
        }

        protected int moveThenCheck() {
            vm.memslots().set(0, 0, TinyVm.PAGES, NEW_HVA);
            try (PfnCache.Section s = cache.enter()) {
                if (!s.check(Long.BYTES)) {
                    return 0;
                }
                long v = s.khva().getLong(0);
                if (!s.validate()) {
                    return 0;
                }
                return v == NEW_SIGNATURE ? 1 : v == OLD_SIGNATURE ? 2 : 3;
            }
        }

        protected int followAndClose() {
            cache.refresh(Long.BYTES);
            long v = cache.readLong(Long.BYTES, k -> k.getLong(0));
            vm.close();
            return v == NEW_SIGNATURE ? 1 : 2;
        }
    }

    @JCStressTest
    @JCStressMeta(R11_MemslotMove.class)
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
        public void mover(II_Result r) {
            r.r1 = moveThenCheck();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = followAndClose();
        }
    }

    @JCStressTest
    @JCStressMeta(R11_MemslotMove.class)
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
        public void mover(II_Result r) {
            r.r1 = moveThenCheck();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = followAndClose();
        }
    }

    @JCStressTest
    @JCStressMeta(R11_MemslotMove.class)
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
        public void mover(II_Result r) {
            r.r1 = moveThenCheck();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = followAndClose();
        }
    }
}
