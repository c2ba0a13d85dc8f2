package org.pfncache.stress.primitives;

import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.Guard;

/** The guard domain of every primitive under test: PREEMPT_NONE, guard off. */
public final class Primitives {
    public static final Guard GUARD = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);

    private Primitives() {
    }
}
