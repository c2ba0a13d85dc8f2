package org.pfncache.stress.deactivate;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * R6, deactivate racing a reader in its section, then a migration of the page: the reader never
 * leaks an exception from its section, and once the migration has returned no reader touches the
 * old page (I3, for a cache that has left gpc_list).
 *
 * <p>The race. The reader enters, passes check() and keeps storing through khva, for up to
 * {@link #HOLD_NANOS}; before each store it loads (acquire) the flag the deactivator sets
 * (release) after deactivate() returned, so a store made after that flag was seen was certainly
 * made after deactivate() returned, and the reader leaves right after that one store. Staying
 * inside until then (bounded) keeps the reader in its section across deactivate() whenever it
 * entered first, so the window is reached in most samples rather than by luck. The deactivator deactivates the cache, sets the flag, and migrates the page. The
 * arbiter reads the memory's stale-access count and closes the Vm (deactivate retired the
 * mapping; SRCU and SEQCOUNT unmap it from their reclaimer thread, which the close joins).
 *
 * <p>Outcomes (reader, after, exception, stale): reader 0 check() failed, 1 used the page; after 1
 * if an access followed deactivate()'s return; exception 1 if anything was thrown inside the
 * section (an access through a mapping already unmapped throws): FORBIDDEN everywhere; stale 1
 * if an access hit the freed page. RWLOCK's deactivate takes the write side, which drains the
 * reader: after and stale are both FORBIDDEN. SRCU's deactivate only defers the unmap (call_srcu)
 * and does not wait, so an access after it returned is legal (ACCEPTABLE_INTERESTING, the witness
 * that the window was reached); the migration that follows must still wait for the reader, since
 * the unpublished page stays protected: stale is FORBIDDEN. SEQCOUNT neither waits at deactivate
 * nor drains at the migration: after and stale are its documented hazard (ACCEPTABLE_INTERESTING).
 */
@Description("R6: deactivate races a reader inside its section, then the page migrates: no exception leaks, no access to the freed page for draining strategies.")
@Outcome(id = {"0, 0, 0, 0", "1, 0, 0, 0"}, expect = Expect.ACCEPTABLE, desc = "the section ended before deactivate() returned (or never passed check())")
@Outcome(id = "., ., 1, .", expect = Expect.FORBIDDEN, desc = "an exception leaked from the read section")
@Outcome(expect = Expect.FORBIDDEN, desc = "an access after deactivate() returned or after the old page was freed")
public class R6_DeactivateDuringSection {
    /** Words of the page the reader uses. */
    static final int SLOTS = 16;
    /**
     * How long the reader stays inside at most: longer than a deactivate() that starts the SRCU
     * reclaimer thread. RWLOCK's deactivate() waits for the reader, so there every section lasts
     * this long.
     */
    static final long HOLD_NANOS = 1_000_000;

    private static final VarHandle DEACTIVATED;

    static {
        try {
            DEACTIVATED = MethodHandles.lookup().findVarHandle(Scenario.class, "deactivated", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;
        @SuppressWarnings("unused") // accessed through DEACTIVATED
        boolean deactivated;

        protected Scenario(InvalidationStrategy strategy) {
            vm = TinyVm.build(strategy);
            cache = vm.newCache();
            cache.activate(TinyVm.gpa(0), SLOTS * Long.BYTES);
        }

        protected void read(IIII_Result r) {
            try (PfnCache.Section s = cache.enter()) {
                if (!s.check(SLOTS * Long.BYTES)) {
                    return;
                }
                r.r1 = 1;
                Khva k = s.khva();
                long deadline = System.nanoTime() + HOLD_NANOS;
                for (int i = 0; (i & 63) != 0 || System.nanoTime() - deadline < 0; i++) {
                    // Acquire: pairs with the release after deactivate(); seeing it means the
                    // access below comes after deactivate() returned.
                    boolean after = (boolean) DEACTIVATED.getAcquire(this);
                    k.putLong((i % SLOTS) * Long.BYTES, i);
                    if (after) {
                        r.r2 = 1;
                        break; // one access after the return is the whole point; leave
                    }
                }
            } catch (RuntimeException e) {
                r.r3 = 1;
            }
        }

        protected void deactivateThenMigrate() {
            cache.deactivate();
            // Release: pairs with the reader's acquire (see read).
            DEACTIVATED.setRelease(this, true);
            vm.mm().migrate(TinyVm.hva(0));
        }

        protected void auditAndClose(IIII_Result r) {
            r.r4 = vm.mm().audit().staleAccesses() == 0 ? 0 : 1;
            vm.close();
        }
    }

    @JCStressTest
    @JCStressMeta(R6_DeactivateDuringSection.class)
    @State
    public static class RwLock extends Scenario {
        public RwLock() {
            super(InvalidationStrategy.rwlock());
        }

        @Actor
        public void reader(IIII_Result r) {
            read(r);
        }

        @Actor
        public void deactivator() {
            deactivateThenMigrate();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            auditAndClose(r);
        }
    }

    @JCStressTest
    @JCStressMeta(R6_DeactivateDuringSection.class)
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE_INTERESTING, desc = "SRCU: accesses after deactivate() returned (it defers the unmap), none to the freed page")
    @Witness(value = "1, 1, 0, 0", what = "the reader was still inside after deactivate() returned")
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(InvalidationStrategy.srcu());
        }

        @Actor
        public void reader(IIII_Result r) {
            read(r);
        }

        @Actor
        public void deactivator() {
            deactivateThenMigrate();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            auditAndClose(r);
        }
    }

    @JCStressTest
    @JCStressMeta(R6_DeactivateDuringSection.class)
    @Outcome(id = {"1, 1, 0, [01]", "1, 0, 0, 1"}, expect = Expect.ACCEPTABLE_INTERESTING, desc = "SEQCOUNT's hazard: accesses after deactivate() returned, possibly to the freed page")
    @Witness(value = "1, 1, 0, [01]", what = "the reader was still inside after deactivate() returned")
    @State
    public static class SeqCount extends Scenario {
        public SeqCount() {
            super(InvalidationStrategy.seqcount());
        }

        @Actor
        public void reader(IIII_Result r) {
            read(r);
        }

        @Actor
        public void deactivator() {
            deactivateThenMigrate();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            auditAndClose(r);
        }
    }
}
