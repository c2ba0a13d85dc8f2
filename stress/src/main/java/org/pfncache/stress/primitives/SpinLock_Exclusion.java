package org.pfncache.stress.primitives;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.sync.SpinLock;

/** SpinLock: holders exclude each other, and unlock's release pairs with the next lock's acquire. */
public class SpinLock_Exclusion {
    private SpinLock_Exclusion() {
    }

    /**
     * Two holders each increment a plain counter. Exclusion plus the release/acquire pairing of
     * unlock and lock mean the second holder sees the first one's write: the holders see 1 and 2,
     * and the total is 2.
     */
    @JCStressTest
    @Description("SpinLock: two increments of a plain counter under the lock never lose one.")
    @Outcome(id = {"1, 2, 2", "2, 1, 2"}, expect = Expect.ACCEPTABLE, desc = "serialised")
    @Outcome(expect = Expect.FORBIDDEN, desc = "lost update: both holders were inside at once, or one missed the other's write")
    @State
    public static class Increments {
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

    /**
     * A writer stores x then y (plain) under the lock; a reader loads y then x under the lock. The
     * reader sees both stores or neither; seeing only one means it was inside the writer's critical
     * section or the unlock did not publish the stores.
     */
    @JCStressTest
    @Description("SpinLock: a critical section's plain stores are seen all or nothing by the next holder.")
    @Outcome(id = {"0, 0", "1, 1"}, expect = Expect.ACCEPTABLE, desc = "before or after the writer")
    @Outcome(expect = Expect.FORBIDDEN, desc = "half of the writer's section")
    @State
    public static class Visibility {
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
}
