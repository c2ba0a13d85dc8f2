package org.pfncache.stress.torn;

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
@Description("I1 (RWLOCK): a reader that passes check() reads the khva of one refresh while the cache moves page and offset; see NoTornStateScenario.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "check() failed: the move is in progress")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the old state: old mapping, old offset")
@Outcome(id = "2, 0", expect = Expect.ACCEPTABLE, desc = "the new state: new mapping, new offset")
@Outcome(expect = Expect.FORBIDDEN, desc = "torn: one refresh's mapping with another's offset, or an access to a freed page")
@State
public class RwLock_I1_NoTornState extends NoTornStateScenario {
    public RwLock_I1_NoTornState() {
        super(InvalidationStrategy.rwlock());
    }

    @Actor
    public void writer() {
        move();
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = read();
    }

    @Arbiter
    public void audit(II_Result r) {
        r.r2 = closeAndAudit();
    }
}
