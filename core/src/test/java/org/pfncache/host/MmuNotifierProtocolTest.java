package org.pfncache.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.SleepInInvalidContextError;
import org.pfncache.host.RecordingNotifier.Call;
import org.pfncache.host.RecordingNotifier.Kind;

/** R8-R10: how the host mm drives MMU notifiers. */
class MmuNotifierProtocolTest {
    static final long PAGE = PhysicalMemory.PAGE_SIZE;
    static final long A = 0x10_0000L;
    static final long B = 0x20_0000L;

    private final PhysicalMemory mem = new PhysicalMemory(64);
    private final HostMm mm = new HostMm(mem, Guard.processDefault());

    private static MmuNotifierRange oom(long start, long pages) {
        return new MmuNotifierRange(start, start + pages * PAGE, false, MmuNotifierRange.Event.OOM_REAP);
    }

    @Test
    void r8r9BlockableRangeStartsAllThenChangesThenEndsAll() {
        mm.mmap(A, 2 * PAGE);
        long pfn = mm.pfn(A);
        List<String> order = new ArrayList<>();
        RecordingNotifier first = new RecordingNotifier("first")
                .onStart(r -> order.add("start first pte=" + (mm.pfn(A) >= 0) + " page=" + mem.isAllocated(pfn)))
                .onEnd(r -> order.add("end first pte=" + (mm.pfn(A) >= 0) + " page=" + mem.isAllocated(pfn)));
        RecordingNotifier second = new RecordingNotifier("second")
                .onStart(r -> order.add("start second"))
                .onEnd(r -> order.add("end second"));
        mm.register(first);
        mm.register(second);
        mm.munmap(A, 2 * PAGE);
        // Page table and pages change between the last start and the first end; pages are
        // already freed when end runs.
        assertEquals(List.of("start first pte=true page=true", "start second",
                "end first pte=false page=false", "end second"), order);
        for (RecordingNotifier n : List.of(first, second)) {
            assertEquals(2, n.calls().size());
            assertEquals(n.calls().get(0).range(), n.calls().get(1).range());
            assertTrue(n.calls().get(0).range().blockable());
            assertEquals(0, n.openStarts());
        }
    }

    @Test
    void r10NonBlockIsOneInsideReaperCallbacksAndZeroForMunmapAndMigrate() {
        mm.mmap(A, 2 * PAGE);
        RecordingNotifier n = new RecordingNotifier("n");
        mm.register(n);
        mm.migrate(A);
        mm.munmap(A + PAGE, PAGE);
        assertEquals(new OomReapResult(true, 1, 1, 0), mm.oomReap(1, Duration.ZERO));
        List<Call> calls = n.calls();
        assertEquals(6, calls.size());
        for (Call c : calls.subList(0, 4)) {
            assertEquals(0, c.nonBlock(), c.toString());
            assertTrue(c.range().blockable());
        }
        for (Call c : calls.subList(4, 6)) {
            assertEquals(1, c.nonBlock(), c.toString());
            assertFalse(c.range().blockable());
            assertEquals(MmuNotifierRange.Event.OOM_REAP, c.range().event());
        }
        assertEquals(0, ContextGuard.nonBlockCount(), "balanced on the caller's thread");
    }

    @Test
    void blockableRangesMaySleepInsideCallbacks() {
        mm.mmap(A, PAGE);
        long pfn = mm.pfn(A);
        AtomicInteger gups = new AtomicInteger();
        mm.register(new RecordingNotifier("sleeper").onStart(r -> {
            long p = mm.getUserPage(A); // might-sleep: fine in a blockable range
            mem.kunmap(mem.kmap(p));
            mem.put(p);
            gups.incrementAndGet();
        }));
        mm.munmap(A, PAGE);
        assertEquals(1, gups.get());
        assertFalse(mem.isAllocated(pfn));
    }

    @Test
    void r10ReaperSkipsARefusedRangeEndsOnlyTheAcceptorsAndReapsTheRest() {
        mm.mmap(A, 2 * PAGE);
        mm.mmap(B, 3 * PAGE);
        long a0 = mm.pfn(A);
        RecordingNotifier good = new RecordingNotifier("good");
        RecordingNotifier busy = new RecordingNotifier("busy").refuseWhen(r -> !r.blockable() && r.start() == A);
        mm.register(good);
        mm.register(busy);

        OomReapResult r = mm.oomReap(2, Duration.ZERO);

        // Attempt 1: A refused, B reaped. Attempt 2: only A still has ptes, refused again.
        assertEquals(new OomReapResult(false, 2, 1, 2), r);
        assertEquals(a0, mm.pfn(A), "the refused range keeps its ptes");
        assertTrue(mm.pfn(A + PAGE) >= 0, "both pages of A still mapped");
        assertEquals(-1, mm.pfn(B));
        assertEquals(2, mm.mappedPages());
        assertEquals(Map.of(A, A + 2 * PAGE, B, B + 3 * PAGE), mm.vmas());

        MmuNotifierRange ra = oom(A, 2);
        MmuNotifierRange rb = oom(B, 3);
        assertEquals(List.of(new Call(Kind.START, ra, 1, true), new Call(Kind.END, ra, 1, true),
                new Call(Kind.START, rb, 1, true), new Call(Kind.END, rb, 1, true),
                new Call(Kind.START, ra, 1, true), new Call(Kind.END, ra, 1, true)), good.calls(),
                "the acceptor is ended on the refused range too");
        assertEquals(List.of(new Call(Kind.START, ra, 1, false),
                new Call(Kind.START, rb, 1, true), new Call(Kind.END, rb, 1, true),
                new Call(Kind.START, ra, 1, false)), busy.calls(),
                "the refuser gets no end for the range it refused");

        busy.refuseWhen(x -> false);
        assertEquals(new OomReapResult(true, 1, 1, 0), mm.oomReap(1, Duration.ZERO));
        assertEquals(0, mm.mappedPages());
        assertEquals(64, mem.freePages());
        assertEquals(0, good.openStarts());
        assertEquals(0, busy.openStarts());
    }

    @Test
    void r10LaterAttemptCompletesOnceTheNotifierAgrees() {
        mm.mmap(A, PAGE);
        mm.mmap(B, PAGE);
        AtomicInteger refusals = new AtomicInteger(2);
        RecordingNotifier busy = new RecordingNotifier("busy")
                .refuseWhen(r -> r.start() == A && refusals.getAndDecrement() > 0);
        RecordingNotifier good = new RecordingNotifier("good");
        mm.register(busy);
        mm.register(good);
        OomReapResult r = mm.oomReap(5, Duration.ofMillis(1));
        assertEquals(new OomReapResult(true, 3, 2, 2), r);
        assertEquals(0, mm.mappedPages());
        assertEquals(3, good.calls(Kind.END).stream().filter(c -> c.range().start() == A).count(),
                "good is ended for A on both refused attempts and the successful one");
        assertEquals(1, busy.calls(Kind.END).stream().filter(c -> c.range().start() == A).count());
    }

    @Test
    void r10DefaultReaperGivesUpAfterTenAttempts() {
        mm.mmap(A, PAGE);
        mm.register(new RecordingNotifier("never").refuseWhen(r -> !r.blockable()));
        long t0 = System.nanoTime();
        OomReapResult r = mm.oomReap(10, Duration.ofMillis(5));
        long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(new OomReapResult(false, 10, 0, 10), r);
        assertTrue(elapsedMillis >= 9 * 5, "nine pauses between ten attempts, took " + elapsedMillis + " ms");
        assertEquals(1, mm.mappedPages());
    }

    @Test
    void aBlockableRefusalIsABugThatEndsTheOthersAndChangesNothing() {
        mm.mmap(A, PAGE);
        long pfn = mm.pfn(A);
        RecordingNotifier good = new RecordingNotifier("good");
        RecordingNotifier bad = new RecordingNotifier("bad").refuseWhen(r -> true);
        mm.register(good);
        mm.register(bad);
        int free = mem.freePages();

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mm.munmap(A, PAGE));
        assertTrue(e.getMessage().contains("RecordingNotifier(bad)"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> mm.migrate(A));
        assertTrue(e.getMessage().contains("RecordingNotifier(bad)"), e.getMessage());

        assertEquals(pfn, mm.pfn(A));
        assertEquals(free, mem.freePages(), "migrate returned its new page");
        assertEquals(0, good.openStarts());
        assertEquals(2, good.calls(Kind.END).size());
        assertEquals(0, bad.calls(Kind.END).size());
        // mmap_lock was released: the reaper's trylock succeeds and another munmap goes through.
        mm.unregister(bad);
        assertEquals(new OomReapResult(true, 1, 1, 0), mm.oomReap(1, Duration.ZERO));
        mm.munmap(A, PAGE);
        assertEquals(Map.of(), mm.vmas());
    }

    @Test
    void r12aStartThatSleepsInTheReaperThrowsAndLeavesThePageTableUnchanged() {
        mm.mmap(A, PAGE);
        long pfn = mm.pfn(A);
        RecordingNotifier good = new RecordingNotifier("good");
        RecordingNotifier sleeper = new RecordingNotifier("sleeper").onStart(r -> mm.getUserPage(r.start()));
        mm.register(good);
        mm.register(sleeper);

        SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class,
                () -> mm.oomReap(3, Duration.ZERO));

        assertEquals("hva_to_pfn", e.report().site());
        assertEquals(1, e.report().nonBlock());
        assertFalse(e.report().inAtomic());
        assertEquals(List.of("mmap_lock at oom_reap_task_mm"), e.report().locksHeld());
        assertEquals(pfn, mm.pfn(A));
        assertEquals(1, mem.refCount(pfn));
        assertEquals(List.of(new Call(Kind.START, oom(A, 1), 1, true), new Call(Kind.END, oom(A, 1), 1, true)),
                good.calls(), "the notifier that had started is ended");
        assertEquals(0, ContextGuard.nonBlockCount());
        assertEquals(List.of(), ContextGuard.heldLocks(), "mmap_lock released");
        mm.unregister(sleeper);
        assertEquals(new OomReapResult(true, 1, 1, 0), mm.oomReap(1, Duration.ZERO));
    }

    @Test
    void aThrowingStartInMunmapOrMigrateEndsTheOthersAndChangesNothing() {
        mm.mmap(A, 2 * PAGE);
        long pfn = mm.pfn(A);
        RuntimeException boom = new RuntimeException("boom");
        RecordingNotifier good = new RecordingNotifier("good");
        RecordingNotifier thrower = new RecordingNotifier("thrower").onStart(r -> {
            throw boom;
        });
        mm.register(good);
        mm.register(thrower);
        int free = mem.freePages();

        assertSame(boom, assertThrows(RuntimeException.class, () -> mm.munmap(A, 2 * PAGE)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> mm.migrate(A)));

        assertEquals(pfn, mm.pfn(A));
        assertEquals(2, mm.mappedPages());
        assertEquals(Map.of(A, A + 2 * PAGE), mm.vmas());
        assertEquals(free, mem.freePages());
        assertEquals(2, good.calls(Kind.END).size());
        assertEquals(0, good.openStarts());
        assertEquals(List.of(), thrower.calls(), "the thrower recorded nothing: it never returned");
        assertEquals(List.of(), ContextGuard.heldLocks());
    }

    @Test
    void aThrowOnALaterPartLeavesEarlierPartsUnmapped() {
        mm.mmap(A, PAGE);
        mm.mmap(B, PAGE);
        RecordingNotifier picky = new RecordingNotifier("picky").onStart(r -> {
            if (r.start() == B) {
                throw new IllegalStateException("not B");
            }
        });
        mm.register(picky);
        assertThrows(IllegalStateException.class, () -> mm.munmap(A, B + PAGE - A));
        assertEquals(-1, mm.pfn(A));
        assertTrue(mm.pfn(B) >= 0);
        assertEquals(Map.of(B, B + PAGE), mm.vmas());
    }

    @Test
    void anEndThatThrowsStillLetsTheOthersEnd() {
        mm.mmap(A, PAGE);
        RecordingNotifier thrower = new RecordingNotifier("thrower").onEnd(r -> {
            throw new IllegalStateException("end failed");
        });
        RecordingNotifier good = new RecordingNotifier("good");
        mm.register(thrower);
        mm.register(good);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mm.munmap(A, PAGE));
        assertEquals("end failed", e.getMessage());
        assertEquals(0, good.openStarts());
        assertEquals(-1, mm.pfn(A), "the change was made before the ends");
        assertEquals(List.of(), ContextGuard.heldLocks());
    }
}
