package org.pfncache.sync;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;

/**
 * {@code rwlock_t} (the RWLOCK strategy's per-cache lock): readers share, the writer excludes
 * everyone, a waiting writer holds off new readers, misuse is detected. R13 behaviour per
 * preemption model is in {@link LockKindsTest}.
 */
class RwLockTest {
    private ExecutorService pool;

    @BeforeEach
    void startPool() {
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rwlock-test");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, SECONDS), "test threads did not stop");
    }

    private static Guard guard(PreemptionModel model) {
        return Guard.create(model, GuardPolicy.THROW, null);
    }

    /** Plain fields: only the lock orders them. */
    private static final class Pair {
        long x;
        long y;
    }

    @ParameterizedTest
    @EnumSource(PreemptionModel.class)
    void r13_readersShareTheLock(PreemptionModel model) throws Exception {
        Guard guard = guard(model);
        RwLock rw = new RwLock("gpc->lock", guard);
        CountDownLatch bothHolding = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        List<Future<?>> readers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            readers.add(pool.submit(() -> {
                rw.readLock("reader");
                try {
                    bothHolding.countDown();
                    // Only reachable if the other reader also holds the read side right now.
                    assertTrue(bothHolding.await(10, SECONDS), "the other reader could not enter");
                    assertTrue(release.await(10, SECONDS));
                } finally {
                    rw.readUnlock();
                }
                return null;
            }));
        }
        try {
            assertTrue(bothHolding.await(10, SECONDS), "readers did not share the lock");
            assertEquals(2, rw.readers());
            assertFalse(rw.isWriteLocked());
            assertFalse(rw.tryWriteLock(), "a writer must not get in while readers hold");
        } finally {
            release.countDown();
        }
        for (Future<?> f : readers) {
            f.get(10, SECONDS);
        }
        assertEquals(0, rw.readers());
        assertTrue(rw.tryWriteLock());
        rw.writeUnlock();
        assertEquals(List.of(), guard.reports());
    }

    @ParameterizedTest
    @EnumSource(PreemptionModel.class)
    void r13_writerExcludesWritersUnderContention(PreemptionModel model) throws Exception {
        RwLock rw = new RwLock("gpc->lock", guard(model));
        int threads = 4;
        int iterations = 10_000;
        Pair counter = new Pair();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                start.await(10, SECONDS);
                for (int i = 0; i < iterations; i++) {
                    rw.writeLock();
                    try {
                        counter.x = counter.x + 1;
                    } finally {
                        rw.writeUnlock();
                    }
                }
                assertEquals(List.of(), ContextGuard.heldLocks());
                assertEquals(0, ContextGuard.preemptCount());
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(20, SECONDS);
        }
        rw.readLock();
        try {
            assertEquals((long) threads * iterations, counter.x, "lost increments under the write lock");
        } finally {
            rw.readUnlock();
        }
    }

    @ParameterizedTest
    @EnumSource(PreemptionModel.class)
    void r13_readersNeverSeeATornPairWrittenUnderTheWriteLock(PreemptionModel model) throws Exception {
        RwLock rw = new RwLock("gpc->lock", guard(model));
        Pair pair = new Pair();
        int writes = 20_000;
        AtomicBoolean writerDone = new AtomicBoolean();
        CyclicBarrier start = new CyclicBarrier(3);
        Future<?> writer = pool.submit(() -> {
            start.await(10, SECONDS);
            try {
                for (long i = 1; i <= writes; i++) {
                    rw.writeLock();
                    try {
                        pair.x = i;
                        pair.y = i;
                    } finally {
                        rw.writeUnlock();
                    }
                }
            } finally {
                writerDone.set(true);
            }
            return null;
        });
        List<Future<long[]>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(pool.submit(() -> {
                start.await(10, SECONDS);
                long reads = 0;
                long torn = 0;
                long backwards = 0;
                long last = 0;
                boolean finalPass = false;
                while (!finalPass) {
                    finalPass = writerDone.get();
                    rw.readLock();
                    long x;
                    long y;
                    try {
                        x = pair.x;
                        y = pair.y;
                    } finally {
                        rw.readUnlock();
                    }
                    reads++;
                    if (x != y) {
                        torn++;
                    }
                    if (x < last) {
                        backwards++;
                    }
                    last = x;
                }
                return new long[] {reads, torn, backwards, last};
            }));
        }
        writer.get(20, SECONDS);
        for (Future<long[]> f : readers) {
            long[] r = f.get(20, SECONDS);
            assertTrue(r[0] > 0, "reader made no reads");
            assertEquals(0, r[1], "torn (x, y) pairs seen under the read lock");
            assertEquals(0, r[2], "a reader saw the pair go backwards");
            assertEquals(writes, r[3], "the read after the writer finished must see its last write");
        }
    }

    @Test
    void r13_writerWaitsForReadersToLeave() throws Exception {
        RwLock rw = new RwLock("gpc->lock", guard(PreemptionModel.NONE));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Pair seen = new Pair();
        Future<?> reader = pool.submit(() -> {
            rw.readLock();
            try {
                holding.countDown();
                assertTrue(release.await(10, SECONDS));
                seen.x = 42;  // written inside the read section, before readUnlock
            } finally {
                rw.readUnlock();
            }
            return null;
        });
        Future<Long> writer;
        try {
            assertTrue(holding.await(10, SECONDS));
            writer = pool.submit(() -> {
                rw.writeLock();
                try {
                    return seen.x;  // the reader's write happens-before the writer's acquisition
                } finally {
                    rw.writeUnlock();
                }
            });
            assertThrows(TimeoutException.class, () -> writer.get(200, MILLISECONDS),
                    "the writer got in while a reader held the lock");
            assertFalse(rw.isWriteLocked());
            assertEquals(1, rw.readers());
        } finally {
            release.countDown();
        }
        reader.get(10, SECONDS);
        assertEquals(42L, writer.get(10, SECONDS));
        assertFalse(rw.isWriteLocked());
        assertEquals(0, rw.readers());
    }

    @Test
    void r13_readerWaitsForTheWriter() throws Exception {
        RwLock rw = new RwLock("gpc->lock", guard(PreemptionModel.NONE));
        Pair pair = new Pair();
        CountDownLatch readerStarting = new CountDownLatch(1);
        rw.writeLock();
        Future<Long> reader;
        try {
            pair.x = 1;
            assertFalse(rw.tryReadLock(), "tryReadLock must fail while the writer holds");
            assertFalse(rw.tryWriteLock(), "tryWriteLock must fail while the writer holds");
            reader = pool.submit(() -> {
                readerStarting.countDown();
                rw.readLock();
                try {
                    return pair.x;
                } finally {
                    rw.readUnlock();
                }
            });
            assertTrue(readerStarting.await(10, SECONDS));
            assertThrows(TimeoutException.class, () -> reader.get(200, MILLISECONDS),
                    "the reader got in while the writer held the lock");
            assertEquals(0, rw.readers());
            pair.x = 2;
        } finally {
            rw.writeUnlock();
        }
        assertEquals(2L, reader.get(10, SECONDS), "the reader must see the writer's final value");
        assertEquals(0, ContextGuard.preemptCount());
    }

    @Test
    void r13_waitingWriterHoldsOffNewReaders() throws Exception {
        RwLock rw = new RwLock("gpc->lock", guard(PreemptionModel.NONE));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> reader = pool.submit(() -> {
            rw.readLock();
            try {
                holding.countDown();
                assertTrue(release.await(10, SECONDS));
            } finally {
                rw.readUnlock();
            }
            return null;
        });
        Future<?> writer;
        Future<Boolean> lateReader;
        AtomicBoolean writerWasIn = new AtomicBoolean();
        try {
            assertTrue(holding.await(10, SECONDS));
            writer = pool.submit(() -> {
                rw.writeLock();
                try {
                    writerWasIn.set(true);
                } finally {
                    rw.writeUnlock();
                }
                return null;
            });
            // Until the writer has claimed the lock, a second reader still gets in; after, never.
            long deadline = System.nanoTime() + SECONDS.toNanos(10);
            boolean heldOff = false;
            while (System.nanoTime() < deadline) {
                if (!rw.tryReadLock()) {
                    heldOff = true;
                    break;
                }
                rw.readUnlock();
                Thread.yield();
            }
            assertTrue(heldOff, "a waiting writer never held off new readers (writer starvation possible)");
            assertFalse(rw.isWriteLocked(), "the writer cannot hold the lock while the first reader does");
            assertEquals(1, rw.readers());
            assertFalse(rw.tryReadLock(), "still held off");
            assertFalse(writer.isDone());
            // A blocking reader arriving now queues behind the waiting writer.
            lateReader = pool.submit(() -> {
                rw.readLock();
                try {
                    return writerWasIn.get();
                } finally {
                    rw.readUnlock();
                }
            });
        } finally {
            release.countDown();
        }
        reader.get(10, SECONDS);
        writer.get(10, SECONDS);
        assertTrue(lateReader.get(10, SECONDS), "a reader overtook the waiting writer");
        assertTrue(rw.tryReadLock(), "readers get in again once the writer is done");
        rw.readUnlock();
        assertEquals(0, ContextGuard.preemptCount());
        assertEquals(List.of(), ContextGuard.heldLocks());
    }

    /**
     * Two readers pass the read side to each other like a baton: each holds it until the other has
     * acquired it again (or 5 ms pass), so with a reader-preferring lock the reader count would
     * never drop to zero and the writer would wait forever. A waiting writer must hold off the
     * next reader, so the baton is dropped and the writer gets in.
     */
    @ParameterizedTest
    @EnumSource(PreemptionModel.class)
    void r13_writerIsNotStarvedByAStreamOfReaders(PreemptionModel model) throws Exception {
        RwLock rw = new RwLock("gpc->lock", guard(model));
        int readerCount = 2;
        long handOffNanos = MILLISECONDS.toNanos(5);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong acquisitions = new AtomicLong();
        CountDownLatch readersRunning = new CountDownLatch(readerCount);
        List<Future<Long>> readers = new ArrayList<>();
        for (int r = 0; r < readerCount; r++) {
            readers.add(pool.submit(() -> {
                long n = 0;
                while (!stop.get()) {
                    rw.readLock();
                    try {
                        long mine = acquisitions.incrementAndGet();
                        long deadline = System.nanoTime() + handOffNanos;
                        while (acquisitions.get() == mine && System.nanoTime() < deadline && !stop.get()) {
                            Thread.onSpinWait();
                        }
                    } finally {
                        rw.readUnlock();
                    }
                    if (++n == 20) {
                        readersRunning.countDown();
                    }
                }
                return n;
            }));
        }
        try {
            assertTrue(readersRunning.await(10, SECONDS), "readers did not get going");
            Future<?> writer = pool.submit(() -> {
                rw.writeLock();
                try {
                    assertTrue(rw.isWriteLockedByCurrentThread());
                    assertEquals(0, rw.readers());
                } finally {
                    rw.writeUnlock();
                }
                return null;
            });
            writer.get(10, SECONDS);  // TimeoutException here means the writer was starved
        } finally {
            stop.set(true);
        }
        for (Future<Long> f : readers) {
            assertTrue(f.get(10, SECONDS) >= 20);
        }
        assertEquals(0, rw.readers());
        assertFalse(rw.isWriteLocked());
    }

    @Test
    void r13_readUnlockWithoutReadLockThrows() throws Exception {
        RwLock rw = new RwLock("gpc->lock", guard(PreemptionModel.NONE));
        Future<?> f = pool.submit(() -> {
            IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, rw::readUnlock);
            assertTrue(e.getMessage().contains("gpc->lock"), e.getMessage());
            assertEquals(0, rw.readers(), "the failed unlock must leave the lock as it was");
            assertFalse(rw.isWriteLocked());
            // The lock still works for both sides.
            assertTrue(rw.tryWriteLock());
            rw.writeUnlock();
            rw.readLock();
            assertEquals(1, rw.readers());
            rw.readUnlock();
            assertEquals(0, ContextGuard.preemptCount());
            assertEquals(List.of(), ContextGuard.heldLocks());
            return null;
        });
        f.get(10, SECONDS);
    }

    @Test
    void r13_readUnlockWithoutReadLockLeavesTheThreadContextIntact() throws Exception {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        RwLock rw = new RwLock("gpc->lock", guard);
        RawSpinLock raw = new RawSpinLock("mn_invalidate_lock", guard);
        Future<?> f = pool.submit(() -> {
            raw.lock("site");
            try {
                assertEquals(1, ContextGuard.preemptCount());
                assertThrows(IllegalMonitorStateException.class, rw::readUnlock);
                assertEquals(1, ContextGuard.preemptCount(),
                        "a refused read_unlock must not re-enable preemption for a raw spinlock still held");
                assertEquals(List.of("mn_invalidate_lock at site"), ContextGuard.heldLocks());
                // Still atomic, so might-sleep must still report.
                assertThrows(Error.class, () -> guard.mightSleep("still_atomic"));
            } finally {
                raw.unlock();
            }
            return null;
        });
        f.get(10, SECONDS);
    }

    /**
     * Every unmatched readUnlock must throw, even while another thread takes and releases the
     * write side. readUnlock decrements the lock word first and only then undoes the decrement
     * when it finds no reader; a writeUnlock (setRelease(0)) landing between the two turns the
     * undo into a phantom reader (state 1): the next writer waits for a reader that does not
     * exist, and the next unmatched readUnlock is silently accepted.
     */
    @Test
    void r13_unmatchedReadUnlockRacingAWriterAlwaysThrowsAndLeavesNoPhantomReader() throws Exception {
        RwLock rw = new RwLock("gpc->lock", Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null));
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> writer = pool.submit(() -> {
            while (!stop.get()) {
                rw.writeLock();
                rw.writeUnlock();
            }
            return null;
        });
        long accepted = 0;
        long refused = 0;
        try {
            long deadline = System.nanoTime() + SECONDS.toNanos(2);
            while (accepted == 0 && System.nanoTime() < deadline) {
                try {
                    rw.readUnlock();
                    accepted++;
                } catch (IllegalMonitorStateException expected) {
                    refused++;
                }
            }
        } finally {
            stop.set(true);
        }
        // If a phantom reader is left, the writer cannot finish: remove it (bounded) so the pool stops.
        for (int i = 0; i < 100 && !writer.isDone(); i++) {
            try {
                writer.get(100, MILLISECONDS);
            } catch (TimeoutException stuck) {
                if (rw.readers() > 0) {
                    rw.readUnlock();
                }
            }
        }
        writer.get(10, SECONDS);
        assertEquals(0, accepted, "unmatched readUnlock accepted after " + refused + " refusals");
        assertEquals(0, rw.readers());
    }

    @Test
    void r13_tryWriteLockFailsWhileAReaderHoldsAndSucceedsAfter() throws Exception {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        RwLock rw = new RwLock("gpc->lock", guard);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> reader = pool.submit(() -> {
            rw.readLock("reader");
            try {
                holding.countDown();
                assertTrue(release.await(10, SECONDS));
            } finally {
                rw.readUnlock();
            }
            return null;
        });
        try {
            assertTrue(holding.await(10, SECONDS));
            Future<Boolean> attempt = pool.submit(() -> {
                ContextGuard.nonBlockStart();  // trylock is the non-blocking path: never reports
                try {
                    boolean got = rw.tryWriteLock("oom_reaper");
                    assertEquals(List.of(), ContextGuard.heldLocks(), "a failed trylock records nothing");
                    return got;
                } finally {
                    ContextGuard.nonBlockEnd();
                }
            });
            assertFalse(attempt.get(10, SECONDS), "tryWriteLock succeeded while a reader held");
            assertEquals(1, rw.readers(), "a failed tryWriteLock leaves the readers alone");
            assertFalse(rw.isWriteLocked());
        } finally {
            release.countDown();
        }
        reader.get(10, SECONDS);
        Future<Boolean> after = pool.submit(() -> {
            ContextGuard.nonBlockStart();
            try {
                boolean got = rw.tryWriteLock("oom_reaper");
                if (got) {
                    assertTrue(rw.isWriteLockedByCurrentThread());
                    rw.writeUnlock();
                }
                return got;
            } finally {
                ContextGuard.nonBlockEnd();
            }
        });
        assertTrue(after.get(10, SECONDS), "tryWriteLock failed on an idle lock");
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r13_nameAndToString() {
        RwLock rw = new RwLock("gpc->lock");
        assertEquals("gpc->lock", rw.name());
        assertEquals("rwlock_t(gpc->lock)", rw.toString());
        assertFalse(rw.sleeping(), "the process default domain is PREEMPT_NONE");
    }
}
