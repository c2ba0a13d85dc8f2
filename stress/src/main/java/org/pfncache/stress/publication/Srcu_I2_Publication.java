package org.pfncache.stress.publication;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;
import org.pfncache.InvalidationStrategy;

@JCStressTest
@Description("I2 (SRCU): a reader that passes check() sees the contents written before the publishing refresh; see PublicationScenario.")
@Outcome(id = "0", expect = Expect.ACCEPTABLE, desc = "check() failed: not published yet")
@Outcome(id = "1", expect = Expect.ACCEPTABLE, desc = "published: the contents are visible")
@Outcome(id = "2", expect = Expect.FORBIDDEN, desc = "the mapping was visible before the contents written ahead of its publication")
@Outcome(expect = Expect.FORBIDDEN, desc = "neither the contents nor the old zero")
@State
public class Srcu_I2_Publication extends PublicationScenario {
    public Srcu_I2_Publication() {
        super(InvalidationStrategy.srcu());
    }

    @Actor
    public void writer() {
        writeAndPublish();
    }

    @Actor
    public void reader(I_Result r) {
        r.r1 = read();
    }
}
