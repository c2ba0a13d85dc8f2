package org.pfncache.stress.drain;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.InvalidationStrategy;

@JCStressTest
@Description("I3 (SRCU): a reader inside its section races a migration of the page; see DrainScenario.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "check() failed: the invalidation came first")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the reader used the page before the old page was freed")
@Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "use after invalidate: SRCU claims drainsReaders(), yet a reader touched the freed page")
@Outcome(expect = Expect.FORBIDDEN, desc = "impossible: a stale access without a passed check()")
@State
public class Srcu_I3_Drain extends DrainScenario {
    public Srcu_I3_Drain() {
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
        r.r2 = staleAccesses();
    }
}
