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

/** The correct variant of control (c): refresh retries while an invalidation ran or runs (R5). */
@JCStressTest
@Description("NotifierModel (correct, R5): a refresh racing a migration never publishes the freed pfn.")
@Outcome(id = "0", expect = Expect.ACCEPTABLE, desc = "no lost invalidation")
@Outcome(id = "1", expect = Expect.FORBIDDEN, desc = "the cache is valid on a freed pfn")
@State
public class NotifierModel_RetryCache extends NotifierModelScenarios.RefreshVsMigrate {
    public NotifierModel_RetryCache() {
        super(NotifierModel.Variant.CORRECT);
    }

    @Actor
    public void refresher() {
        refresh();
    }

    @Actor
    public void migrator() {
        migrate();
    }

    @Arbiter
    public void arbiter(I_Result r) {
        r.r1 = lostInvalidation();
    }
}
