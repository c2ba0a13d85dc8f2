package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/** The correct variant of control (b): with the reader's fence B the grace period waits. See SrcuModelScenario. */
@JCStressTest
@Description("SrcuModel (correct): a grace period never ends under a reader that saw the pre-grace-period state.")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "the grace period waited for the reader")
@Outcome(id = {"0, 0", "0, 1"}, expect = Expect.ACCEPTABLE, desc = "the reader saw the unpublish")
@Outcome(id = "1, 0", expect = Expect.FORBIDDEN, desc = "the grace period ended under a reader that saw the old state")
@State
public class SrcuModel_ReaderFence extends SrcuModelScenario {
    public SrcuModel_ReaderFence() {
        super(SrcuModel.Variant.CORRECT);
    }

    @Actor
    public void reader(II_Result r) {
        super.reader(r);
    }

    @Actor
    public void updater(II_Result r) {
        super.updater(r);
    }
}
