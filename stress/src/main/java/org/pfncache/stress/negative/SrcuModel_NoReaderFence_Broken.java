package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Control (b): the SRCU reader without the full barrier after its counter increment. A
 * store-load reordering (the increment still buffered while the reader loads {@code published})
 * lets SCAN2 read a zero count. Lincheck cannot see it (it explores sequentially consistent
 * interleavings only), so jcstress must. See SrcuModelScenario.
 */
@JCStressTest
@NegativeControl(value = "SRCU reader without the full barrier (B) after its counter increment", outcome = "1, 0", ci = true)
@Description("Control (b): an SRCU reader without fence B lets a grace period end under it.")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "the grace period waited for the reader")
@Outcome(id = {"0, 0", "0, 1"}, expect = Expect.ACCEPTABLE, desc = "the reader saw the unpublish")
@Outcome(id = "1, 0", expect = Expect.FORBIDDEN, desc = "caught: the grace period ended under a reader that saw the old state")
@State
public class SrcuModel_NoReaderFence_Broken extends SrcuModelScenario {
    public SrcuModel_NoReaderFence_Broken() {
        super(SrcuModel.Variant.READER_WITHOUT_FENCE);
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
