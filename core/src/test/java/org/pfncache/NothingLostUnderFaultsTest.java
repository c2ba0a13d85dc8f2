package org.pfncache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.GuardReport;
import org.pfncache.guard.SleepInInvalidContextError;
import org.pfncache.host.MemoryAudit;
import org.pfncache.sync.RawSpinLock;

/**
 * Issue 9, "Nothing lost under faults": a Vm closed while operations run, sections used from the
 * wrong thread, guard errors inside operations, caches the caller dropped, a reader function that
 * refreshes its own cache, concurrent closes. Every wait is a latch or a bounded poll of a thread's
 * state; nothing sleeps to synchronise.
 */
class NothingLostUnderFaultsTest {
    private static final long HVA = 0x7f00_0000_0000L;
    private static final int PAGE = PfnCache.PAGE_SIZE;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Vm> vms = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Thread t : threads) {
            t.interrupt();
            t.join(10_000);
        }
        for (Vm vm : vms) {
            vm.close();
        }
    }

    private Vm vm(InvalidationStrategy s, GuardPolicy p, Consumer<GuardReport> listener) {
        Vm vm = Vm.builder().strategy(s).guardPolicy(p).guardListener(listener).guardLogging(false)
                .physicalPages(64).build();
        vm.mm().mmap(HVA, 8L * PAGE);
        vm.memslots().set(0, 0, 8, HVA);
        vms.add(vm);
        return vm;
    }

    private Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    /** Waits (bounded) until {@code t} has ended or is blocked/parked; true if it ended. */
    private static boolean endsOrBlocks(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            Thread.State st = t.getState();
            if (st == Thread.State.TERMINATED) {
                return true;
            }
            if (st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING || st == Thread.State.BLOCKED) {
                return false;
            }
            t.join(1); // bounded wait on the thread itself, not a sleep
        }
        throw new AssertionError(t.getName() + " neither ended nor blocked within 10 s: " + t.getState());
    }

    // ---- item 1: activate racing close --------------------------------------------------------

    /**
     * activate() stalls right after its open check (its refresh_lock acquisition reports a guard
     * violation, and the listener holds the thread there); close() runs meanwhile. Close must wait
     * for the operation or make it fail: when close() returns, nothing is active or mapped, and a
     * later deactivate is a harmless no-op, SRCU included.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rwlock", "srcu", "seqcount"})
    void closeIsAtomicWithRespectToActivate(String strategy) throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        Vm vm = vm(InvalidationStrategy.byName(strategy), GuardPolicy.REPORT, r -> {
            if (Thread.currentThread().getName().equals("activator")) {
                stalled.countDown();
                try {
                    go.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        PfnCache c = vm.newCache();
        AtomicReference<Throwable> activateFailure = new AtomicReference<>();
        Thread activator = start("activator", () -> {
            ContextGuard.preemptDisable(); // makes refresh_lock's might_sleep report: the stall point
            try {
                c.activate(0x1000, 8);
            } catch (Throwable t) {
                activateFailure.set(t);
            } finally {
                ContextGuard.preemptEnable();
            }
        });
        assertTrue(stalled.await(30, TimeUnit.SECONDS));
        AtomicReference<Throwable> closeFailure = new AtomicReference<>();
        Thread closer = start("closer", () -> {
            try {
                vm.close();
            } catch (Throwable t) {
                closeFailure.set(t);
            }
        });
        endsOrBlocks(closer);
        go.countDown();
        activator.join(30_000);
        closer.join(30_000);
        assertFalse(activator.isAlive());
        assertFalse(closer.isAlive());
        assertNull(closeFailure.get());
        Throwable af = activateFailure.get();
        if (af != null) {
            assertTrue(af instanceof IllegalStateException, af.toString());
        }
        assertFalse(c.isActive(), "no cache stays active on a closed Vm");
        assertEquals(0, vm.activeCaches());
        assertEquals(0, vm.memory().liveMappings(), "nothing stays mapped after close");
        c.deactivate(); // idempotent and safe after close, SRCU included
        assertThrows(IllegalStateException.class, () -> c.activate(0x1000, 8));
        assertThrows(IllegalStateException.class, vm::newCache);
    }

    /** Many short races of activate against close: never an active cache or a mapping left. */
    @ParameterizedTest
    @ValueSource(strings = {"rwlock", "srcu"})
    void activateAndCloseRaceLeavesNothing(String strategy) throws Exception {
        for (int i = 0; i < 100; i++) {
            Vm vm = vm(InvalidationStrategy.byName(strategy), GuardPolicy.THROW, null);
            PfnCache c = vm.newCache();
            CountDownLatch ready = new CountDownLatch(2);
            CountDownLatch go = new CountDownLatch(1);
            Runnable activate = () -> {
                ready.countDown();
                try {
                    go.await();
                    c.activate(0x1000, 8);
                } catch (IllegalStateException | InterruptedException expected) {
                    // lost the race to close
                }
            };
            Thread a = start("activator-" + i, activate);
            Thread b = start("closer-" + i, () -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                vm.close();
            });
            assertTrue(ready.await(10, TimeUnit.SECONDS));
            go.countDown();
            a.join(10_000);
            b.join(10_000);
            assertFalse(c.isActive(), "trial " + i);
            assertEquals(0, vm.memory().liveMappings(), "trial " + i);
            c.deactivate();
        }
    }

    // ---- item 3: sections are single-thread objects --------------------------------------------

    @Test
    void sectionClosedByAnotherThreadIsRefusedAndBothContextsStayIntact() throws Exception {
        Vm vm = vm(InvalidationStrategy.rwlock(), GuardPolicy.THROW, null);
        PfnCache c = vm.newCache();
        c.activate(0x1000, 8);
        AtomicReference<PfnCache.Section> section = new AtomicReference<>();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch othersDone = new CountDownLatch(1);
        AtomicReference<Throwable> ownerFailure = new AtomicReference<>();
        int[] ownerPreempt = new int[3];
        Thread owner = start("section-owner", () -> {
            try {
                PfnCache.Section s = c.enter();
                ownerPreempt[0] = ContextGuard.preemptCount();
                section.set(s);
                entered.countDown();
                assertTrue(othersDone.await(30, TimeUnit.SECONDS));
                ownerPreempt[1] = ContextGuard.preemptCount();
                assertTrue(s.check(8));
                assertTrue(s.validate());
                s.close();
                ownerPreempt[2] = ContextGuard.preemptCount();
                c.refresh(8); // no false BUG: the owner's context is balanced
            } catch (Throwable t) {
                ownerFailure.set(t);
            }
        });
        assertTrue(entered.await(30, TimeUnit.SECONDS));
        PfnCache.Section s = section.get();
        int before = ContextGuard.preemptCount();
        for (Runnable wrong : List.<Runnable>of(s::close, () -> s.check(8), s::khva, s::validate)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, wrong::run);
            assertTrue(e.getMessage().contains("section-owner"), e.getMessage());
            assertTrue(e.getMessage().contains(Thread.currentThread().getName()), e.getMessage());
        }
        assertEquals(before, ContextGuard.preemptCount(), "the other thread's context is untouched");
        assertTrue(ContextGuard.heldLocks().isEmpty());
        othersDone.countDown();
        owner.join(30_000);
        assertNull(ownerFailure.get());
        assertEquals(1, ownerPreempt[0]);
        assertEquals(1, ownerPreempt[1], "the owner still holds its read side");
        assertEquals(0, ownerPreempt[2]);
        assertTrue(vm.guardReports().isEmpty(), vm.guardReports().toString());
    }

    // ---- item 4: a guard error inside an operation leaves no guard scope -----------------------

    /**
     * activate/refresh/deactivate hit a guard error (THROW) at refresh_lock while a raw spinlock
     * is held. Afterwards the thread must be back in the process default domain: a might_sleep
     * report lands there, not in the Vm's domain.
     */
    @ParameterizedTest
    @ValueSource(strings = {"activate", "refresh", "deactivate"})
    void guardErrorInAnOperationLeavesNoGuardScope(String op) {
        Vm vm = vm(InvalidationStrategy.rwlock(), GuardPolicy.THROW, null);
        PfnCache c = vm.newCache();
        if (!op.equals("activate")) {
            c.activate(0x1000, 8);
        }
        RawSpinLock raw = new RawSpinLock("test raw lock", vm.guard());
        raw.lock();
        try {
            assertThrows(SleepInInvalidContextError.class, () -> {
                switch (op) {
                    case "activate" -> c.activate(0x1000, 8);
                    case "refresh" -> c.refresh(8);
                    default -> c.deactivate();
                }
            });
        } finally {
            raw.unlock();
        }
        long vmReports = vm.guard().reportCount();
        org.pfncache.guard.Guard.setDefaultPolicy(GuardPolicy.REPORT);
        long defaultReports = org.pfncache.guard.Guard.processDefault().reportCount();
        ContextGuard.preemptDisable();
        try {
            ContextGuard.mightSleep("scope probe");
        } finally {
            ContextGuard.preemptEnable();
            org.pfncache.guard.Guard.setDefaultPolicy(GuardPolicy.THROW);
        }
        assertEquals(vmReports, vm.guard().reportCount(), "the Vm's scope was left on the thread");
        assertEquals(defaultReports + 1, org.pfncache.guard.Guard.processDefault().reportCount());
    }

    // ---- item 5: the Vm does not keep caches the caller dropped ---------------------------------

    @Test
    void deactivatedCachesAreNotRetainedByTheVm() {
        Vm vm = vm(InvalidationStrategy.rwlock(), GuardPolicy.THROW, null);
        PfnCache kept = vm.newCache();
        kept.activate(0x2000, 8);
        for (int i = 0; i < 2000; i++) {
            PfnCache c = vm.newCache();
            c.activate(0x1000, 8);
            c.deactivate();
        }
        assertEquals(1, vm.registeredCaches(), "only the active cache is tracked");
        kept.deactivate();
        assertEquals(0, vm.registeredCaches());
        vm.close();
        assertEquals(0, vm.memory().liveMappings());
    }

    @Test
    void aDeactivatedCacheTheCallerDroppedIsCollected() throws InterruptedException {
        Vm vm = vm(InvalidationStrategy.srcu(), GuardPolicy.THROW, null);
        ReferenceQueue<PfnCache> queue = new ReferenceQueue<>();
        WeakReference<PfnCache> ref = dropped(vm, queue);
        Reference<? extends PfnCache> collected = null;
        for (int i = 0; i < 50 && collected == null; i++) {
            System.gc();
            collected = queue.remove(100);
        }
        assertSame(ref, collected, "the Vm still reaches a cache its caller dropped");
    }

    private static WeakReference<PfnCache> dropped(Vm vm, ReferenceQueue<PfnCache> queue) {
        PfnCache c = vm.newCache();
        c.activate(0x1000, 8);
        assertEquals(8, c.readLong(8, k -> 8));
        c.deactivate();
        return new WeakReference<>(c, queue);
    }

    // ---- item 7 ------------------------------------------------------------------------------

    /** SEQCOUNT: a reader function that refreshes its own cache would re-run forever. */
    @Test
    void seqcountReaderThatRefreshesItsOwnCacheIsRefused() {
        Vm vm = vm(InvalidationStrategy.seqcount(), GuardPolicy.THROW, null);
        PfnCache c = vm.newCache();
        c.activate(0x1000, 8);
        IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(IllegalStateException.class, () -> c.read(8, k -> {
                    c.refresh(8);
                    return k.getLong(0);
                })));
        assertTrue(e.getMessage().contains("its own"), e.getMessage());
        // The cache is still usable, and a reader that does not refresh works.
        assertEquals(0L, c.readLong(8, k -> k.getLong(0)));
        c.refresh(8);
    }

    @Test
    void physicalPagesHasAnUpperBound() {
        Vm.Builder b = Vm.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.physicalPages(Vm.MAX_PHYSICAL_PAGES + 1));
        assertTrue(e.getMessage().contains(Integer.toString(Vm.MAX_PHYSICAL_PAGES)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.physicalPages(0));
        assertSame(b, b.physicalPages(Vm.MAX_PHYSICAL_PAGES));
    }

    /**
     * A second close() while the first is still deactivating (held in a guard listener) must not
     * return before the first has finished.
     */
    @Test
    void aSecondCloseWaitsForTheFirst() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        Vm vm = vm(InvalidationStrategy.rwlock(), GuardPolicy.REPORT, r -> {
            if (Thread.currentThread().getName().equals("closer-1")) {
                stalled.countDown();
                try {
                    go.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        PfnCache c = vm.newCache();
        c.activate(0x1000, 8);
        Thread first = start("closer-1", () -> {
            ContextGuard.preemptDisable(); // deactivate's refresh_lock reports: the stall point
            try {
                vm.close();
            } finally {
                ContextGuard.preemptEnable();
            }
        });
        assertTrue(stalled.await(30, TimeUnit.SECONDS));
        boolean[] activeWhenSecondReturned = new boolean[1];
        Thread second = start("closer-2", () -> {
            vm.close();
            activeWhenSecondReturned[0] = c.isActive() || vm.memory().liveMappings() != 0;
        });
        assertFalse(endsOrBlocks(second), "the second close() returned while the first was still running");
        go.countDown();
        first.join(30_000);
        second.join(30_000);
        assertFalse(second.isAlive());
        assertFalse(activeWhenSecondReturned[0]);
        assertNotNull(vm);
    }
}
