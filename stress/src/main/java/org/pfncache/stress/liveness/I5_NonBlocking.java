package org.pfncache.stress.liveness;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * I5, non-blocking: a non-blockable invalidation (the OOM reaper's) returns DONE or RETRY within a
 * bounded time, even with a reader inside its section, for the strategies that claim it
 * (RWLOCK-TRY: a try-lock; SRCU: a grace period polled for at most its budget, 1 ms by default).
 *
 * <p>The race. The reader enters its section and, once it has passed check() and used the page,
 * announces itself ({@code inside}) and stays inside until the reaper has returned, or until
 * {@link #READER_HOLD} has passed. The reaper waits (bounded, {@link #REAPER_WAIT}) for the
 * announcement, notes whether it came, times one reap attempt ({@code oomReap(1, 0)}) and
 * announces its return. A reaper that met the reader and returned while the reader was still
 * inside did not wait for it; one that waited could only return after the reader gave up, which
 * the reader reports. The arbiter also holds the attempt to {@link #BOUND}, against blocking for
 * any other reason. Both waits are bounded spins on volatile flags, not sleeps.
 *
 * <p>Outcomes (reaped, reader, within bound): reader 1 the reaper met the reader and returned
 * while it was inside, 2 it met the reader and returned only after the reader gave up (it
 * waited: FORBIDDEN), 0 it met no reader (its wait ran out, or the reader's check failed).
 * {@code 0, 1, 1} RETRY with the reader inside: the witness. {@code 1, 0, 1} and {@code 0, 0, 1}
 * no reader met. {@code 1, 1, .} FORBIDDEN: the range was reaped (its page freed) under a reader
 * that had passed check(). {@code ., ., 0} FORBIDDEN: the attempt took longer than BOUND.
 */
@Description("I5: a non-blockable invalidation returns DONE or RETRY in bounded time with a reader inside.")
@Outcome(id = "0, 1, 1", expect = Expect.ACCEPTABLE, desc = "RETRY in bounded time, the reader still inside")
@Outcome(id = {"0, 0, 1", "1, 0, 1"}, expect = Expect.ACCEPTABLE, desc = "no reader met; returned in bounded time")
@Outcome(id = "1, 1, .", expect = Expect.FORBIDDEN, desc = "reaped under a reader that passed check()")
@Outcome(id = "., 2, .", expect = Expect.FORBIDDEN, desc = "the non-blockable attempt waited for the reader to leave")
@Outcome(expect = Expect.FORBIDDEN, desc = "the non-blockable attempt took longer than the bound")
@Witness(value = "0, 1, 1", what = "RETRY while the reader was inside")
public class I5_NonBlocking {
    /** How long one non-blockable attempt may take: generous for a loaded 2-core machine and a GC pause. */
    static final long BOUND = TimeUnit.MILLISECONDS.toNanos(500);
    /** How long the reader stays inside at most: longer than BOUND, so a reaper that waits fails the bound. */
    static final long READER_HOLD = 2 * BOUND;
    /** How long the reaper waits for the reader to be inside. */
    static final long REAPER_WAIT = TimeUnit.MILLISECONDS.toNanos(10);

    private static final VarHandle INSIDE;
    private static final VarHandle RETURNED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            INSIDE = l.findVarHandle(Scenario.class, "inside", boolean.class);
            RETURNED = l.findVarHandle(Scenario.class, "returned", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;
        @SuppressWarnings("unused") // accessed through INSIDE
        boolean inside;
        @SuppressWarnings("unused") // accessed through RETURNED
        boolean returned;
        private long elapsed;
        private boolean metReader;
        private boolean gaveUp;

        protected Scenario(InvalidationStrategy strategy) {
            vm = TinyVm.build(strategy);
            cache = vm.newCache();
            cache.activate(TinyVm.gpa(0), Long.BYTES);
        }

        protected void read() {
            try (PfnCache.Section s = cache.enter()) {
                if (!s.check(Long.BYTES)) {
                    return; // the reap came first: nothing to hold
                }
                s.khva().getLong(0);
                // Volatile: the reaper's volatile load of inside is what it waits on.
                INSIDE.setVolatile(this, true);
                long deadline = System.nanoTime() + READER_HOLD;
                while (!(boolean) RETURNED.getVolatile(this)) {
                    if (System.nanoTime() - deadline >= 0) {
                        gaveUp = true;
                        break;
                    }
                    Thread.onSpinWait();
                }
            }
        }

        protected void reap(III_Result r) {
            long deadline = System.nanoTime() + REAPER_WAIT;
            while (!(boolean) INSIDE.getVolatile(this) && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            boolean met = (boolean) INSIDE.getVolatile(this);
            long start = System.nanoTime();
            boolean complete = vm.mm().oomReap(1, Duration.ZERO).complete();
            elapsed = System.nanoTime() - start;
            // Volatile, after the attempt: the reader's volatile load sees the reaper has returned.
            RETURNED.setVolatile(this, true);
            metReader = met;
            r.r1 = complete ? 1 : 0;
        }

        protected void judge(III_Result r) {
            r.r2 = !metReader ? 0 : gaveUp ? 2 : 1;
            r.r3 = elapsed <= BOUND ? 1 : 0;
        }
    }

    @JCStressTest
    @JCStressMeta(I5_NonBlocking.class)
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
        public void reaper(III_Result r) {
            reap(r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            judge(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I5_NonBlocking.class)
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(InvalidationStrategy.srcu());
        }

        @Actor
        public void reader() {
            read();
        }

        @Actor
        public void reaper(III_Result r) {
            reap(r);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            judge(r);
        }
    }
}
