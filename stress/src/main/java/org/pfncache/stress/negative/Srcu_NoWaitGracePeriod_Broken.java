package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.stress.primitives.Primitives;
import org.pfncache.stress.primitives.Srcu_GracePeriod;
import org.pfncache.sync.Srcu;

/**
 * Control (e): {@code primitives.Srcu_GracePeriod} on a domain whose synchronize() returns at
 * once. {@link Srcu} is final, so the broken domain wraps a real one: the read side is the real
 * Srcu's, the grace period is nothing. Caught on {@code 1, 0}: the updater finds a reader that saw
 * the old state still inside. This shows that the left-flag test would catch a Srcu that stopped
 * waiting; the old two-flag shape ({@code published}/{@code reclaimed} loaded in one section)
 * passed against such a domain as well.
 */
@JCStressTest
@JCStressMeta(Srcu_GracePeriod.class)
@NegativeControl(value = "Srcu whose synchronize() returns without waiting for readers", outcome = "1, 0", ci = true)
@State
public class Srcu_NoWaitGracePeriod_Broken extends Srcu_GracePeriod.Scenario {
    public Srcu_NoWaitGracePeriod_Broken() {
        super(noWait(new Srcu("stress-nowait", Primitives.GUARD)));
    }

    private static Srcu_GracePeriod.Domain noWait(Srcu srcu) {
        return new Srcu_GracePeriod.Domain() {
            @Override
            public int readLock() {
                return srcu.readLock();
            }

            @Override
            public void readUnlock(int token) {
                srcu.readUnlock(token);
            }

            @Override
            public void synchronize() {
                // The bug under control: no grace period at all.
            }
        };
    }

    @Actor
    public void reader(II_Result r) {
        read(r);
    }

    @Actor
    public void updater(II_Result r) {
        update(r, 1);
    }
}
