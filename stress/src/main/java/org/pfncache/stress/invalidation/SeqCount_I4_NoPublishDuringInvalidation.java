package org.pfncache.stress.invalidation;

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
@Description("I4 (SEQCOUNT): an activation's refresh never publishes while a migration of the page is in progress; see NoPublishDuringInvalidationScenario.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "never valid inside the invalidation, nothing lost")
@Outcome(id = "1, .", expect = Expect.FORBIDDEN, desc = "valid while the invalidation was in progress")
@Outcome(id = "., 1", expect = Expect.FORBIDDEN, desc = "lost invalidation: the cache ended valid on a freed page")
@State
public class SeqCount_I4_NoPublishDuringInvalidation extends NoPublishDuringInvalidationScenario {
    public SeqCount_I4_NoPublishDuringInvalidation() {
        super(InvalidationStrategy.seqcount());
    }

    @Actor
    public void activator() {
        activate();
    }

    @Actor
    public void invalidator() {
        migratePage();
    }

    @Arbiter
    public void audit(II_Result r) {
        r.r1 = sawValidDuringInvalidation();
        r.r2 = lostInvalidation();
    }
}
