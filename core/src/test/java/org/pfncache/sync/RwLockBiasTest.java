package org.pfncache.sync;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.Guard;

/** The reader-biased (BRAVO) fast path of {@link RwLock}: tokens, revocation, re-enabling. */
class RwLockBiasTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Guard off = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    /**
     * Issue 10: the process-wide visible-readers table is read and written on every fast-path
     * read_lock; it must hold lock ids (a primitive array), never references, so that no GC
     * write barrier (G1's SATB pre-barrier, card marking) joins the reader's CAS and release.
     */
    @Test
    void visibleReadersTableHoldsIdsNotReferences() throws Exception {
        java.lang.reflect.Field f = RwLock.class.getDeclaredField("VISIBLE_READERS");
        assertTrue(f.getType().isArray(), "VISIBLE_READERS is an array");
        assertTrue(f.getType().getComponentType().isPrimitive(),
                "VISIBLE_READERS holds " + f.getType().getComponentType() + ": references bring GC barriers");
    }

    @Test
    void fastPathReaderTakesASlotAndReadersShare() throws Exception {
        RwLock l = new RwLock("bias", off);
        assertTrue(l.readerBiased());
        int a = l.readLockToken();
        int b = pool.submit(l::readLockToken).get(10, TimeUnit.SECONDS);
        assertTrue(a != 0, "a biased lock gives the first reader the fast path (a table slot, or a reader record when asymmetric)");
        assertEquals(0, l.readers(), "fast-path readers do not touch the lock word");
        l.readUnlockToken(a);
        pool.submit(() -> l.readUnlockToken(b)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void writerWaitsForAFastPathReader() throws Exception {
        RwLock l = new RwLock("bias", off);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Future<Integer> reader = pool.submit(() -> {
            int t = l.readLockToken();
            inside.countDown();
            assertTrue(leave.await(10, TimeUnit.SECONDS));
            l.readUnlockToken(t);
            return t;
        });
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        Future<?> writer = pool.submit(() -> {
            l.writeLock();
            l.writeUnlock();
        });
        assertThrows(TimeoutException.class, () -> writer.get(100, TimeUnit.MILLISECONDS),
                "revocation must wait for the reader in the visible-readers table");
        leave.countDown();
        assertTrue(reader.get(10, TimeUnit.SECONDS) != 0);
        writer.get(10, TimeUnit.SECONDS);
        assertFalse(l.readerBiased(), "the bias stays off for a while after a revocation");
    }

    @Test
    void tryWriteLockFailsWhileAFastPathReaderIsInside() throws Exception {
        RwLock l = new RwLock("bias", off);
        int t = l.readLockToken();
        assertTrue(t != 0);
        assertFalse(pool.submit(() -> l.tryWriteLock()).get(10, TimeUnit.SECONDS));
        assertFalse(l.isWriteLocked(), "a failed try leaves the lock word free");
        assertTrue(l.readerBiased(), "a failed try leaves the bias on, so the next writer scans again");
        CountDownLatch writing = new CountDownLatch(1);
        Future<?> writer = pool.submit(() -> {
            l.writeLock();
            writing.countDown();
            l.writeUnlock();
        });
        assertFalse(writing.await(100, TimeUnit.MILLISECONDS),
                "after a failed try a writer must still wait for the fast-path reader");
        l.readUnlockToken(t);
        writer.get(10, TimeUnit.SECONDS);
        assertTrue(pool.submit(() -> {
            boolean ok = l.tryWriteLock();
            if (ok) {
                l.writeUnlock();
            }
            return ok;
        }).get(10, TimeUnit.SECONDS));
    }

    @Test
    void biasComesBackAfterTheInhibitWindow() throws Exception {
        RwLock l = new RwLock("bias", off);
        l.writeLock();
        l.writeUnlock();
        assertFalse(l.readerBiased());
        boolean biased = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!biased && System.nanoTime() < deadline) {
            int t = l.readLockToken();
            l.readUnlockToken(t);
            biased = l.readerBiased();
        }
        assertTrue(biased, "a slow-path reader re-enables the bias once the inhibit time passed");
        int t = l.readLockToken();
        assertTrue(t != 0);
        l.readUnlockToken(t);
    }

    @Test
    void badTokenIsRefused() {
        RwLock l = new RwLock("bias", off);
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, () -> l.readUnlockToken(5));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
        assertThrows(IllegalMonitorStateException.class, () -> l.readUnlockToken(0));
    }

    @Test
    void tokenReadersNeverSeeATornPairWrittenUnderTheWriteSide() throws Exception {
        RwLock l = new RwLock("pair", off);
        long[] pair = new long[2];
        int readers = 2;
        int rounds = 20_000;
        CyclicBarrier start = new CyclicBarrier(readers + 1);
        List<Future<Long>> fs = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            fs.add(pool.submit(() -> {
                start.await(10, TimeUnit.SECONDS);
                long seen = 0;
                for (int i = 0; i < rounds; i++) {
                    int t = l.readLockToken();
                    long a = pair[0];
                    long b = pair[1];
                    l.readUnlockToken(t);
                    if (a != b) {
                        throw new AssertionError("torn pair " + a + " / " + b);
                    }
                    seen = Math.max(seen, a);
                }
                return seen;
            }));
        }
        start.await(10, TimeUnit.SECONDS);
        for (int i = 1; i <= 2_000; i++) {
            l.writeLock();
            pair[0] = i;
            pair[1] = i;
            l.writeUnlock();
        }
        for (Future<Long> f : fs) {
            assertTrue(f.get(30, TimeUnit.SECONDS) >= 0);
        }
        l.readLock();
        assertEquals(2_000, pair[0]);
        l.readUnlock();
    }
}
