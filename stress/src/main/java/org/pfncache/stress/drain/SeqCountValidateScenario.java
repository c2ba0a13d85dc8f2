package org.pfncache.stress.drain;

import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;

/** SeqCount_I3_Validate's Vm, cache on page 0 and race steps; also run by negative controls. */
public abstract class SeqCountValidateScenario {
static final int USES = 16;

    private final Vm vm;
    private final PfnCache cache;

    protected SeqCountValidateScenario(InvalidationStrategy strategy) {
        vm = TinyVm.build(strategy);
        cache = vm.newCache();
        cache.activate(TinyVm.gpa(0), USES * Long.BYTES);
    }

    protected void read(II_Result r) {
        try (PfnCache.Section s = cache.enter()) {
            if (!s.check(USES * Long.BYTES)) {
                r.r1 = 0;
                return;
            }
            Khva k = s.khva();
            for (int i = 0; i < USES; i++) {
                // Each load checks the page's allocation id first: that check is the detector.
                k.getLong(i * Long.BYTES);
            }
            r.r1 = s.validate() ? 1 : 2;
        }
    }

    protected void invalidate() {
        vm.mm().migrate(TinyVm.hva(0));
    }

    protected void judge(II_Result r) {
        r.r2 = vm.mm().audit().staleAccesses() == 0 ? 0 : 1;
    }
}
