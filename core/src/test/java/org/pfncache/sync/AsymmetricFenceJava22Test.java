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
}
