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
@Description("I4 (SRCU): right after a migration returns, check() fails until a refresh publishes the new page; see CheckAfterInvalidationScenario.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "check() failed after the invalidation")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "check() passed on the new page: the refresh ran after the invalidation")
@Outcome(id = "2, .", expect = Expect.FORBIDDEN, desc = "check() passed on the pfn the completed invalidation covered")
@Outcome(id = "., 1", expect = Expect.FORBIDDEN, desc = "lost invalidation: the cache ended valid on a freed page")
@State
public class Srcu_I4_CheckAfterInvalidation extends CheckAfterInvalidationScenario {
    public Srcu_I4_CheckAfterInvalidation() {
        super(InvalidationStrategy.srcu());
    }

    @Actor
    public void refresher() {
        refresh();
    }

    @Actor
    public void invalidator(II_Result r) {
        r.r1 = migrateThenCheck();
    }

    @Arbiter
    public void audit(II_Result r) {
        r.r2 = auditAndClose();
    }
}
