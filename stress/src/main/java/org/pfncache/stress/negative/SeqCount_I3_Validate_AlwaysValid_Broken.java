package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.stress.drain.SeqCountValidateScenario;
import org.pfncache.stress.drain.SeqCount_I3_Validate;

/**
 * Control on the real code: SEQCOUNT whose readValidate always returns true, run through
 * SeqCount_I3_Validate's race. A section that used the freed page then validates: caught on
 * {@code 1, 1}.
 */
@JCStressTest
@JCStressMeta(SeqCount_I3_Validate.class)
@NegativeControl(value = "SEQCOUNT whose read_seqcount_retry always says no writer ran", outcome = "1, 1", ci = true)
@Description("Control: SEQCOUNT with a validate() that always passes; SeqCount_I3_Validate must catch it.")
@State
public class SeqCount_I3_Validate_AlwaysValid_Broken extends SeqCountValidateScenario {
    public SeqCount_I3_Validate_AlwaysValid_Broken() {
        super(BrokenStrategies.seqcountAlwaysValid());
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
