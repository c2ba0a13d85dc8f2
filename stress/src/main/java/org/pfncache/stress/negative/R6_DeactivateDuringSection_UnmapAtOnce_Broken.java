package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.pfncache.stress.deactivate.R6_DeactivateDuringSection;

/**
 * Control on the real code: SRCU whose deactivate unmaps the old mapping at once instead of after
 * a grace period, run through R6's race (a reader inside its section while the cache is
 * deactivated). The reader's next access goes through an unmapped mapping and throws inside its
 * section: caught on {@code ., ., 1, .}.
 */
@JCStressTest
@JCStressMeta(R6_DeactivateDuringSection.class)
@NegativeControl(value = "SRCU whose retire unmaps at once instead of after a grace period (R6)", outcome = "., ., 1, .",
        ci = true)
@Description("Control: SRCU unmapping at deactivate without a grace period; R6 must catch the access after kunmap.")
@State
public class R6_DeactivateDuringSection_UnmapAtOnce_Broken extends R6_DeactivateDuringSection.Scenario {
    public R6_DeactivateDuringSection_UnmapAtOnce_Broken() {
        super(BrokenStrategies.srcuUnmapAtOnce());
    }

    @Actor
    public void reader(IIII_Result r) {
        read(r);
    }

    @Actor
    public void deactivator() {
        deactivateThenMigrate();
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        auditAndClose(r);
    }
}
