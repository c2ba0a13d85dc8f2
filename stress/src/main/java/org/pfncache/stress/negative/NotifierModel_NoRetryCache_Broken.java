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
 * Control (c): refresh publishes without mmu_notifier_retry_cache. If the whole migration runs
 * between the refresh's page-table walk and its publish, the refresh publishes the freed pfn.
 * A check-then-act window that 2 cores hit by chance; the Lincheck twin finds it every time.
 */
@JCStressTest
@NegativeControl(value = "refresh without mmu_notifier_retry_cache (R5)", outcome = "1",
        lincheckTwin = "org.pfncache.lincheck.NotifierModelLincheckTest#refreshWithoutRetryCacheIsCaught")
@Description("Control (c): a refresh without mmu_notifier_retry_cache publishes a pfn a concurrent migration freed.")
@Outcome(id = "0", expect = Expect.ACCEPTABLE, desc = "no lost invalidation")
@Outcome(id = "1", expect = Expect.FORBIDDEN, desc = "caught: the cache is valid on a freed pfn")
@State
public class NotifierModel_NoRetryCache_Broken extends NotifierModelScenarios.RefreshVsMigrate {
    public NotifierModel_NoRetryCache_Broken() {
        super(NotifierModel.Variant.REFRESH_WITHOUT_RETRY_CACHE);
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
