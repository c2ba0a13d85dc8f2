package org.pfncache.stress.primitives;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.stress.Witness;
import org.pfncache.sync.Srcu;

/**
 * Srcu, grace period: {@code synchronize()} returns only after every reader that could still see
 * the pre-grace-period state has left its section (the left-flag shape).
 *
 * <p>The race. Reader: {@code readLock}; r1 = {@code published}; some work; {@code left = 1};
 * {@code readUnlock}. Updater: {@code published = 0}; {@code synchronize()}; r2 = {@code left}.
 * A reader that loaded {@code published == 1} entered before the grace period could have ended,
 * so the updater must find it gone: {@code 1, 0} is the grace period ending under that reader
 * (the reclaim would free what it still uses). Both flags are opaque (READ_ONCE/WRITE_ONCE):
 * only Srcu's own fences order them. The work between the two reader stores widens the window in
 * which a synchronize() that did not wait is seen.
 *
 * <p>Outcomes (reader saw published, updater saw the reader gone): {@code 1, 1} the grace period
 * waited for the reader; {@code 0, 0} and {@code 0, 1} the reader entered late and saw the
 * unpublish; {@code 1, 0} forbidden. {@code 1, 1} is the witness that a reader was inside when
 * the grace period began.
 *
 * <p>Variants. jcstress builds a new state object for every sample (a stride of them at a time),
 * so a domain made per state is always fresh: the reader's first readLock claims its slot by CAS
 * and the grace period starts from index 0 with nothing before it ({@link Fresh}). The kernel's
 * domains are old, so {@link Aged} shares one static domain between all states of a fork: from
 * the second sample on, the reader thread owns its slot (the plain-increment path), hundreds of
 * grace periods have already flipped the active index back and forth, and other samples' updaters
 * may be mid-grace-period (a synchronize() must then wait for a grace period that starts after
 * it, not for the one in flight). {@link AgedTwoSynchronizes} calls synchronize() twice in a row
 * on the aged domain: the second call's cookie is snapped while the first call's grace period has
 * just ended, the boundary where an off-by-one in the cookie arithmetic returns at once.
 *
 * <p>The broken control {@code negative.Srcu_NoWaitGracePeriod_Broken} runs this exact scenario
 * on a domain whose synchronize() returns at once.
 */
@Description("Srcu: synchronize() never returns while a reader that saw the pre-grace-period state is inside.")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "the grace period waited for the reader that saw the old state")
@Outcome(id = {"0, 0", "0, 1"}, expect = Expect.ACCEPTABLE, desc = "the reader entered late and saw the unpublish")
@Outcome(id = "1, 0", expect = Expect.FORBIDDEN, desc = "the grace period ended under a reader that saw the old state")
@Witness(value = "1, 1", what = "a reader was inside when the grace period began")
public class Srcu_GracePeriod {
    /** Spins between the reader's load of published and its store to left. */
    static final int WORK = 32;

    /** The operations the scenario needs from a domain, so the broken control can supply its own. */
    public interface Domain {
        int readLock();

        void readUnlock(int token);

        void synchronize();
    }

    /** The real {@link Srcu}, unchanged. */
    public static Domain real(Srcu srcu) {
        return new Domain() {
            @Override
            public int readLock() {
                return srcu.readLock();
            }

            @Override
            public void readUnlock(int token) {
                srcu.readUnlock(token);
            }

            @Override
            public void synchronize() {
                srcu.synchronize();
            }
        };
    }

    /** The reader and updater of the left-flag shape, over one domain. */
    public abstract static class Scenario {
        private static final VarHandle PUBLISHED;
        private static final VarHandle LEFT;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                PUBLISHED = l.findVarHandle(Scenario.class, "published", int.class);
                LEFT = l.findVarHandle(Scenario.class, "left", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Domain domain;
        @SuppressWarnings("unused") // accessed through PUBLISHED
        private int published = 1;
        @SuppressWarnings("unused") // accessed through LEFT
        private int left;

        protected Scenario(Domain domain) {
            this.domain = domain;
        }

        protected void read(II_Result r) {
            int token = domain.readLock();
            r.r1 = (int) PUBLISHED.getOpaque(this);
            for (int i = 0; i < WORK; i++) {
                Thread.onSpinWait();
            }
            // The section's last store; readUnlock's release (Srcu fence C) orders it before the
            // unlock count that the grace period's scan (fence A) must see before it can end.
            LEFT.setOpaque(this, 1);
            domain.readUnlock(token);
        }

        protected void update(II_Result r, int synchronizes) {
            // Before the grace period: Srcu's startPoll fence orders it before the scans, so a
            // reader the scan misses (fence B) sees it.
            PUBLISHED.setOpaque(this, 0);
            for (int i = 0; i < synchronizes; i++) {
                domain.synchronize();
            }
            r.r2 = (int) LEFT.getOpaque(this);
        }
    }

    /** A domain per state: every sample's reader claims its slot, every grace period is the domain's first. */
    @JCStressTest
    @JCStressMeta(Srcu_GracePeriod.class)
    @State
    public static class Fresh extends Scenario {
        public Fresh() {
            super(real(new Srcu("stress-fresh", Primitives.GUARD)));
        }

        @Actor
        public void reader(II_Result r) {
            read(r);
        }

        @Actor
        public void updater(II_Result r) {
            update(r, 1);
        }
    }

    /** One domain for the whole fork: owned reader slots, an index flipped many times, grace periods in flight. */
    @JCStressTest
    @JCStressMeta(Srcu_GracePeriod.class)
    @State
    public static class Aged extends Scenario {
        static final Domain SHARED = real(new Srcu("stress-aged", Primitives.GUARD));

        public Aged() {
            super(SHARED);
        }

        @Actor
        public void reader(II_Result r) {
            read(r);
        }

        @Actor
        public void updater(II_Result r) {
            update(r, 1);
        }
    }

    /** The aged domain with two synchronize() calls back to back. */
    @JCStressTest
    @JCStressMeta(Srcu_GracePeriod.class)
    @State
    public static class AgedTwoSynchronizes extends Scenario {
        static final Domain SHARED = real(new Srcu("stress-aged2", Primitives.GUARD));

        public AgedTwoSynchronizes() {
            super(SHARED);
        }

        @Actor
        public void reader(II_Result r) {
            read(r);
        }

        @Actor
        public void updater(II_Result r) {
            update(r, 2);
        }
    }
}
