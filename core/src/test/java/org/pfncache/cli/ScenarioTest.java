package org.pfncache.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import org.pfncache.InvalidationStrategy;
import org.pfncache.LockKind;
import org.pfncache.PreemptionModel;
import org.pfncache.host.MmuNotifierRange;

/** Verdicts a built-in cannot be made to show on demand: N/A and HANG, with user strategies (the public SPI). */
class ScenarioTest {

    private static ScenarioConfig config(InvalidationStrategy s, Duration hangTimeout) {
        return new ScenarioConfig(s, PreemptionModel.NONE, LockKind.SPINLOCK, LockKind.SPINLOCK,
                InvalidationContext.MUNMAP, 1,
                Duration.ofMillis(200), hangTimeout);
    }

    @Test
    void unimplementedStrategy_isNotAvailable() throws InterruptedException {
        ScenarioResult r = Scenario.run(config(new TestStrategy("todo", true), Duration.ofSeconds(5)));
        assertEquals(Verdict.NOT_AVAILABLE, r.verdict());
        assertEquals("N/A", r.summary());
        assertEquals("todo is not implemented", r.notAvailable());
    }

    /**
     * An invalidation that never returns: the host thread is reported hung once duration + hang
     * timeout pass, interrupted (which this strategy honours), and the run still ends and audits.
     */
    @Test
    void invalidationThatNeverReturns_isHang() throws InterruptedException {
        long start = System.nanoTime();
        ScenarioResult r = Scenario.run(config(new TestStrategy("stuck", false), Duration.ofMillis(500)));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Verdict.HANG, r.verdict(), r.toString());
        assertTrue(r.hangs().contains("qemu-munmap"), r.hangs().toString());
        assertTrue(r.summary().startsWith("HANG("), r.summary());
        assertTrue(tookMs < 5_000, "bounded: took " + tookMs + " ms");
        assertNotNull(r.audit());
    }

    /**
     * A strategy for the tests: a plain read-write lock; with {@code unimplemented} its
     * newCacheLock throws, otherwise its invalidation write side parks until the thread is interrupted.
     */
    private record TestStrategy(String name, boolean unimplemented) implements InvalidationStrategy {
        @Override
        public boolean drainsReaders() {
            return true;
        }

        @Override
        public MaySleep maySleepInInvalidation() {
            return MaySleep.ALWAYS;
        }

        @Override
        public NonBlockOutcome nonBlockableOutcome() {
            return NonBlockOutcome.BUG;
        }

        @Override
        public String readPathCost() {
            return "a ReentrantReadWriteLock";
        }

        @Override
        public CacheLock newCacheLock(Context context) {
            if (unimplemented) {
                throw new UnsupportedOperationException(name + " is not implemented");
            }
            return new StuckProtection();
        }
    }

    private static final class StuckProtection implements InvalidationStrategy.CacheLock {
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

        @Override
        public long readLock() {
            lock.readLock().lock();
            return 0;
        }

        @Override
        public boolean readValidate(long token) {
            return true;
        }

        @Override
        public void readUnlock(long token) {
            lock.readLock().unlock();
        }

        @Override
        public void writeLock() {
            lock.writeLock().lock();
        }

        @Override
        public void writeUnlock() {
            lock.writeLock().unlock();
        }

        @Override
        public boolean invalidateWriteLock(MmuNotifierRange range) {
            while (!Thread.currentThread().isInterrupted()) {
                LockSupport.park(this);
            }
            lock.writeLock().lock();
            return true;
        }

        @Override
        public void retire(long uhva, Runnable unmap) {
            unmap.run();
        }
    }
}
