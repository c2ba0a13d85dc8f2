package org.pfncache.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.SleepInInvalidContextError;

class PhysicalMemoryTest {
    private static final long POISON_LONG = 0x6b6b6b6b6b6b6b6bL;

    @Test
    void constructorRejectsNonPositivePageCountNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(-7));
        assertTrue(e.getMessage().contains("-7"), e.getMessage());
    }

    @Test
    void allocateGivesZeroFilledPageWithRefcountOne() {
        PhysicalMemory mem = new PhysicalMemory(8);
        long pfn = mem.allocate();
        assertEquals(7, mem.freePages());
        assertEquals(8, mem.totalPages());
        assertEquals(1, mem.refCount(pfn));
        assertTrue(mem.isAllocated(pfn));
        for (int off = 0; off < PhysicalMemory.PAGE_SIZE; off += 8) {
            assertEquals(0L, mem.readLong(pfn, off));
        }
    }

    @Test
    void putAtZeroFreesAndTheFreeListIsLifo() {
        PhysicalMemory mem = new PhysicalMemory(8);
        long a = mem.allocate();
        long b = mem.allocate();
        assertNotEquals(a, b);
        mem.writeLong(a, 16, 99);
        mem.put(a);
        assertFalse(mem.isAllocated(a));
        assertEquals(7, mem.freePages());
        long c = mem.allocate();
        assertEquals(a, c, "the last freed page is reused first");
        assertEquals(0L, mem.readLong(c, 16), "reuse zero-fills");
        assertEquals(0, mem.writesToFreedPages(), "intact poison is not a write");
    }

    @Test
    void getAndPutCountReferences() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long p = mem.allocate();
        mem.get(p);
        assertEquals(2, mem.refCount(p));
        mem.put(p);
        assertTrue(mem.isAllocated(p));
        mem.put(p);
        assertFalse(mem.isAllocated(p));
        assertEquals(0, mem.refCount(p));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mem.put(p));
        assertTrue(e.getMessage().contains("pfn " + p), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mem.get(p));
        e = assertThrows(IllegalArgumentException.class, () -> mem.get(4));
        assertTrue(e.getMessage().contains("4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mem.put(-1));
        assertEquals(4, mem.freePages(), "failed calls changed nothing");
    }

    @Test
    void freedPageIsPoisonedAndReadingItThroughAMappingIsStale() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long p = mem.allocate();
        KernelMapping m = mem.kmap(p);
        m.putLong(0, 5);
        assertFalse(m.isStale());
        assertEquals(0, mem.staleAccesses());
        mem.put(p);
        assertTrue(m.isStale());
        assertEquals(POISON_LONG, m.getLong(0), "a use-after-free reads poison");
        assertEquals((byte) 0x6b, m.get(4095));
        assertEquals(2, mem.staleAccesses());
    }

    @Test
    void staleMappingAfterReuseSeesAndCorruptsTheNewOwner() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long p = mem.allocate();
        KernelMapping old = mem.kmap(p);
        mem.put(p);
        long q = mem.allocate();
        assertEquals(p, q, "LIFO reuse");
        mem.writeLong(q, 8, 42);
        assertTrue(old.isStale());
        assertEquals(42, old.getLong(8), "the stale mapping reads the new owner's data");
        old.putLong(8, 7);
        assertEquals(7, mem.readLong(q, 8), "and its writes land in the new owner's page");
        assertEquals(2, mem.staleAccesses());

        KernelMapping fresh = mem.kmap(q);
        assertFalse(fresh.isStale());
        assertEquals(7, fresh.getLong(8));
        assertEquals(2, mem.staleAccesses(), "a mapping of the current allocation is not stale");
    }

    @Test
    void writeToFreedPageIsFoundByTheScanExactlyOnce() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long p = mem.allocate();
        KernelMapping m = mem.kmap(p);
        mem.put(p);
        m.put(100, (byte) 1);
        assertEquals(1, mem.staleAccesses());
        assertEquals(0, mem.writesToFreedPages(), "found only by an audit or at reuse");
        assertEquals(1, mem.scanFreedPages());
        assertEquals(1, mem.writesToFreedPages());
        assertEquals(0, mem.scanFreedPages(), "the scan re-poisoned the page");
        assertEquals(p, mem.allocate());
        assertEquals(1, mem.writesToFreedPages(), "reuse does not count it again");
        assertEquals(0, mem.readLong(p, 96));
    }

    @Test
    void writeToFreedPageIsFoundAtReuse() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long p = mem.allocate();
        KernelMapping m = mem.kmap(p);
        mem.put(p);
        m.putLong(4088, -1);
        assertEquals(p, mem.allocate());
        assertEquals(1, mem.writesToFreedPages());
        assertEquals(0, mem.readLong(p, 4088), "zero-filled after the audit");
    }

    @Test
    void allocateManyIsAllOrNothing() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long[] three = mem.allocate(3);
        assertEquals(3, three.length);
        HostOutOfMemoryException e = assertThrows(HostOutOfMemoryException.class, () -> mem.allocate(2));
        assertTrue(e.getMessage().contains("2"), e.getMessage());
        assertEquals(1, mem.freePages(), "nothing was allocated");
        long last = mem.allocate();
        assertTrue(mem.isAllocated(last));
        assertThrows(HostOutOfMemoryException.class, mem::allocate);
        assertEquals(0, mem.freePages());
        assertArrayEquals(new long[0], mem.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> mem.allocate(-1));
    }

    @Test
    void kmapAndKunmapCountLiveMappingsAndDoubleKunmapThrows() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long p = mem.allocate();
        KernelMapping m1 = mem.kmap(p);
        KernelMapping m2 = mem.kmap(p);
        assertEquals(2, mem.liveMappings());
        assertEquals(p, m1.pfn());
        mem.kunmap(m1);
        assertTrue(m1.isUnmapped());
        assertFalse(m2.isUnmapped());
        assertEquals(1, mem.liveMappings());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mem.kunmap(m1));
        assertTrue(e.getMessage().contains("pfn " + p), e.getMessage());
        assertEquals(1, mem.liveMappings(), "a failed kunmap changes nothing");
        e = assertThrows(IllegalStateException.class, () -> m1.getLong(0));
        assertTrue(e.getMessage().contains("pfn " + p), e.getMessage());
        assertThrows(IllegalStateException.class, () -> m1.put(0, (byte) 1));

        mem.put(p);
        mem.kunmap(m2); // memunmap of a stale mapping is fine
        assertEquals(0, mem.liveMappings());
    }

    @Test
    void kmapOfAFreePageIsRefused() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long p = mem.allocate();
        mem.put(p);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mem.kmap(p));
        assertTrue(e.getMessage().contains("pfn " + p), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mem.kmap(99));
        assertEquals(0, mem.liveMappings());
    }

    @Test
    void kmapAndKunmapMightSleepFirst() {
        PhysicalMemory mem = new PhysicalMemory(4);
        long p = mem.allocate();
        KernelMapping m = mem.kmap(p);
        ContextGuard.nonBlockStart();
        try {
            // A free pfn: the sleep check comes before the argument check.
            SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class, () -> mem.kmap(3));
            assertEquals("memremap", e.report().site());
            assertEquals(1, e.report().nonBlock());
            e = assertThrows(SleepInInvalidContextError.class, () -> mem.kunmap(m));
            assertEquals("memunmap", e.report().site());
        } finally {
            ContextGuard.nonBlockEnd();
        }
        assertFalse(m.isUnmapped(), "the refused kunmap did not unmap");
        assertEquals(1, mem.liveMappings());
        mem.kunmap(m);
        assertEquals(0, mem.liveMappings());
    }

    @Test
    void accessesOutsideThePageAreRejectedNamingOffsetAndSize() {
        PhysicalMemory mem = new PhysicalMemory(2);
        long p = mem.allocate();
        KernelMapping m = mem.kmap(p);
        m.putLong(4088, 1);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> m.getLong(4089));
        assertTrue(e.getMessage().contains("4089") && e.getMessage().contains("size 8"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> m.put(4096, (byte) 0));
        assertTrue(e.getMessage().contains("4096") && e.getMessage().contains("size 1"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> m.get(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> m.putLong(-8, 0));
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class, () -> mem.readLong(p, 4090));
        assertTrue(iae.getMessage().contains("4090"), iae.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mem.writeLong(p, -1, 0));
        assertEquals(0, mem.staleAccesses());
    }

    @Test
    void longsAreLittleEndianAndMayBeUnaligned() {
        PhysicalMemory mem = new PhysicalMemory(2);
        long p = mem.allocate();
        KernelMapping m = mem.kmap(p);
        m.putLong(1, 0x0102030405060708L);
        assertEquals(0x08, m.get(1));
        assertEquals(0x01, m.get(8));
        assertEquals(0x0102030405060708L, m.getLong(1));
        assertEquals(0x0102030405060708L, mem.readLong(p, 1));
    }

    @Test
    void copyPageCopiesEverythingAndNeedsAllocatedPages() {
        PhysicalMemory mem = new PhysicalMemory(3);
        long a = mem.allocate();
        long b = mem.allocate();
        mem.writeLong(a, 0, 11);
        mem.writeLong(a, 4088, 22);
        mem.copyPage(a, b);
        assertEquals(11, mem.readLong(b, 0));
        assertEquals(22, mem.readLong(b, 4088));
        assertThrows(IllegalArgumentException.class, () -> mem.copyPage(a, 2));
    }

    @Test
    void aLoopingReaderSeesTheFreeWithoutAnyLock() throws Exception {
        PhysicalMemory mem = new PhysicalMemory(2);
        long p = mem.allocate();
        KernelMapping m = mem.kmap(p);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch freed = new CountDownLatch(1);
        AtomicLong seen = new AtomicLong();
        AtomicBoolean timedOut = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                running.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                // Spins on the detector: the opaque id read must not be hoisted out of this loop.
                while (!m.isStale() && System.nanoTime() < deadline) {
                    m.getLong(0);
                }
                timedOut.set(System.nanoTime() >= deadline);
                // The poison fill follows the id change; the latch orders it before this read.
                assertTrue(freed.await(10, TimeUnit.SECONDS));
                seen.set(m.getLong(0));
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "stale-reader");
        reader.start();
        assertTrue(running.await(10, TimeUnit.SECONDS));
        mem.put(p);
        freed.countDown();
        reader.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(reader.isAlive());
        assertEquals(null, failure.get());
        assertFalse(timedOut.get(), "the spinning reader never saw the free");
        assertEquals(POISON_LONG, seen.get());
        assertTrue(mem.staleAccesses() >= 1);
    }
}
