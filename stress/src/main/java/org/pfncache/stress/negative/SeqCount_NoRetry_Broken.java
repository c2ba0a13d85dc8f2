package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;
import org.pfncache.stress.primitives.SeqCountPair;

/**
 * Control (a): the reader of {@code primitives.SeqCount_NoTornRead} without read_seqcount_retry.
 * read_seqcount_begin only waits for an even count; a writer that opens a section after it can
 * change {@code a} and {@code b} between the reader's two loads, and nothing tells the reader.
 */
@JCStressTest
@NegativeControl(value = "seqcount reader without read_seqcount_retry", outcome = "(\\d+), (?!\\1$)\\d+", ci = true)
@Description("Control (a): a seqcount reader that never calls read_seqcount_retry accepts torn pairs.")
@Outcome(id = {"0, 0", "1, 1", "2, 2", "3, 3", "4, 4"}, expect = Expect.ACCEPTABLE, desc = "one section's pair")
@Outcome(expect = Expect.FORBIDDEN, desc = "torn: caught, the retry is what prevents this")
@State
public class SeqCount_NoRetry_Broken extends SeqCountPair {
    @Actor
    public void writer() {
        write();
    }

    @Actor
    public void reader(JJ_Result r) {
        readWithoutRetry(r);
    }
}
