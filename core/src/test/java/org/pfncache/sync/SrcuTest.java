package org.pfncache.sync;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.SleepInInvalidContextError;

/**
 * SRCU: grace periods drain the readers that entered before them and only those (the base of
 * the SRCU strategy's I3), polling never sleeps (I5), call_srcu runs each callback once after a
 * grace period, and counters and cookies survive wrap-around.
 */
class SrcuTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Srcu> domains = new ArrayList<>();

    @AfterEach
    void shutdown() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, SECONDS));
        for (Srcu s : domains) {
            s.close();
        }
    }

    private Srcu domain(String name) {
        return track(new Srcu(name));
    }

    private Srcu track(Srcu s) {
        domains.add(s);
        return s;
    }

    /** A reader in another thread that enters, reports in, and leaves when told. */
    private final class HeldReader {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger token = new AtomicInteger(-1);
        final Future<?> done;

        HeldReader(Srcu srcu) throws InterruptedException {
            done = pool.submit(() -> {
                int t = srcu.readLock();
                token.set(t);
                inside.countDown();
                try {
                    assertTrue(release.await(30, SECONDS));
                } finally {
                    srcu.readUnlock(t);
                }
                return null;
            });
            assertTrue(inside.await(10, SECONDS));
        }

        void leave() throws Exception {
            release.countDown();
            done.get(10, SECONDS);
        }
    }

    /**
     * call_srcu does not pay a thread wake-up while the reclaimer lingers after its last callback
     * (for at most the jiffy srcutree.c's srcu_funnel_gp_start() may delay its grace-period work):
     * a burst of calls wakes it at most a few times (before lingering, every call unparked it).
     */
    @Test
    void callsWhileTheReclaimerLingersDoNotWakeIt() throws Exception {
        Srcu srcu = domain("linger");
        CountDownLatch ran = new CountDownLatch(100);
        for (int i = 0; i < 100; i++) {
            srcu.call(ran::countDown);
        }
        assertTrue(ran.await(10, SECONDS), "every callback ran");
        assertTrue(srcu.reclaimerWakeups() < 50, srcu.reclaimerWakeups() + " wake-ups for 100 calls");
    }

    /** An idle reclaimer (parked without a timeout) is woken by the next call: no lost wake-up. */
    @Test
    void anIdleReclaimerIsWokenByACall() throws Exception {
        Srcu srcu = domain("idle");
        CountDownLatch first = new CountDownLatch(1);
        srcu.call(first::countDown);
        assertTrue(first.await(10, SECONDS));
        Thread reclaimer = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("srcu-reclaim-idle")).findFirst().orElseThrow();
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        while (reclaimer.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // bounded: idle comes one linger (1 ms) after the queue emptied
        }
        assertEquals(Thread.State.WAITING, reclaimer.getState(), "the reclaimer went idle");
        CountDownLatch second = new CountDownLatch(1);
        srcu.call(second::countDown);
        assertTrue(second.await(10, SECONDS), "the call woke the idle reclaimer");
        assertEquals(1, srcu.reclaimerWakeups());
    }

    @Test
    void i3_synchronizeWaitsForReaderThatEnteredBefore() throws Exception {
        Srcu srcu = domain("sync_waits");
        HeldReader reader = new HeldReader(srcu);
        Future<?> sync = runAsync(srcu::synchronize);
        assertThrows(TimeoutException.class, () -> sync.get(200, MILLISECONDS),
                "synchronize returned while a pre-existing reader was inside");
        reader.leave();
        sync.get(10, SECONDS);
        assertTrue(srcu.completedGracePeriods() >= 1);
    }

    /**
     * A reader that enters after synchronize has flipped the index (its grace period is in SCAN2,
     * waiting for the pre-existing reader) counts on the new index: the grace period must end once
     * the pre-existing reader leaves, while the late reader is still inside.
     */
    @Test
    void i3_synchronizeDoesNotWaitForReaderThatEnteredAfter() throws Exception {
        Srcu srcu = domain("sync_ignores_late");
        HeldReader early = new HeldReader(srcu);
        Future<?> sync = runAsync(srcu::synchronize);
        awaitTrue(() -> srcu.gpState() == Srcu.GP_SCAN2, "grace period never reached SCAN2");
        HeldReader late = new HeldReader(srcu);
        assertNotEquals(early.token.get() & 1, late.token.get() & 1, "late reader uses the new index");
        assertThrows(TimeoutException.class, () -> sync.get(200, MILLISECONDS));
        early.leave();
        sync.get(10, SECONDS);
        assertFalse(late.done.isDone(), "late reader is still inside");
        late.leave();
    }

    @Test
    void synchronizeWithNoReadersReturnsAndTimedVariantReportsTimeout() throws Exception {
        Srcu srcu = domain("sync_timed");
        srcu.synchronize();
        assertTrue(srcu.synchronize(Duration.ofSeconds(10)));
        HeldReader reader = new HeldReader(srcu);
        assertFalse(srcu.synchronize(Duration.ofMillis(50)), "timed synchronize must give up");
        assertFalse(srcu.synchronize(Duration.ofMillis(-1)));
        reader.leave();
        assertTrue(srcu.synchronize(Duration.ofSeconds(10)));
    }

    /** I5: startPoll and pollCompleted never count as might-sleep, even with a reader inside. */
    @Test
    void i5_pollNeverSleepsInNonBlockableSection() throws Exception {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        Srcu srcu = track(new Srcu("poll_nonblock", guard));
        HeldReader reader = new HeldReader(srcu);
        ContextGuard.nonBlockStart();
        ContextGuard.preemptDisable();
        try {
            // R13: get_state/poll_state take no lock; start_poll would (see SrcuGuardTest).
            long cookie = assertDoesNotThrow(srcu::getState);
            for (int i = 0; i < 100; i++) {
                assertFalse(assertDoesNotThrow(() -> srcu.pollCompleted(cookie)));
            }
        } finally {
            ContextGuard.preemptEnable();
            ContextGuard.nonBlockEnd();
        }
        reader.leave();
        ContextGuard.nonBlockStart();
        try {
            long cookie = srcu.getState();
            awaitTrue(() -> srcu.pollCompleted(cookie), "poll never completed without readers");
        } finally {
            ContextGuard.nonBlockEnd();
        }
        assertTrue(guard.reports().isEmpty(), guard.reports().toString());
    }

    @Test
    void i5_pollCompletedFalseWhileReaderInsideTrueAfterItLeaves() throws Exception {
        Srcu srcu = domain("poll_state");
        HeldReader reader = new HeldReader(srcu);
        long cookie = srcu.startPoll();
        for (int i = 0; i < 1000; i++) {
            assertFalse(srcu.pollCompleted(cookie), "completed with a pre-existing reader inside");
        }
        reader.leave();
        awaitTrue(() -> srcu.pollCompleted(cookie), "poll never completed after the reader left");
        assertTrue(srcu.pollCompleted(cookie), "done stays done");
        assertThrows(IllegalArgumentException.class, () -> srcu.pollCompleted(cookie + 1_000));
    }

    /** With no readers, a single poll runs the whole grace period itself (nothing runs in the background). */
    @Test
    void i5_pollDrivesTheGracePeriodItself() {
        Srcu srcu = domain("poll_drives");
        long before = srcu.completedGracePeriods();
        long cookie = srcu.startPoll();
        assertTrue(srcu.pollCompleted(cookie), "with no readers, one poll runs the whole grace period");
        assertEquals(before + 1, srcu.completedGracePeriods());
    }

    @Test
    void r12_synchronizeInNonBlockableSectionIsABug() {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        Srcu srcu = track(new Srcu("sync_nonblock", guard));
        ContextGuard.nonBlockStart();
        try {
            SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class, srcu::synchronize);
            assertEquals("synchronize_srcu", e.report().site());
            assertEquals(1, e.report().nonBlock());
            assertThrows(SleepInInvalidContextError.class, () -> srcu.synchronize(Duration.ofSeconds(1)));
            assertThrows(SleepInInvalidContextError.class, srcu::barrier);
        } finally {
            ContextGuard.nonBlockEnd();
        }
    }

    @Test
    void i3_callRunsAfterGracePeriodNotWhileReaderInside() throws Exception {
        Srcu srcu = domain("call_after_gp");
        HeldReader reader = new HeldReader(srcu);
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<String> thread = new AtomicReference<>();
        srcu.call(() -> {
            thread.set(Thread.currentThread().getName());
            ran.countDown();
        });
        assertFalse(ran.await(200, MILLISECONDS), "callback ran while a pre-existing reader was inside");
        reader.leave();
        assertTrue(ran.await(10, SECONDS));
        assertEquals("srcu-reclaim-call_after_gp", thread.get());
    }

    @Test
    void callbacksFromManyThreadsRunExactlyOnceInOrderPerThread() throws Exception {
        Srcu srcu = domain("call_once");
        int threads = 4;
        int perThread = 2_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(threads * perThread);
        AtomicIntegerArray lastSeen = new AtomicIntegerArray(threads);
        AtomicInteger outOfOrder = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int producer = t;
            producers.add(pool.submit(() -> {
                start.await(10, SECONDS);
                for (int i = 0; i < perThread; i++) {
                    int id = producer * perThread + i;
                    int seq = i + 1;
                    srcu.call(() -> {
                        runs.incrementAndGet(id);
                        if (lastSeen.getAndSet(producer, seq) != seq - 1) {
                            outOfOrder.incrementAndGet();
                        }
                    });
                    if ((i & 63) == 0) {
                        int token = srcu.readLock();
                        srcu.readUnlock(token);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : producers) {
            f.get(30, SECONDS);
        }
        srcu.barrier();
        for (int i = 0; i < runs.length(); i++) {
            assertEquals(1, runs.get(i), "callback " + i + " ran " + runs.get(i) + " times");
        }
        assertEquals(0, outOfOrder.get(), "FIFO per producer");
    }

    @Test
    void callbackThatThrowsDoesNotStopTheReclaimer() throws Exception {
        Srcu srcu = domain("call_throws");
        CountDownLatch after = new CountDownLatch(1);
        srcu.call(() -> {
            throw new IllegalStateException("expected by SrcuTest: a failing callback");
        });
        srcu.call(after::countDown);
        assertTrue(after.await(10, SECONDS));
    }

    @Test
    void barrierWaitsForEveryQueuedCallback() throws Exception {
        Srcu srcu = domain("barrier");
        srcu.barrier(); // nothing queued yet: returns at once
        HeldReader reader = new HeldReader(srcu);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            srcu.call(ran::incrementAndGet);
        }
        Future<?> barrier = runAsync(srcu::barrier);
        assertThrows(TimeoutException.class, () -> barrier.get(200, MILLISECONDS));
        assertEquals(0, ran.get());
        reader.leave();
        barrier.get(10, SECONDS);
        assertEquals(10, ran.get());
    }

    @Test
    void barrierFromOwnCallbackIsRefused() throws Exception {
        Srcu srcu = domain("barrier_self");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        srcu.call(() -> {
            try {
                srcu.barrier();
            } catch (Throwable t) {
                failure.set(t);
            }
            ran.countDown();
        });
        assertTrue(ran.await(10, SECONDS));
        assertTrue(failure.get() instanceof IllegalStateException, String.valueOf(failure.get()));
    }

    /** Nested sections have independent tokens; a grace period waits for the outermost to end. */
    @Test
    void nestedSectionsAreIndependent() throws Exception {
        Srcu srcu = domain("nesting");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leaveInner = new CountDownLatch(1);
        CountDownLatch innerLeft = new CountDownLatch(1);
        CountDownLatch leaveOuter = new CountDownLatch(1);
        Future<?> reader = pool.submit(() -> {
            int outer = srcu.readLock();
            int inner = srcu.readLock();
            inside.countDown();
            assertTrue(leaveInner.await(30, SECONDS));
            srcu.readUnlock(inner);
            innerLeft.countDown();
            assertTrue(leaveOuter.await(30, SECONDS));
            srcu.readUnlock(outer);
            return null;
        });
        assertTrue(inside.await(10, SECONDS));
        Future<?> sync = runAsync(srcu::synchronize);
        assertThrows(TimeoutException.class, () -> sync.get(100, MILLISECONDS));
        leaveInner.countDown();
        assertTrue(innerLeft.await(10, SECONDS));
        assertThrows(TimeoutException.class, () -> sync.get(200, MILLISECONDS),
                "synchronize returned while the outer section was still open");
        leaveOuter.countDown();
        reader.get(10, SECONDS);
        sync.get(10, SECONDS);
    }

    /**
     * Drain with more threads than slots: 64 readers check that the object they reach has not
     * been retired, while an updater replaces it, synchronizes, and only then retires the old one.
     */
    @Test
    void i3_manyMoreThreadsThanSlotsReadConcurrentlyWithSynchronize() throws Exception {
        Srcu srcu = domain("many_readers");
        int readers = 64;
        assertTrue(readers > srcu.slots(), "test needs more threads than slots (" + srcu.slots() + ")");
        final class Box {
            volatile boolean retired;
        }
        AtomicReference<Box> current = new AtomicReference<>(new Box());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong violations = new AtomicLong();
        AtomicLong sections = new AtomicLong();
        CountDownLatch allReading = new CountDownLatch(readers);
        List<Future<?>> futures = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            futures.add(pool.submit(() -> {
                boolean first = true;
                while (!stop.get()) {
                    int token = srcu.readLock();
                    try {
                        Box b = current.get();
                        for (int i = 0; i < 16; i++) {
                            if (b.retired) {
                                violations.incrementAndGet();
                            }
                            Thread.onSpinWait();
                        }
                    } finally {
                        srcu.readUnlock(token);
                    }
                    if (first) {
                        first = false;
                        allReading.countDown();
                    }
                    if ((sections.incrementAndGet() & 7) == 0) {
                        Thread.yield();
                    }
                }
                return null;
            }));
        }
        long before = srcu.completedGracePeriods();
        int updates = 0;
        long sectionsDuringUpdates;
        try {
            assertTrue(allReading.await(30, SECONDS), "not every reader got to run");
            long sectionsBefore = sections.get();
            long deadline = System.nanoTime() + SECONDS.toNanos(20);
            // At least 500 grace periods, and until the readers made real progress alongside them.
            do {
                Box old = current.getAndSet(new Box());
                srcu.synchronize();
                old.retired = true;
                updates++;
                sectionsDuringUpdates = sections.get() - sectionsBefore;
            } while (updates < 500 || (sectionsDuringUpdates < 20_000 && System.nanoTime() - deadline < 0));
        } finally {
            stop.set(true);
        }
        for (Future<?> f : futures) {
            f.get(30, SECONDS);
        }
        assertEquals(0, violations.get(), "a reader saw an object retired after a grace period");
        assertTrue(srcu.completedGracePeriods() - before >= updates);
        assertTrue(sectionsDuringUpdates > 0, "readers ran concurrently with the grace periods");
    }

    /** 64-bit counters that wrap mid-test and a grace-period sequence that wraps past Long.MAX_VALUE. */
    @Test
    void countersAndCookiesSurviveWrapAround() throws Exception {
        long counterOrigin = Long.MAX_VALUE - 2;
        long gpOrigin = (Long.MAX_VALUE - 12) & ~Srcu.SEQ_STATE_MASK;
        Srcu srcu = track(new Srcu("wrap", null, 8, counterOrigin, gpOrigin, Srcu.DEFAULT_STALL_NANOS));
        long firstCookie = srcu.startPoll();
        boolean sawWrap = false;
        for (int round = 0; round < 8; round++) {
            HeldReader reader = new HeldReader(srcu);
            long cookie = srcu.startPoll();
            for (int i = 0; i < 100; i++) {
                assertFalse(srcu.pollCompleted(cookie), "round " + round + ": completed with a reader inside");
            }
            Future<?> sync = runAsync(srcu::synchronize);
            assertThrows(TimeoutException.class, () -> sync.get(50, MILLISECONDS));
            reader.leave();
            sync.get(10, SECONDS);
            awaitTrue(() -> srcu.pollCompleted(cookie), "round " + round + ": cookie never completed");
            sawWrap |= srcu.gpSequence() < 0;
            for (int i = 0; i < 4; i++) { // push every slot's counters further past the wrap
                srcu.readUnlock(srcu.readLock());
            }
        }
        assertTrue(sawWrap, "the grace-period sequence wrapped past Long.MAX_VALUE");
        assertTrue(firstCookie > 0 && srcu.gpSequence() < 0);
        assertTrue(srcu.pollCompleted(firstCookie), "a pre-wrap cookie is done after the wrap");
        assertTrue(srcu.completedGracePeriods() >= 8);
    }

    @Test
    void stallWarningsAreBoundedPerGracePeriodAndNeverThrow() throws Exception {
        long stallNanos = MILLISECONDS.toNanos(20);
        Srcu srcu = track(new Srcu("stall", null, 8, 0L, 0L, stallNanos));
        HeldReader reader = new HeldReader(srcu);
        assertFalse(srcu.synchronize(Duration.ofMillis(400)), "a stuck reader keeps the grace period open");
        long warnings = srcu.stallWarnings();
        assertTrue(warnings >= 1 && warnings <= Srcu.MAX_STALL_WARNINGS_PER_GP, "warnings: " + warnings);
        assertFalse(srcu.synchronize(Duration.ofMillis(200)));
        assertTrue(srcu.stallWarnings() <= Srcu.MAX_STALL_WARNINGS_PER_GP, "bounded per grace period");
        reader.leave();
        assertTrue(srcu.synchronize(Duration.ofSeconds(10)));
    }

    @Test
    void closeIsIdempotentAndRefusesLaterCalls() throws Exception {
        Srcu srcu = new Srcu("close");
        CountDownLatch ran = new CountDownLatch(1);
        srcu.call(ran::countDown);
        srcu.close();
        assertEquals(0, ran.getCount(), "close runs pending callbacks (barrier)");
        srcu.close();
        assertThrows(IllegalStateException.class, () -> srcu.call(() -> { }));
        assertThrows(IllegalArgumentException.class, () -> srcu.call(null));
        srcu.barrier();
        int token = srcu.readLock();
        srcu.readUnlock(token);
        srcu.synchronize();
        Srcu unused = new Srcu("close_unused");
        unused.close();
        unused.close();
    }

    @Test
    void invalidArgumentsAreRejected() {
        Srcu srcu = domain("args");
        assertThrows(IllegalArgumentException.class, () -> srcu.call(null));
        assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(-1));
        assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(srcu.slots() << 2));
        assertThrows(IllegalArgumentException.class, () -> srcu.synchronize(null));
        assertThrows(IllegalArgumentException.class, () -> new Srcu(" "));
        assertThrows(IllegalArgumentException.class, () -> new Srcu(null));
    }

    private Future<?> runAsync(Runnable task) {
        return pool.submit(task);
    }

    private static void awaitTrue(BooleanSupplier condition, String message) {
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        int step = 0;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError(message);
            }
            step = Backoff.pause(step);
        }
    }

    @Test
    void i3_sectionClosedByAnotherThreadStillBalancesTheCounters() throws Exception {
        Srcu srcu = new Srcu("xthread");
        try {
            int token = srcu.readLock();
            java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                other.submit(() -> srcu.readUnlock(token)).get(10, java.util.concurrent.TimeUnit.SECONDS);
            } finally {
                other.shutdownNow();
            }
            assertTrue(srcu.synchronize(java.time.Duration.ofSeconds(10)),
                    "an unlock from another thread must count, or every grace period would wait forever");
            int again = srcu.readLock();
            srcu.readUnlock(again);
            assertTrue(srcu.synchronize(java.time.Duration.ofSeconds(10)));
        } finally {
            srcu.close();
        }
    }

    @Test
    void i3_crossThreadUnlocksRacingTheOwnerLoseNoCount() throws Exception {
        Srcu srcu = new Srcu("xthread-race");
        java.util.concurrent.BlockingQueue<Integer> handoff = new java.util.concurrent.ArrayBlockingQueue<>(1024);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        int n = 200_000;
        try {
            java.util.concurrent.Future<?> owner = pool.submit(() -> {
                for (int i = 0; i < n; i++) {
                    handoff.put(srcu.readLock());       // closed by the other thread
                    srcu.readUnlock(srcu.readLock());   // the owner's own churn on the same counters
                }
                return null;
            });
            java.util.concurrent.Future<?> closer = pool.submit(() -> {
                for (int i = 0; i < n; i++) {
                    srcu.readUnlock(handoff.take());
                }
                return null;
            });
            owner.get(60, java.util.concurrent.TimeUnit.SECONDS);
            closer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(srcu.synchronize(java.time.Duration.ofSeconds(10)), "a lost unlock would stall every grace period");
        } finally {
            pool.shutdownNow();
            srcu.close();
        }
    }
}
