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
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;
import org.pfncache.stress.Witness;

/**
 * SEQCOUNT's validate(): a section that raced an invalidation says so. SEQCOUNT does not drain
 * (I3 is its documented hazard), so what it promises instead is that a reader is told: a section
 * whose accesses reached a freed page must end with validate() == false.
 *
 * <p>The race: the reader goes through {@link PfnCache#enter()} as R7 does: check(), then
 * {@link #USES} loads through khva, then validate(). The host migrates the page concurrently;
 * the migration's invalidation bumps the cache's seqcount before the old page is freed. A load
 * that hit the freed page saw the free (the stale-access detector read the page's allocation
 * id), and read_seqcount_retry's read barrier orders that load before its re-read of the
 * sequence, so the retry sees the bump.
 *
 * <p>Outcomes (reader, stale): reader 0 check() failed, 1 validated, 2 discarded; stale from the
 * audit. {@code 1, 1} (validated a section that used a freed page) is FORBIDDEN;
 * {@code 2, 1} is the hazard being reported, ACCEPTABLE_INTERESTING, and the witness that the
 * window was reached; {@code 2, 0} the invalidation began inside the section but freed the page
 * only after the loads.
 */
@JCStressTest
@Description("SEQCOUNT: a section whose loads hit the freed page never validates.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "check() failed: the invalidation came first")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "validated: no invalidation inside the section")
@Outcome(id = "2, 0", expect = Expect.ACCEPTABLE, desc = "discarded: the invalidation began inside the section, the page was freed after the loads")
@Outcome(id = "2, 1", expect = Expect.ACCEPTABLE_INTERESTING, desc = "discarded: the section used the freed page and validate() said so (the hazard, reported)")
@Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "validated a section that used a freed page")
@Outcome(expect = Expect.FORBIDDEN, desc = "impossible: a stale access without a passed check()")
@Witness(value = "2, 1", what = "a section used the freed page and was discarded")
@State
public class SeqCount_I3_Validate extends SeqCountValidateScenario {

    public SeqCount_I3_Validate() {
        super(InvalidationStrategy.seqcount());
    }

    @Actor
    public void reader(II_Result r) {
        read(r);
    }

    @Actor
    public void invalidator() {
        invalidate();
    }

    @Arbiter
    public void audit(II_Result r) {
        judge(r);
    }
}
