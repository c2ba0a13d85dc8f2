package org.pfncache.sync;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.GuardReport;
import org.pfncache.guard.SleepInInvalidContextError;

/**
 * seqcount_LOCKNAME_t: readers never accept a torn write (I1's building block), writers must hold
 * the associated lock, and under PREEMPT_RT a reader waits for a preempted writer on the lock.
 */
class SeqCountTest {
    private static final VarHandle X;
    private static final VarHandle Y;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            X = l.findVarHandle(SeqCountTest.class, "x", long.class);
            Y = l.findVarHandle(SeqCountTest.class, "y", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The protected pair; accessed with opaque mode, as the class comment of SeqCount requires. */
    @SuppressWarnings("unused")
    private long x;
    @SuppressWarnings("unused")
    private long y;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void shutdown() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, SECONDS));
    }

    /**
     * Race: one writer stores (v, v) inside write sections while readers load the pair in
     * readBegin/readRetry loops. Outcome: a pair the reader accepts is never torn.
     */
    @Test
    void i1_readersNeverAcceptATornPair() throws Exception {
        RawSpinLock lock = new RawSpinLock("pair_lock");
        SeqCount seq = new SeqCount(lock);
        AtomicBoolean stop = new AtomicBoolean();
        Future<Long> writer = pool.submit(() -> {
            long v = 0;
            while (!stop.get()) {
                v++;
                lock.lock();
                try {
                    seq.writeBegin();
                    X.setOpaque(this, v);
                    Y.setOpaque(this, v);
                    seq.writeEnd();
                } finally {
                    lock.unlock();
                }
            }
            return v;
        });
        int readers = 2;
        int iterations = 200_000;
        List<Future<Long>> results = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            results.add(pool.submit(() -> {
                long retries = 0;
                for (int i = 0; i < iterations; i++) {
                    long a;
                    long b;
                    int start;
                    do {
                        start = seq.readBegin();
                        a = (long) X.getOpaque(this);
                        b = (long) Y.getOpaque(this);
                        retries++;
                    } while (seq.readRetry(start));
                    assertEquals(a, b, "torn pair accepted at sequence " + start);
                    assertEquals(0, start & 1, "readBegin returned an odd count");
                }
                return retries - iterations;
            }));
        }
        try {
            for (Future<Long> f : results) {
                f.get(60, SECONDS);
            }
        } finally {
            stop.set(true);
        }
        assertTrue(writer.get(10, SECONDS) > 0, "the writer made progress");
        assertEquals(0, seq.sequence() & 1, "no write section left open");
    }

    @Test
    void writeBeginWithoutTheLockThrowsNamingIt() {
        SpinLock lock = new SpinLock("stats_lock");
        SeqCount seq = new SeqCount(lock);
        IllegalStateException e = assertThrows(IllegalStateException.class, seq::writeBegin);
        assertTrue(e.getMessage().contains("stats_lock"), e.getMessage());
        assertEquals(0, seq.sequence(), "a refused writeBegin changes nothing");
    }

    @Test
    void writeBeginWhileAnotherThreadHoldsTheLockThrows() throws Exception {
        SpinLock lock = new SpinLock("other_holder_lock", Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null));
        SeqCount seq = new SeqCount(lock);
        lock.lock();
        try {
            Future<?> f = pool.submit(seq::writeBegin);
            Exception e = assertThrows(Exception.class, () -> f.get(10, SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
        } finally {
            lock.unlock();
        }
    }

    @Test
    void writeEndWithoutAnOpenSectionThrows() {
        RawSpinLock lock = new RawSpinLock("end_lock");
        SeqCount seq = new SeqCount(lock);
        lock.lock();
        try {
            assertThrows(IllegalStateException.class, seq::writeEnd);
            seq.writeBegin();
            assertThrows(IllegalStateException.class, seq::writeBegin, "nested write sections are refused");
            seq.writeEnd();
            assertEquals(2, seq.sequence());
        } finally {
            lock.unlock();
        }
    }

    @Test
    void nullLockIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SeqCount(null));
    }

    @Test
    void readBeginInsideOwnWriteSectionThrowsInsteadOfHanging() {
        RawSpinLock lock = new RawSpinLock("self_lock");
        SeqCount seq = new SeqCount(lock);
        lock.lock();
        try {
            seq.writeBegin();
            assertThrows(IllegalStateException.class, seq::readBegin);
            seq.writeEnd();
        } finally {
            lock.unlock();
        }
    }

    /** The count wraps from Integer.MAX_VALUE to Integer.MIN_VALUE; parity and != still work. */
    @Test
    void sequenceWrapsAround() {
        RawSpinLock lock = new RawSpinLock("wrap_lock");
        SeqCount seq = new SeqCount(lock, Integer.MAX_VALUE - 1);
        int start = seq.readBegin();
        assertEquals(Integer.MAX_VALUE - 1, start);
        assertFalse(seq.readRetry(start));
        lock.lock();
        try {
            seq.writeBegin();
            assertEquals(Integer.MAX_VALUE, seq.sequence());
            assertTrue(seq.readRetry(start), "a reader that overlapped the writer retries");
            seq.writeEnd();
        } finally {
            lock.unlock();
        }
        assertEquals(Integer.MIN_VALUE, seq.sequence());
        assertTrue(seq.readRetry(start));
        int after = seq.readBegin();
        assertEquals(Integer.MIN_VALUE, after);
        assertFalse(seq.readRetry(after));
    }

    /**
     * PREEMPT_RT, seqcount_spinlock_t: a writer sits inside its section holding the (sleeping)
     * lock. A reader's readBegin must wait for it (on the lock, not spinning on the count) and
     * return the even count the writer leaves once it ends the section and unlocks.
     */
    @Test
    void r13_rtReaderWaitsForPreemptedWriterOnTheLock() throws Exception {
        SpinLock lock = new SpinLock("rt_seq_lock", Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null));
        SeqCount seq = new SeqCount(lock);
        lock.lock();
        seq.writeBegin();
        CountDownLatch readerStarted = new CountDownLatch(1);
        AtomicReference<Thread> readerThread = new AtomicReference<>();
        Future<Integer> reader = pool.submit(() -> {
            readerThread.set(Thread.currentThread());
            readerStarted.countDown();
            return seq.readBegin();
        });
        try {
            assertTrue(readerStarted.await(10, SECONDS));
            assertThrows(TimeoutException.class, () -> reader.get(200, MILLISECONDS),
                    "readBegin returned while the writer's section was open");
            awaitState(readerThread.get(), Thread.State.WAITING, Thread.State.TIMED_WAITING);
            seq.writeEnd();
        } finally {
            lock.unlock();
        }
        assertEquals(2, reader.get(10, SECONDS));
    }

    /**
     * The same race observed through the guard: under RT the waiting reader takes the associated
     * lock, so a reader in a non-blockable section is reported at the lock (read_seqcount_begin may
     * sleep under PREEMPT_RT). Under PREEMPT_NONE the same reader spins and nothing is reported.
     */
    @Test
    void r13_rtReaderTakesTheLockWhileNoneReaderSpins() throws Exception {
        for (PreemptionModel model : PreemptionModel.values()) {
            List<GuardReport> reports = new CopyOnWriteArrayList<>();
            Guard guard = Guard.create(model, GuardPolicy.REPORT, reports::add);
            SpinLock lock = new SpinLock("seq_wait_lock_" + model, guard);
            SeqCount seq = new SeqCount(lock);
            CountDownLatch writerInside = new CountDownLatch(1);
            CountDownLatch releaseWriter = new CountDownLatch(1);
            Future<?> writer = pool.submit(() -> {
                lock.lock();
                try {
                    seq.writeBegin();
                    writerInside.countDown();
                    assertTrue(releaseWriter.await(10, SECONDS));
                    seq.writeEnd();
                } finally {
                    lock.unlock();
                }
                return null;
            });
            assertTrue(writerInside.await(10, SECONDS));
            Future<Integer> reader = pool.submit(() -> {
                ContextGuard.nonBlockStart();
                try {
                    return seq.readBegin();
                } finally {
                    ContextGuard.nonBlockEnd();
                }
            });
            assertThrows(TimeoutException.class, () -> reader.get(200, MILLISECONDS));
            releaseWriter.countDown();
            writer.get(10, SECONDS);
            assertEquals(2, reader.get(10, SECONDS));
            if (model == PreemptionModel.RT) {
                assertEquals(1, reports.size(), "RT reader reported once at the lock: " + reports);
                assertEquals(lock.name(), reports.get(0).site());
                assertEquals(1, reports.get(0).nonBlock());
            } else {
                assertTrue(reports.isEmpty(), "PREEMPT_NONE reader must spin, not lock: " + reports);
            }
        }
    }

    /** Outside RT, a seqcount_mutex_t writer runs its section with preemption disabled, as seqlock.h. */
    @Test
    void r13_mutexWriterIsNonPreemptibleOutsideRt() {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        Mutex mutex = new Mutex("seq_mutex", guard);
        SeqCount seq = new SeqCount(mutex);
        mutex.lock();
        try {
            seq.writeBegin();
            try {
                assertTrue(ContextGuard.inAtomic());
                assertThrows(SleepInInvalidContextError.class, () -> guard.mightSleep("inside_write_section"));
            } finally {
                seq.writeEnd();
            }
            assertFalse(ContextGuard.inAtomic());
        } finally {
            mutex.unlock();
        }
    }

    private static void awaitState(Thread t, Thread.State... wanted) throws InterruptedException {
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            Thread.State s = t.getState();
            for (Thread.State w : wanted) {
                if (s == w) {
                    return;
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("thread " + t.getName() + " never reached " + List.of(wanted)
                + ", is " + t.getState());
    }
}
