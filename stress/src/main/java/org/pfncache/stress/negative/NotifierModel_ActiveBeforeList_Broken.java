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

/**
 * Control (d): activate sets active before adding the cache to gpc_list. A refresh by another
 * user in that window maps the page, the migration that follows cannot reach the unlisted cache,
 * and activation's own refresh then finds it valid. The Lincheck twin finds it every time.
 */
@JCStressTest
@NegativeControl(value = "activate sets active before adding the cache to gpc_list (R1)", outcome = "1",
        lincheckTwin = "org.pfncache.lincheck.NotifierModelLincheckTest#activateActiveBeforeListIsCaught")
@Description("Control (d): an activate that sets active before listing the cache loses an invalidation.")
@Outcome(id = "0", expect = Expect.ACCEPTABLE, desc = "no lost invalidation")
@Outcome(id = "1", expect = Expect.FORBIDDEN, desc = "caught: the cache is valid on a freed pfn")
@State
public class NotifierModel_ActiveBeforeList_Broken extends NotifierModelScenarios.ActivateVsRefreshAndMigrate {
    public NotifierModel_ActiveBeforeList_Broken() {
        super(NotifierModel.Variant.ACTIVE_BEFORE_LIST);
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
