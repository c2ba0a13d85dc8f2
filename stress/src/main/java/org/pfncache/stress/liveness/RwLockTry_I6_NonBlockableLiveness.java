package org.pfncache.stress.liveness;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.pfncache.InvalidationStrategy;

@JCStressTest
@Description("I6 (RWLOCK-TRY): after one non-blockable OOM-reap attempt races a reader, no active count is stuck and a refresh completes; see NonBlockableLivenessScenario.")
@Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE, desc = "reaped: the invalidation succeeded")
@Outcome(id = "0, 0, 1, 0", expect = Expect.ACCEPTABLE, desc = "RETRY: the range was skipped, then the refresh completed")
@Outcome(id = "., [^0], .*", expect = Expect.FORBIDDEN, desc = "stuck mn_active_invalidate_count after the reaper returned")
@Outcome(expect = Expect.FORBIDDEN, desc = "the refresh after a skipped range did not make the cache valid, or a reader touched a freed page")
@State
public class RwLockTry_I6_NonBlockableLiveness extends NonBlockableLivenessScenario {
    public RwLockTry_I6_NonBlockableLiveness() {
        super(InvalidationStrategy.rwlockTry());
    }

    @Actor
    public void reader() {
        read();
    }

    @Actor
    public void reaper(IIII_Result r) {
        r.r1 = reap();
    }

    @Arbiter
    public void audit(IIII_Result r) {
        r.r2 = activeInvalidateCount();
        r.r3 = r.r2 == 0 ? refreshIfSkipped() : 0;
        r.r4 = staleAccesses();
    }
}
