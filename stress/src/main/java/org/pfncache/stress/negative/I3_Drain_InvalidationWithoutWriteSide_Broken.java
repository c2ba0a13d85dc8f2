package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.stress.drain.I3_Drain;

/**
 * Control on the real code: RWLOCK whose invalidation clears valid without taking the write side, run through I3_Drain's race (a reader
 * inside its section against a migration of its page). The old page is freed under the reader:
 * caught on {@code 1, 1}, a stale access after a passed check().
 */
@JCStressTest
@JCStressMeta(I3_Drain.class)
@NegativeControl(value = "RWLOCK whose invalidation clears valid without taking the write side", outcome = "1, 1", ci = true)
@Description("Control: RWLOCK whose invalidation clears valid without taking the write side; I3_Drain must catch the use after invalidate.")
@Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "caught: a reader touched the freed page")
@State
public class I3_Drain_InvalidationWithoutWriteSide_Broken extends I3_Drain.Scenario {
    public I3_Drain_InvalidationWithoutWriteSide_Broken() {
        super(BrokenStrategies.invalidationWithoutWriteSide());
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
