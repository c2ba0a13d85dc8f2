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

    /**
     * mn_hlist_invalidate_range_start: every start is called even after one failed; then the end
     * of every notifier with an end callback is called, the failing one included, and the reaper
     * (__oom_reap_task_mm) skips the VMA and goes on with the next, with or without ptes.
     */
    @Test
    void mn_hlist_invalidate_range_start_endsEveryNotifierAfterAFailureAndTheReaperSkipsTheVma() {
        mm.mmap(A, 2 * PAGE);
        mm.mmap(B, 3 * PAGE);
        long a0 = mm.pfn(A);
        RecordingNotifier good = new RecordingNotifier("good");
        RecordingNotifier busy = new RecordingNotifier("busy").refuseWhen(r -> !r.blockable() && r.start() == A);
        mm.register(good);
        mm.register(busy);

        OomReapResult r = mm.oomReap(2, Duration.ZERO);

        // Each attempt: A failed (skipped), B reaped (its ptes are gone after the first).
        assertEquals(new OomReapResult(false, 2, 2, 2), r);
        assertEquals(a0, mm.pfn(A), "the failed range keeps its ptes");
        assertTrue(mm.pfn(A + PAGE) >= 0, "both pages of A still mapped");
        assertEquals(-1, mm.pfn(B));
        assertEquals(2, mm.mappedPages());
        assertEquals(Map.of(A, A + 2 * PAGE, B, B + 3 * PAGE), mm.vmas());
        assertEquals(2, mm.notifierFailures());

        MmuNotifierRange ra = oom(A, 2);
        MmuNotifierRange rb = oom(B, 3);
        List<Call> attempt = List.of(new Call(Kind.START, ra, 1, true), new Call(Kind.END, ra, 1, true),
                new Call(Kind.START, rb, 1, true), new Call(Kind.END, rb, 1, true));
        assertEquals(List.of(attempt, attempt).stream().flatMap(List::stream).toList(), good.calls(),
                "the notifier that accepted is ended on the failed range");
        List<Call> busyAttempt = List.of(new Call(Kind.START, ra, 1, false), new Call(Kind.END, ra, 1, true),
                new Call(Kind.START, rb, 1, true), new Call(Kind.END, rb, 1, true));
        assertEquals(List.of(busyAttempt, busyAttempt).stream().flatMap(List::stream).toList(), busy.calls(),
                "the failing notifier has an end callback: the core calls it too");

        busy.refuseWhen(x -> false);
        assertTrue(mm.oomSkip(), "MMF_OOM_SKIP is set whether or not the reap completed");
        assertEquals(new OomReapResult(true, 1, 0, 0), mm.oomReap(1, Duration.ZERO),
                "MMF_OOM_SKIP: a later reap leaves the mm alone");
        assertEquals(2, mm.mappedPages());
        mm.clearOomSkip();
        assertEquals(new OomReapResult(true, 1, 2, 0), mm.oomReap(1, Duration.ZERO));
        assertEquals(0, mm.mappedPages());
        assertEquals(64, mem.freePages());
    }

    /** The WARN_ON(ops->invalidate_range_end) of mn_hlist_invalidate_range_start, as a guard WARN. */
    @Test
    void mn_hlist_invalidate_range_start_warnsWhenANotifierWithAnEndCallbackFails() {
        org.pfncache.guard.Guard g = org.pfncache.guard.Guard.create(org.pfncache.PreemptionModel.NONE,
                org.pfncache.GuardPolicy.THROW, null, false);
        HostMm own = new HostMm(mem, g);
        own.mmap(A, PAGE);
        own.register(new RecordingNotifier("busy").refuseWhen(r -> !r.blockable()));
        MmuNotifier noEnd = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(MmuNotifierRange range) {
                return range.blockable();
            }

            @Override
            public void invalidateRangeEnd(MmuNotifierRange range) {
                throw new AssertionError("a notifier without an end callback is never ended");
            }

            @Override
            public boolean hasInvalidateRangeEnd() {
                return false;
            }
        };
        own.register(noEnd);
        assertFalse(own.oomReap(1, Duration.ZERO).complete(), "THROW does not stop the reaper at a WARN");
        assertEquals(1, g.reports().size(), "only the notifier that has an end callback WARNs: " + g.reports());
        org.pfncache.guard.GuardReport w = g.reports().get(0);
        assertEquals(org.pfncache.guard.GuardReport.Kind.WARN, w.kind());
        assertTrue(w.format().contains("WARN_ON(ops->invalidate_range_end)"), w.format());
        assertEquals(2, own.notifierFailures());
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
        assertEquals(new OomReapResult(true, 3, 4, 2), r, "B is reaped on every attempt, A on the third");
        assertEquals(0, mm.mappedPages());
        assertEquals(3, good.calls(Kind.END).stream().filter(c -> c.range().start() == A).count(),
                "good is ended for A on both failed attempts and the successful one");
        assertEquals(3, busy.calls(Kind.END).stream().filter(c -> c.range().start() == A).count(),
                "busy too: it has an end callback");
    }

    /**
     * oom_reap_task: MAX_OOM_REAP_RETRIES attempts, schedule_timeout_idle(HZ/10) after every failed
     * one, the tenth included; then "unable to reap" and MMF_OOM_SKIP.
     */
    @Test
    void oom_reap_task_sleepsAfterEveryFailedAttemptThenGivesUpAndSetsOomSkip() {
        mm.mmap(A, PAGE);
        mm.register(new RecordingNotifier("never").refuseWhen(r -> !r.blockable()));
        long t0 = System.nanoTime();
        OomReapResult r = mm.oomReap(HostMm.MAX_OOM_REAP_RETRIES, Duration.ofMillis(5));
        long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(new OomReapResult(false, 10, 0, 10), r);
        assertTrue(elapsedMillis >= 10 * 5, "ten pauses after ten failed attempts, took " + elapsedMillis + " ms");
        assertEquals(1, mm.mappedPages());
        assertEquals(1, mm.unableToReap(), "oom_reaper: unable to reap");
        assertTrue(mm.oomSkip());
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
        assertEquals(2, bad.calls(Kind.END).size(), "the core ends every notifier with an end callback");
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
        assertEquals(List.of("&mm->mmap_lock at oom_reap_task_mm",
                "mmu_notifier_invalidate_range_start at __oom_reap_task_mm",
                "srcu at __mmu_notifier_invalidate_range_start"), e.report().locksHeld());
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
