package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;
import org.pfncache.lincheck.NotifierModel;

/** The correct variant of control (d): activate adds the cache to gpc_list before setting active (R1). */
@JCStressTest
@Description("NotifierModel (correct, R1): a refresh racing activation maps only what invalidations can reach.")
@Outcome(id = "0", expect = Expect.ACCEPTABLE, desc = "no lost invalidation")
@Outcome(id = "1", expect = Expect.FORBIDDEN, desc = "the cache is valid on a freed pfn")
@State
public class NotifierModel_ListBeforeActive extends NotifierModelScenarios.ActivateVsRefreshAndMigrate {
    public NotifierModel_ListBeforeActive() {
        super(NotifierModel.Variant.CORRECT);
    }

    @Actor
    public void activator() {
        activate();
    }

    @Actor
    public void user() {
        refreshThenMigrate();
    }

    @Arbiter
    public void arbiter(I_Result r) {
        r.r1 = lostInvalidation();
    }
}
