package org.pfncache.stress.primitives;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.pfncache.sync.SpinLock;

/**
 * SpinLock, mutual exclusion: two holders each increment a plain counter. Exclusion plus the
 * release/acquire pairing of unlock and lock mean the second holder sees the first one's write:
 * the holders see 1 and 2, and the total is 2. A lost update is forbidden.
 */
@JCStressTest
@Description("SpinLock: two increments of a plain counter under the lock never lose one.")
@Outcome(id = {"1, 2, 2", "2, 1, 2"}, expect = Expect.ACCEPTABLE, desc = "serialised")
@Outcome(expect = Expect.FORBIDDEN, desc = "lost update: both holders were inside at once, or one missed the other's write")
@State
public class SpinLock_MutualExclusion {
    private final SpinLock lock = new SpinLock("stress", Primitives.GUARD);
    private int counter;

    private int increment() {
        lock.lock();
        try {
            return ++counter;
        } finally {
            lock.unlock();
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
