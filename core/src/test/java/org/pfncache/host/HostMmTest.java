package org.pfncache.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.SleepInInvalidContextError;

class HostMmTest {
    static final long PAGE = PhysicalMemory.PAGE_SIZE;
    static final long A = 0x10_0000L;

    private final PhysicalMemory mem = new PhysicalMemory(64);
    private final HostMm mm = new HostMm(mem, Guard.processDefault());

    @Test
    void mmapPopulatesDistinctZeroFilledPages() {
        mm.mmap(A, 3 * PAGE);
        assertEquals(61, mem.freePages());
        assertEquals(3, mm.mappedPages());
        Set<Long> pfns = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            long pfn = mm.pfn(A + i * PAGE);
            assertTrue(pfn >= 0);
            assertEquals(1, mem.refCount(pfn), "the pte holds the only reference");
            pfns.add(pfn);
            assertEquals(0, mm.readLong(A + i * PAGE + 8));
        }
        assertEquals(3, pfns.size());
        assertEquals(Map.of(A, A + 3 * PAGE), mm.vmas());
        assertEquals(-1, mm.pfn(A + 3 * PAGE));
        assertEquals(mm.pfn(A + PAGE), mm.pfn(A + PAGE + 123), "pfn() takes any hva in the page");
    }

    @Test
    void userspaceReadsAndWritesGoThroughThePageTable() {
        mm.mmap(A, 2 * PAGE);
        mm.writeLong(A + PAGE + 16, 77);
        assertEquals(77, mm.readLong(A + PAGE + 16));
        assertEquals(77, mem.readLong(mm.pfn(A + PAGE), 16));
        assertEquals(0, mm.readLong(A + 16), "other page untouched");
        mm.writeLong(A + 4088, 5); // last aligned long of the first page
        assertEquals(5, mm.readLong(A + 4088));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mm.readLong(A + 4092));
        assertTrue(e.getMessage().contains("0x100ffc"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mm.writeLong(A + 2 * PAGE, 1));
        assertTrue(e.getMessage().contains("0x102000"), e.getMessage());
    }

    @Test
    void mmapRejectsBadArgumentsAndOverlapsLeavingStateUnchanged() {
        mm.mmap(A, 4 * PAGE);
        SortedMap<Long, Long> vmasBefore = mm.vmas();
        int freeBefore = mem.freePages();
        List<Executable> bad = List.of(
                () -> mm.mmap(A + 1, PAGE),                    // unaligned hva
                () -> mm.mmap(A + 8 * PAGE, 100),              // unaligned len
                () -> mm.mmap(A + 8 * PAGE, 0),                // zero length
                () -> mm.mmap(A + 8 * PAGE, -PAGE),            // negative length
                () -> mm.mmap(-PAGE, PAGE),                    // negative hva
                () -> mm.mmap(Long.MAX_VALUE - PAGE + 1, 2 * PAGE), // overflow
                () -> mm.mmap(A, 4 * PAGE),                    // identical
                () -> mm.mmap(A - PAGE, 2 * PAGE),             // overlaps the start
                () -> mm.mmap(A + 3 * PAGE, 2 * PAGE),         // overlaps the end
                () -> mm.mmap(A + PAGE, PAGE),                 // inside
                () -> mm.mmap(A - PAGE, 6 * PAGE));            // contains
        for (Executable call : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().contains("0x") || e.getMessage().contains("-"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mm.mmap(A + PAGE, PAGE));
        assertTrue(e.getMessage().contains("0x101000") && e.getMessage().contains("0x100000"), e.getMessage());
        assertEquals(vmasBefore, mm.vmas());
        assertEquals(freeBefore, mem.freePages());
        assertEquals(4, mm.mappedPages());
        mm.mmap(A - PAGE, PAGE); // touching on either side is fine
        mm.mmap(A + 4 * PAGE, PAGE);
        assertEquals(6, mm.mappedPages());
    }

    @Test
    void mmapOutOfMemoryMapsNothing() {
        PhysicalMemory small = new PhysicalMemory(4);
        HostMm smallMm = new HostMm(small, Guard.processDefault());
        assertThrows(HostOutOfMemoryException.class, () -> smallMm.mmap(A, 5 * PAGE));
        smallMm.mmap(A, 3 * PAGE);
        assertThrows(HostOutOfMemoryException.class, () -> smallMm.mmap(A + 8 * PAGE, 2 * PAGE));
        assertEquals(1, small.freePages());
        assertEquals(Map.of(A, A + 3 * PAGE), smallMm.vmas());
        assertEquals(-1, smallMm.pfn(A + 8 * PAGE));
        assertEquals(0, smallMm.audit().pagesLeaked());
    }

    @Test
    void munmapOfAHoleIsANoOpWithoutNotifierCalls() {
        RecordingNotifier n = new RecordingNotifier("n");
        mm.register(n);
        mm.mmap(A, 2 * PAGE);
        mm.munmap(A + 4 * PAGE, 4 * PAGE);
        mm.munmap(A - 8 * PAGE, 8 * PAGE); // ends exactly where the VMA starts
        assertEquals(List.of(), n.calls());
        assertEquals(62, mem.freePages());
        assertEquals(Map.of(A, A + 2 * PAGE), mm.vmas());
    }

    @Test
    void munmapRejectsUnalignedOrEmptyRanges() {
        mm.mmap(A, 2 * PAGE);
        assertThrows(IllegalArgumentException.class, () -> mm.munmap(A + 8, PAGE));
        assertThrows(IllegalArgumentException.class, () -> mm.munmap(A, PAGE + 1));
        assertThrows(IllegalArgumentException.class, () -> mm.munmap(A, 0));
        assertEquals(2, mm.mappedPages());
    }

    @Test
    void munmapInTheMiddleSplitsTheVmaAndFreesThePages() {
        RecordingNotifier n = new RecordingNotifier("n");
        mm.register(n);
        mm.mmap(A, 4 * PAGE);
        long p1 = mm.pfn(A + PAGE);
        long p2 = mm.pfn(A + 2 * PAGE);
        mm.writeLong(A + 3 * PAGE, 33);
        mm.munmap(A + PAGE, 2 * PAGE);
        assertEquals(Map.of(A, A + PAGE, A + 3 * PAGE, A + 4 * PAGE), mm.vmas());
        assertEquals(-1, mm.pfn(A + PAGE));
        assertEquals(-1, mm.pfn(A + 2 * PAGE));
        assertFalse(mem.isAllocated(p1));
        assertFalse(mem.isAllocated(p2));
        assertEquals(62, mem.freePages());
        assertEquals(33, mm.readLong(A + 3 * PAGE), "the remaining part keeps its page");
        MmuNotifierRange expected = new MmuNotifierRange(A + PAGE, A + 3 * PAGE, true, MmuNotifierRange.Event.UNMAP);
        assertEquals(List.of(new RecordingNotifier.Call(RecordingNotifier.Kind.START, expected, 0, true),
                new RecordingNotifier.Call(RecordingNotifier.Kind.END, expected, 0, true)), n.calls());
        mm.mmap(A + PAGE, 2 * PAGE); // the hole can be mapped again
        assertThrows(IllegalArgumentException.class, () -> mm.mmap(A + 3 * PAGE, PAGE));
    }

    @Test
    void munmapAcrossVmasAndHolesInvalidatesEachMappedPartInOrder() {
        RecordingNotifier n = new RecordingNotifier("n");
        mm.register(n);
        mm.mmap(A, 2 * PAGE);
        mm.mmap(A + 4 * PAGE, 2 * PAGE);
        mm.munmap(A + PAGE, 4 * PAGE);
        assertEquals(Map.of(A, A + PAGE, A + 5 * PAGE, A + 6 * PAGE), mm.vmas());
        List<RecordingNotifier.Call> starts = n.calls(RecordingNotifier.Kind.START);
        assertEquals(2, starts.size());
        assertEquals(A + PAGE, starts.get(0).range().start());
        assertEquals(A + 2 * PAGE, starts.get(0).range().end());
        assertEquals(A + 4 * PAGE, starts.get(1).range().start());
        assertEquals(A + 5 * PAGE, starts.get(1).range().end());
        assertEquals(0, n.openStarts());
        assertEquals(2, mm.mappedPages());
    }

    @Test
    void migrateKeepsContentsMovesThePfnAndFreesTheOldPage() {
        RecordingNotifier n = new RecordingNotifier("n");
        mm.register(n);
        mm.mmap(A, 2 * PAGE);
        long hva = A + PAGE;
        mm.writeLong(hva + 40, 1234);
        long oldPfn = mm.pfn(hva);
        KernelMapping old = mem.kmap(oldPfn);
        int free = mem.freePages();

        mm.migrate(hva);

        long newPfn = mm.pfn(hva);
        assertNotEquals(oldPfn, newPfn);
        assertEquals(1234, mm.readLong(hva + 40));
        assertFalse(mem.isAllocated(oldPfn));
        assertEquals(free, mem.freePages(), "one page in, one page out");
        assertTrue(old.isStale());
        assertEquals(0, mem.staleAccesses());
        old.getLong(40);
        assertEquals(1, mem.staleAccesses(), "the old kernel mapping is a use-after-free now");
        MmuNotifierRange expected = new MmuNotifierRange(hva, hva + PAGE, true, MmuNotifierRange.Event.MIGRATE);
        assertEquals(List.of(new RecordingNotifier.Call(RecordingNotifier.Kind.START, expected, 0, true),
                new RecordingNotifier.Call(RecordingNotifier.Kind.END, expected, 0, true)), n.calls());
        mem.kunmap(old);
        assertEquals(new MemoryAudit(1, 0, 0, 0), mm.audit());
    }

    @Test
    void migrateRejectsUnalignedOrUnmappedAddresses() {
        mm.mmap(A, PAGE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mm.migrate(A + 8));
        assertTrue(e.getMessage().contains("0x100008"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> mm.migrate(A + PAGE));
        assertTrue(e.getMessage().contains("0x101000"), e.getMessage());
        assertEquals(63, mem.freePages());
    }

    @Test
    void migrateOutOfMemoryChangesNothing() {
        PhysicalMemory small = new PhysicalMemory(2);
        HostMm smallMm = new HostMm(small, Guard.processDefault());
        RecordingNotifier n = new RecordingNotifier("n");
        smallMm.register(n);
        smallMm.mmap(A, 2 * PAGE);
        long before = smallMm.pfn(A);
        assertThrows(HostOutOfMemoryException.class, () -> smallMm.migrate(A));
        assertEquals(before, smallMm.pfn(A));
        assertEquals(List.of(), n.calls(), "allocation comes before the invalidation");
        assertEquals(0, small.freePages());
    }

    @Test
    void getUserPageTakesAReferenceAndFaultsOnUnmappedAddresses() {
        mm.mmap(A, PAGE);
        long pfn = mm.getUserPage(A + 100);
        assertEquals(mm.pfn(A), pfn);
        assertEquals(2, mem.refCount(pfn));
        assertEquals(-1, mm.getUserPage(A + PAGE));

        mm.munmap(A, PAGE);
        assertTrue(mem.isAllocated(pfn), "our reference keeps the page");
        assertEquals(1, mm.audit().pagesLeaked(), "allocated but in no pte");
        mem.put(pfn);
        assertFalse(mem.isAllocated(pfn));
        assertEquals(0, mm.audit().pagesLeaked());
    }

    @Test
    void getUserPageMightSleep() {
        mm.mmap(A, PAGE);
        long pfn = mm.pfn(A);
        ContextGuard.nonBlockStart();
        try {
            SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class, () -> mm.getUserPage(A));
            assertEquals("hva_to_pfn", e.report().site());
        } finally {
            ContextGuard.nonBlockEnd();
        }
        assertEquals(1, mem.refCount(pfn), "no reference taken");
    }

    @Test
    void auditCountsLeakedPagesAndWritesToFreedPages() {
        mm.mmap(A, 2 * PAGE);
        assertEquals(new MemoryAudit(0, 0, 0, 0), mm.audit());
        long stray = mem.allocate();
        assertEquals(1, mm.audit().pagesLeaked());
        KernelMapping m = mem.kmap(mm.pfn(A));
        assertEquals(1, mm.audit().pagesMapped());
        mm.munmap(A, PAGE);
        m.putLong(0, 1); // use after free: stale access, then found by the poison scan
        MemoryAudit audit = mm.audit();
        assertEquals(new MemoryAudit(1, 1, 1, 1), audit);
        assertFalse(audit.clean());
        assertEquals(1, mm.audit().writesToFreedPages(), "counted once");
        mem.kunmap(m);
        mem.put(stray);
        assertEquals(new MemoryAudit(1, 1, 0, 0), mm.audit());
    }

    @Test
    void registerTwiceIsRefusedAndUnregisterIsIdempotent() {
        RecordingNotifier n = new RecordingNotifier("n");
        mm.register(n);
        assertEquals(1, mm.notifierCount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mm.register(n));
        assertTrue(e.getMessage().contains("RecordingNotifier(n)"), e.getMessage());
        mm.unregister(n);
        mm.unregister(n);
        assertEquals(0, mm.notifierCount());
        mm.mmap(A, PAGE);
        mm.munmap(A, PAGE);
        assertEquals(List.of(), n.calls(), "an unregistered notifier is not called");
    }

    @Test
    void oomReapWithoutNotifiersZapsEveryPageButKeepsTheVmas() {
        mm.mmap(A, 2 * PAGE);
        mm.mmap(A + 8 * PAGE, 3 * PAGE);
        long pfn = mm.pfn(A);
        OomReapResult r = mm.oomReap(3, Duration.ZERO);
        assertEquals(new OomReapResult(true, 1, 2, 0), r);
        assertEquals(0, mm.mappedPages());
        assertEquals(64, mem.freePages());
        assertFalse(mem.isAllocated(pfn));
        assertEquals(Map.of(A, A + 2 * PAGE, A + 8 * PAGE, A + 11 * PAGE), mm.vmas());
        assertEquals(-1, mm.getUserPage(A), "a zapped address faults");
        assertEquals(new OomReapResult(true, 1, 0, 0), mm.oomReap(), "nothing left to reap");
    }

    @Test
    void oomReapRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> mm.oomReap(0, Duration.ZERO));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mm.oomReap(1, Duration.ofMillis(-1)));
        assertTrue(e.getMessage().contains("PT-0.001S"), e.getMessage());
    }

    @Test
    void oomReapFailsEveryAttemptWhileMmapLockIsHeld() throws Exception {
        mm.mmap(A, PAGE);
        CountDownLatch inStart = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RecordingNotifier blocker = new RecordingNotifier("blocker").onStart(r -> {
            if (r.event() == MmuNotifierRange.Event.UNMAP) {
                inStart.countDown();
                try {
                    assertTrue(release.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        });
        mm.register(blocker);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread unmapper = new Thread(() -> {
            try {
                mm.munmap(A, PAGE);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "unmapper");
        unmapper.start();
        try {
            assertTrue(inStart.await(10, TimeUnit.SECONDS));
            // munmap holds mmap_lock inside its start callback: every trylock fails.
            assertEquals(new OomReapResult(false, 3, 0, 0), mm.oomReap(3, Duration.ZERO));
        } finally {
            release.countDown();
            unmapper.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertFalse(unmapper.isAlive());
        assertNull(failure.get());
        assertEquals(0, mm.mappedPages());
        assertEquals(List.of(RecordingNotifier.Kind.START, RecordingNotifier.Kind.END),
                blocker.calls().stream().map(RecordingNotifier.Call::kind).toList(),
                "the reaper never reached the notifier");
    }

    @Test
    void oomReapStopsWhenInterrupted() {
        mm.mmap(A, PAGE);
        mm.register(new RecordingNotifier("refuser").refuseWhen(r -> true));
        Thread.currentThread().interrupt();
        try {
            OomReapResult r = mm.oomReap(5, Duration.ofSeconds(30));
            assertEquals(new OomReapResult(false, 1, 0, 1), r);
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
        }
        assertEquals(1, mm.mappedPages());
    }

    @Test
    void userspaceWritesAreNotLostAcrossConcurrentMigrations() throws Exception {
        mm.mmap(A, PAGE);
        int writes = 20_000;
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                start.await(10, TimeUnit.SECONDS);
                for (long i = 1; i <= writes; i++) {
                    mm.writeLong(A + 8, i);
                    long back = mm.readLong(A + 8);
                    if (back != i) {
                        throw new AssertionError("wrote " + i + ", read back " + back);
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                done.set(true);
            }
        }, "writer");
        writer.start();
        start.await(10, TimeUnit.SECONDS);
        int migrations = 0;
        while (!done.get()) {
            mm.migrate(A);
            migrations++;
        }
        writer.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(writer.isAlive());
        assertNull(failure.get());
        assertTrue(migrations > 0);
        assertEquals(writes, mm.readLong(A + 8));
        assertEquals(new MemoryAudit(0, 0, 0, 0), mm.audit());
        assertEquals(63, mem.freePages());
    }

    @Test
    void getUserPageRacingMunmapNeverReturnsAFreedPage() throws Exception {
        int rounds = 2_000;
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong hits = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread gup = new Thread(() -> {
            try {
                start.await(10, TimeUnit.SECONDS);
                while (!done.get()) {
                    long pfn = mm.getUserPage(A);
                    if (pfn >= 0) {
                        if (mem.refCount(pfn) < 1) {
                            throw new AssertionError("got pfn " + pfn + " without a reference");
                        }
                        hits.incrementAndGet();
                        mem.put(pfn);
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "gup");
        gup.start();
        try {
            start.await(10, TimeUnit.SECONDS);
            for (int i = 0; i < rounds; i++) {
                mm.mmap(A, PAGE);
                mm.munmap(A, PAGE);
            }
        } finally {
            done.set(true);
            gup.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertFalse(gup.isAlive());
        assertNull(failure.get());
        assertEquals(64, mem.freePages(), "every reference taken was dropped, every page freed");
        assertEquals(new MemoryAudit(0, 0, 0, 0), mm.audit());
    }
}
