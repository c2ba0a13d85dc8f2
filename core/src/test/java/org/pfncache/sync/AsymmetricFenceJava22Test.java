package org.pfncache.sync;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.Guard;
import org.pfncache.sync.AsymmetricFence.ReaderFlavour;

/**
 * Java 22+ on Linux, from the multi-release jar with native access enabled (core's surefire
 * execution {@code multi-release-jar-test}, which sets {@code pfncache.test.multiReleaseJar}):
 * membarrier registers, readers are asymmetric, and the primitives still exclude what they must.
 */
class AsymmetricFenceJava22Test {
    private final AsymmetricFence fence = AsymmetricFence.get();
    private final Guard off = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);
    private ExecutorService pool;

    @BeforeEach
    void onlyFromTheMultiReleaseJarOnJava22OnLinux() {
        assumeTrue(Runtime.version().feature() >= 22, "membarrier goes through java.lang.foreign (Java 22+)");
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "membarrier(2) is Linux's");
        assumeTrue(Boolean.getBoolean("pfncache.test.multiReleaseJar"),
                "the Java 22 classes are only loaded from the jar: surefire execution multi-release-jar-test");
        assumeTrue(System.getProperty(AsymmetricFence.READERS_PROPERTY) == null, "fenced readers forced");
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Test
    void membarrierRegistersAndReadersAreAsymmetric() {
        assertTrue(fence.asymmetric(), fence.describe());
        assertEquals(ReaderFlavour.ASYMMETRIC, fence.readerFlavour());
        assertTrue(fence.describe().contains("MEMBARRIER_CMD_PRIVATE_EXPEDITED) registered"), fence.describe());
        for (int i = 0; i < 1000; i++) {
            fence.heavy();
        }
    }

    @Test
    void srcuGracePeriodWaitsForAnAsymmetricReader() throws Exception {
        try (Srcu srcu = new Srcu("asymmetric", off)) {
            assertEquals(ReaderFlavour.ASYMMETRIC, srcu.readerFlavour());
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            Future<?> reader = pool.submit(() -> {
                int t = srcu.readLock();
                inside.countDown();
                try {
                    assertTrue(leave.await(30, SECONDS));
                } finally {
                    srcu.readUnlock(t);
                }
                return null;
            });
            assertTrue(inside.await(10, SECONDS));
            Future<?> gp = pool.submit(() -> srcu.synchronize());
            assertThrows(TimeoutException.class, () -> gp.get(200, MILLISECONDS), "a grace period ended under a reader");
            leave.countDown();
            reader.get(10, SECONDS);
            gp.get(10, SECONDS);
        }
    }

    @Test
    void rwLockReaderTakesItsRecordAndAWriterWaitsForIt() throws Exception {
        RwLock lock = new RwLock("records", off);
        assertEquals(ReaderFlavour.ASYMMETRIC, lock.readerFlavour());
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        int[] token = new int[1];
        Future<?> reader = pool.submit(() -> {
            token[0] = lock.readLockToken();
            inside.countDown();
            try {
                assertTrue(leave.await(30, SECONDS));
            } finally {
                lock.readUnlockToken(token[0]);
            }
            return null;
        });
        assertTrue(inside.await(10, SECONDS));
        assertTrue(token[0] < 0, "the read went through a reader record, token " + token[0]);
        Future<?> writer = pool.submit(() -> {
            lock.writeLock();
            lock.writeUnlock();
            return null;
        });
        assertThrows(TimeoutException.class, () -> writer.get(200, MILLISECONDS), "a writer got in beside a record reader");
        leave.countDown();
        reader.get(10, SECONDS);
        writer.get(10, SECONDS); // the record unlock woke the parked writer
    }

    @Test
    void rwLockTryWriteLockFailsOnARecordReaderAndLeavesTheBiasOn() throws Exception {
        RwLock lock = new RwLock("records-try", off);
        int t = lock.readLockToken();
        assertTrue(t < 0, "token " + t);
        assertFalse(pool.submit(() -> lock.tryWriteLock()).get(10, SECONDS), "tryWriteLock beside a record reader");
        assertTrue(lock.readerBiased(), "a failed revocation restores the bias");
        lock.readUnlockToken(t);
        assertTrue(pool.submit(() -> {
            boolean got = lock.tryWriteLock();
            if (got) {
                lock.writeUnlock();
            }
            return got;
        }).get(10, SECONDS));
    }

    @Test
    void rwLockNestedReadUsesTheTableAndBadRecordTokensAreRefused() {
        RwLock a = new RwLock("nested-a", off);
        RwLock b = new RwLock("nested-b", off);
        int ta = a.readLockToken();
        int tb = b.readLockToken();
        assertTrue(ta < 0, "first read: the record, token " + ta);
        assertTrue(tb > 0, "second read on the same thread: the record is busy, so the table; token " + tb);
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, () -> b.readUnlockToken(ta));
        assertTrue(e.getMessage().contains("bad token"), e.getMessage());
        assertThrows(IllegalMonitorStateException.class, () -> a.readUnlockToken(-3));
        assertThrows(IllegalMonitorStateException.class, () -> a.readUnlockToken(Integer.MIN_VALUE));
        b.readUnlockToken(tb);
        a.readUnlockToken(ta); // the refused unlocks left the record as it was
        assertThrows(IllegalMonitorStateException.class, () -> a.readUnlockToken(ta), "a second unlock of one token");
        assertTrue(a.tryWriteLock(), "no reader left inside");
        a.writeUnlock();
    }
}
