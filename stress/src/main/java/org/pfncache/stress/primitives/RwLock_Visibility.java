package org.pfncache.stress.primitives;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.sync.RwLock;

/**
 * RwLock, reader against writer: a writer stores x then y (plain) under the write side; a reader
 * loads y then x under the read side. The read side excludes the writer and its acquire pairs with
 * the writer's release, so the reader sees both stores or neither.
 */
@JCStressTest
@Description("RwLock: a reader sees a write-side section's plain stores all or nothing.")
@Outcome(id = {"0, 0", "1, 1"}, expect = Expect.ACCEPTABLE, desc = "before or after the writer")
@Outcome(expect = Expect.FORBIDDEN, desc = "half of the writer's section: the read side did not exclude it")
@State
public class RwLock_Visibility {
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
