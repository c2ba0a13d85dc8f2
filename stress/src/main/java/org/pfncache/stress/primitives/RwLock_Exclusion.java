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
import org.pfncache.sync.RwLock;

/**
 * RwLock on the lock word (the token path is {@link RwLock_ReaderBias}): the write side excludes
 * writers and readers, and its release pairs with the next holder's acquire.
 */
public class RwLock_Exclusion {
    private RwLock_Exclusion() {
    }

    /**
     * Two writers each increment a plain counter under the write side. One may take the fast path
     * while the other claims WAITING and spins; either way the increments serialise and the total
     * is 2.
     */
    @JCStressTest
    @Description("RwLock: two write-side increments of a plain counter never lose one.")
    @Outcome(id = {"1, 2, 2", "2, 1, 2"}, expect = Expect.ACCEPTABLE, desc = "serialised")
    @Outcome(expect = Expect.FORBIDDEN, desc = "lost update: two writers inside at once, or one missed the other's write")
    @State
    public static class Writers {
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

    /**
     * A writer stores x then y (plain) under the write side; a reader loads y then x under the
     * read side. The read side excludes the writer and its acquire pairs with the writer's
     * release, so the reader sees both stores or neither.
     */
    @JCStressTest
    @Description("RwLock: a reader sees a write-side section's plain stores all or nothing.")
    @Outcome(id = {"0, 0", "1, 1"}, expect = Expect.ACCEPTABLE, desc = "before or after the writer")
    @Outcome(expect = Expect.FORBIDDEN, desc = "half of the writer's section: the read side did not exclude it")
    @State
    public static class ReaderVsWriter {
        private final RwLock lock = new RwLock("stress", Primitives.GUARD);
        private int x;
        private int y;

        @Actor
        public void writer() {
            lock.writeLock();
            try {
                x = 1;
                y = 1;
            } finally {
                lock.writeUnlock();
            }
        }

        @Actor
        public void reader(II_Result r) {
            lock.readLock();
            try {
                r.r1 = y;
                r.r2 = x;
            } finally {
                lock.readUnlock();
            }
        }
    }
}
