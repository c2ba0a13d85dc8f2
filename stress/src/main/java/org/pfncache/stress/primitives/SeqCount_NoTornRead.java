package org.pfncache.stress.primitives;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * SeqCount, no torn read: a reader that loops on read_seqcount_retry accepts only a pair written
 * by one write section (or the initial one), whatever sections it overlapped. See SeqCountPair.
 */
@JCStressTest
@Description("SeqCount: a retrying reader never accepts (a, b) from two different write sections.")
@Outcome(id = {"0, 0", "1, 1", "2, 2", "3, 3", "4, 4"}, expect = Expect.ACCEPTABLE, desc = "one section's pair")
@Outcome(expect = Expect.FORBIDDEN, desc = "torn: a and b come from different sections")
@State
public class SeqCount_NoTornRead extends SeqCountPair {
    @Actor
    public void writer() {
        write();
    }

    @Actor
    public void reader(JJ_Result r) {
        read(r);
    }
}
