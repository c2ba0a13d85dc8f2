package org.pfncache.stress.asymmetric;

import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.Guard;
import org.pfncache.sync.AsymmetricFence;

/** What the tests here share: the guard domain (off: not under test) and the flavour result. */
final class Asymmetric {
    static final Guard GUARD = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);
    static final AsymmetricFence FENCE = AsymmetricFence.get();
    /** The last result of each correctness test: 1 when readers are asymmetric, 0 when fenced. */
    static final int FLAVOUR = FENCE.asymmetric() ? 1 : 0;

    private Asymmetric() {
    }
}
