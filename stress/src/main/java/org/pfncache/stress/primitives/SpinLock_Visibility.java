package org.pfncache.stress.primitives;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.sync.SpinLock;

/**
 * SpinLock, visibility: a writer stores x then y (plain) under the lock; a reader loads y then x
 * under the lock. The reader sees both stores or neither; seeing only one means it was inside the
 * writer's critical section or the unlock did not publish the stores.
 */
@JCStressTest
@Description("SpinLock: a critical section's plain stores are seen all or nothing by the next holder.")
@Outcome(id = {"0, 0", "1, 1"}, expect = Expect.ACCEPTABLE, desc = "before or after the writer")
@Outcome(expect = Expect.FORBIDDEN, desc = "half of the writer's section")
@State
public class SpinLock_Visibility {
    private final SpinLock lock = new SpinLock("stress", Primitives.GUARD);
    private int x;
    private int y;

    @Actor
    public void writer() {
        lock.lock();
        try {
            x = 1;
            y = 1;
        } finally {
            lock.unlock();
        }
    }

    @Actor
    public void reader(II_Result r) {
        lock.lock();
        try {
            r.r1 = y;
            r.r2 = x;
        } finally {
            lock.unlock();
        }
    }
}
