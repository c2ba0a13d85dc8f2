package org.pfncache.stress.drain;

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
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;
import org.pfncache.stress.Witness;

/**
 * I3, drain: once invalidate_range_start has returned, no reader touches the old page (R8).
 *
 * <p>The race: a reader enters its section, passes check() and uses the page ({@link #USES}
 * stores and loads through khva, a section that does some work); concurrently the host migrates
 * the page, whose invalidation must wait for that reader before the old page is freed. The
 * observed outcome is the simulated memory's own detector: every access through a mapping whose
 * page has since been freed counts as a stale access ({@code mm().audit().staleAccesses()}).
 *
 * <p>Outcomes (reader, stale): {@code 0, 0} check() failed (the invalidation came first);
 * {@code 1, 0} the reader used the page and the invalidation waited for it (or came after);
 * {@code 1, 1} use after invalidate: FORBIDDEN for the strategies that drain readers (RWLOCK,
 * SRCU), ACCEPTABLE_INTERESTING for SEQCOUNT, whose invalidation never waits: the documented
 * hazard, and the witness that the window was reached. A stale access without a passed check()
 * is impossible everywhere. RWLOCK-TRY is not run: on a blockable range it is RWLOCK.
 *
 * <p>No mapping is retired by the actors (migration frees the page, not the kernel mapping), so
 * the Vm starts no thread and is left to the garbage collector.
 */
@Description("I3: a reader inside its section races a migration of its page; after invalidate_range_start returns, no reader touches the old page.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "check() failed: the invalidation came first")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the reader used the page before the old page was freed")
@Outcome(expect = Expect.FORBIDDEN, desc = "impossible: a stale access without a passed check()")
public class I3_Drain {
    /** Words the reader stores and loads inside its section. */
    static final int USES = 16;

    /** The Vm, the cache on page 0, the reader and the migration. */
    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;

        protected Scenario(InvalidationStrategy strategy) {
            vm = TinyVm.build(strategy);
            cache = vm.newCache();
            cache.activate(TinyVm.gpa(0), USES * Long.BYTES);
        }

        /** R7 without the refresh: 1 if check() passed and the page was used, 0 if check() failed. */
        protected int read() {
            try (PfnCache.Section s = cache.enter()) {
                if (!s.check(USES * Long.BYTES)) {
                    return 0;
                }
                Khva k = s.khva();
                for (int i = 0; i < USES; i++) {
                    k.putLong(i * Long.BYTES, i);
                    k.getLong(i * Long.BYTES);
                }
                return 1;
            }
        }

        /** The host moves the page: blockable invalidation, copy, the old page is freed, end. */
        protected void invalidate() {
            vm.mm().migrate(TinyVm.hva(0));
        }

        /** 1 if any access went through a mapping of a freed page. */
        protected int stale() {
            return vm.mm().audit().staleAccesses() == 0 ? 0 : 1;
        }
    }

    @JCStressTest
    @JCStressMeta(I3_Drain.class)
    @Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "use after invalidate: RWLOCK drains readers, yet a reader touched the freed page")
    @State
    public static class RwLock extends Scenario {
        public RwLock() {
            super(InvalidationStrategy.rwlock());
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = read();
        }

        @Actor
        public void invalidator() {
            invalidate();
        }

        @Arbiter
        public void audit(II_Result r) {
            r.r2 = stale();
        }
    }

    @JCStressTest
    @JCStressMeta(I3_Drain.class)
    @Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "use after invalidate: SRCU drains readers, yet a reader touched the freed page")
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(InvalidationStrategy.srcu());
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = read();
        }

        @Actor
        public void invalidator() {
            invalidate();
        }

        @Arbiter
        public void audit(II_Result r) {
            r.r2 = stale();
        }
    }

    @JCStressTest
    @JCStressMeta(I3_Drain.class)
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE_INTERESTING, desc = "the documented hazard: SEQCOUNT's invalidation never waits, so a reader that passed check() used the freed page")
    @Witness(value = "1, 1", what = "SEQCOUNT's hazard: a reader was still inside when the page was freed")
    @State
    public static class SeqCount extends Scenario {
        public SeqCount() {
            super(InvalidationStrategy.seqcount());
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = read();
        }

        @Actor
        public void invalidator() {
            invalidate();
        }

        @Arbiter
        public void audit(II_Result r) {
            r.r2 = stale();
        }
    }
}
