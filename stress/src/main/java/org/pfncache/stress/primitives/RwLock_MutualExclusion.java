package org.pfncache.stress.primitives;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.pfncache.sync.RwLock;

/**
 * RwLock, write side mutual exclusion: two writers each increment a plain counter under the write
 * side. One may take the fast path while the other claims WAITING and spins; either way the
 * increments serialise and the total is 2.
 */
@JCStressTest
@Description("RwLock: two write-side increments of a plain counter never lose one.")
@Outcome(id = {"1, 2, 2", "2, 1, 2"}, expect = Expect.ACCEPTABLE, desc = "serialised")
@Outcome(expect = Expect.FORBIDDEN, desc = "lost update: two writers inside at once, or one missed the other's write")
@State
public class RwLock_MutualExclusion {
    private final RwLock lock = new RwLock("stress", Primitives.GUARD);
    private int counter;

    private int increment() {
        lock.writeLock();
        try {
            return ++counter;
        } finally {
            lock.writeUnlock();
        }
    }

    @Actor
    public void first(III_Result r) {
        r.r1 = increment();
    }

    @Actor
    public void second(III_Result r) {
        r.r2 = increment();
    }

    @Arbiter
    public void total(III_Result r) {
        r.r3 = counter;
    }
}
