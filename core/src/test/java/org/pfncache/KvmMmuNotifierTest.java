package org.pfncache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pfncache.guard.Guard;
import org.pfncache.guard.GuardReport;
import org.pfncache.host.MmuNotifier;
import org.pfncache.host.MmuNotifierRange;

/**
 * The KVM side of the MMU notifier, one test per kernel function it mirrors (docs/semantics.md,
 * R5, R8, R9, R11 and the RT lock kinds of R13): the walk of gpc_list, kvm_handle_hva_range and
 * mmu_lock, mmu_notifier_retry_cache and the window it leaves outside memslots,
 * kvm_swap_active_memslots.
 */
@Timeout(60)
class KvmMmuNotifierTest {
    private static final int PAGE = PfnCache.PAGE_SIZE;
    /** Memslot 0 covers [IN, IN + 8 pages); OUT is mapped but in no memslot. */
    private static final long IN = 0x7f00_0000_0000L;
    private static final long OUT = 0x7e00_0000_0000L;

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r);
        t.setDaemon(true);
        return t;
    });
    private Vm vm;

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        if (vm != null) {
            vm.close();
        }
    }

    private Vm vm(Vm.Builder b) {
        vm = b.physicalPages(64).build();
        vm.mm().mmap(IN, 8L * PAGE);
        vm.mm().mmap(OUT, 2L * PAGE);
        vm.memslots().set(0, 0, 8, IN);
        return vm;
    }

    static List<InvalidationStrategy> strategies() {
        return InvalidationStrategy.builtIns();
    }

    // ---- gfn_to_pfn_cache_invalidate_start (R8) ----

    /**
     * The kernel walks every active cache and takes its lock's read side, in range or not: under
     * RT with raw notifier locks, an invalidation far from any cache still sleeps at the read side
     * of the one active cache. The index option skips it (a different cost, a different verdict).
     */
    @Test
    void gfn_to_pfn_cache_invalidate_start_takesEveryActiveCachesReadSide() throws Exception {
        vm(Vm.builder().preemption(PreemptionModel.RT).notifierLock(LockKind.RAW_SPINLOCK)
                .mmuLock(LockKind.RAW_SPINLOCK).guardPolicy(GuardPolicy.REPORT).guardLogging(false));
        vm.newCache().activate(gpa(1), 8);
        vm.mm().munmap(IN + 5L * PAGE, PAGE); // no cache there
        List<GuardReport> reports = vm.guardReports();
        assertEquals(1, reports.size(), reports::toString);
        assertEquals("&gpc->lock (read)", reports.get(0).site());
        assertTrue(reports.get(0).format().contains("  rt_read_lock\n  gfn_to_pfn_cache_invalidate_start\n"),
                reports.get(0).format());
        vm.close();

        vm(Vm.builder().preemption(PreemptionModel.RT).notifierLock(LockKind.RAW_SPINLOCK)
                .mmuLock(LockKind.RAW_SPINLOCK).invalidationIndex(true).guardPolicy(GuardPolicy.REPORT)
                .guardLogging(false));
        vm.newCache().activate(gpa(1), 8);
        vm.mm().munmap(IN + 5L * PAGE, PAGE);
        assertEquals(List.of(), vm.guardReports(), "the index visits only caches in the range");
    }

    /** pfncache.c takes read_lock_irq/write_lock_irq: under PREEMPT_NONE irqs are off inside. */
    @Test
    void gfn_to_pfn_cache_invalidate_start_writeLockIrqDisablesIrqsOnlyWithoutRt() {
        for (PreemptionModel m : PreemptionModel.values()) {
            Guard g = Guard.create(m, GuardPolicy.REPORT, null, false);
            InvalidationStrategy.CacheLock lock = InvalidationStrategy.rwlock().newCacheLock(new TestContext(g));
            MmuNotifierRange range = new MmuNotifierRange(IN, IN + PAGE, true, MmuNotifierRange.Event.UNMAP);
            assertTrue(lock.invalidateWriteLock(range));
            try {
                g.mightSleep("probe");
            } finally {
                lock.invalidateWriteUnlock();
            }
            GuardReport r = g.reports().get(0);
            assertEquals(m == PreemptionModel.NONE, r.irqsDisabled(), m + ": " + r.format());
            g.mightSleep("after");
            assertEquals(1, g.reports().size(), m + ": irqs back on and the lock released after write_unlock_irq");
        }
    }

    /**
     * The walk's lock orders it with refresh (R5): a refresh that passed its retry check holds the
     * write side until it has published, so an invalidation that starts then must wait at this
     * cache and clear what was published; it may not free the page under it. (A lock-free walk
     * test let the invalidation pass and the refresh publish a page that was then freed.)
     */
    @ParameterizedTest
    @MethodSource("strategies")
    void gfn_to_pfn_cache_invalidate_start_waitsForARefreshBetweenItsCheckAndItsPublish(InvalidationStrategy s)
            throws Exception {
        vm(Vm.builder().strategy(s));
        PfnCache c = vm.newCache();
        c.activate(gpa(1), 8);
        vm.mm().migrate(IN + PAGE); // invalid: the next refresh runs hva_to_pfn_retry
        AtomicBoolean overtook = new AtomicBoolean();
        AtomicReference<Future<?>> migrate = new AtomicReference<>();
        c.publishHook = () -> {
            c.publishHook = null;
            migrate.set(pool.submit(() -> vm.mm().migrate(IN + PAGE)));
            try {
                migrate.get().get(200, TimeUnit.MILLISECONDS);
                overtook.set(true);
            } catch (TimeoutException e) {
                // Expected: the walk waits at this cache's lock.
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        c.refresh(8);
        migrate.get().get(30, TimeUnit.SECONDS);
        assertFalse(overtook.get(), "the invalidation overtook a refresh holding the write side");
        assertEquals(vm.mm().readLong(IN + PAGE), c.readLong(8, k -> k.getLong(0)));
        assertEquals(vm.mm().pfn(IN + PAGE), c.pfn());
        vm.close();
        assertEquals(0, vm.mm().audit().staleAccesses(), vm.mm().audit().toString());
    }

    // ---- kvm_handle_hva_range and kvm->mmu_lock (R8, R9) ----

    /**
     * kvm_handle_hva_range takes mmu_lock (x86's rwlock_t) for write only when a memslot overlaps
     * the range. Under RT in the reaper's non-blockable range that sleeps, so raw notifier locks
     * alone do not save the reaper; a raw mmu_lock does.
     */
    @Test
    void kvm_handle_hva_range_takesMmuLockOnlyWhenAMemslotOverlaps() {
        for (LockKind mmu : LockKind.values()) {
            vm(Vm.builder().strategy(InvalidationStrategy.srcu()).preemption(PreemptionModel.RT)
                    .notifierLock(LockKind.RAW_SPINLOCK).mmuLock(mmu).guardPolicy(GuardPolicy.REPORT)
                    .guardLogging(false));
            assertTrue(vm.mm().oomReap(1, Duration.ZERO).complete());
            List<String> sites = vm.guardReports().stream().map(GuardReport::site).toList();
            if (mmu == LockKind.SPINLOCK) {
                // Two VMAs reaped, one in a memslot: start and end each take mmu_lock for it once.
                assertEquals(List.of("&kvm->mmu_lock (write)", "&kvm->mmu_lock (write)"), sites);
                assertEquals("BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:240",
                        vm.guardReports().get(0).title());
            } else {
                assertEquals(List.of(), sites, "a raw mmu_lock never sleeps");
            }
            vm.close();
        }
    }

    /** kvm_mmu_invalidate_end bumps mmu_invalidate_seq under mmu_lock, only where a memslot overlapped. */
    @Test
    void kvm_mmu_invalidate_end_bumpsTheSequenceOnlyWhenAMemslotOverlaps() {
        vm(Vm.builder());
        long seq = vm.mmuInvalidateSeq();
        vm.mm().munmap(OUT, PAGE);
        assertEquals(seq, vm.mmuInvalidateSeq(), "no memslot covers OUT");
        vm.mm().munmap(IN, PAGE);
        assertEquals(seq + 1, vm.mmuInvalidateSeq());
        vm.mm().migrate(IN + PAGE);
        assertEquals(seq + 2, vm.mmuInvalidateSeq());
        assertEquals(0, vm.activeInvalidateCount());
    }

    // ---- mmu_notifier_retry_cache (R5) and its window (R9) ----

    /**
     * Inside a memslot: a whole invalidation (start to end) between the refresh's page fault and
     * its check bumps the sequence, so the refresh goes round again and maps the new page.
     */
    @Test
    void mmu_notifier_retry_cache_catchesAWholeInvalidationInsideAMemslot() {
        vm(Vm.builder());
        PfnCache c = vm.newCache();
        c.activateHva(IN + 2L * PAGE, 8);
        straddleOneRefresh(c, IN + 2L * PAGE);
        assertEquals(vm.mm().pfn(IN + 2L * PAGE), c.pfn(), "retried: the cache maps the page's new pfn");
        c.readLong(8, k -> k.getLong(0));
        assertEquals(0, vm.mm().audit().staleAccesses());
    }

    /**
     * The window the kernel leaves (docs/semantics.md, R9): for an hva-based cache outside every
     * memslot, end does not bump the sequence, so a refresh whose fault and check straddle a whole
     * invalidation sees the count back at zero and the sequence unchanged, and publishes the old
     * pfn, whose page the host has since freed. The simulated memory counts the stale access.
     */
    @Test
    void mmu_notifier_retry_cache_missesAWholeInvalidationOfAnHvaOutsideEveryMemslot() {
        vm(Vm.builder());
        PfnCache c = vm.newCache();
        c.activateHva(OUT, 8);
        straddleOneRefresh(c, OUT);
        assertNotEquals(vm.mm().pfn(OUT), c.pfn(), "published the pfn the migration moved away from");
        assertTrue(c.isValid());
        c.readLong(8, k -> k.getLong(0));
        assertTrue(vm.mm().audit().staleAccesses() > 0, "the read went through a mapping of a freed page");
    }

    /** Invalidates the cache, then refreshes it with one whole migration of {@code hva} between fault and check. */
    private void straddleOneRefresh(PfnCache c, long hva) {
        vm.mm().migrate(hva);
        assertFalse(c.isValid());
        AtomicInteger faults = new AtomicInteger();
        c.faultHook = () -> {
            if (faults.getAndIncrement() == 0) {
                vm.mm().migrate(hva); // start and end, while this refresh holds the old page
            }
        };
        c.refresh(8);
        c.faultHook = null;
    }

    // ---- kvm_swap_active_memslots (R11) ----

    /**
     * A memslot update waits while an invalidation is in progress (so that start and end see the
     * same memslots), is woken when the count drops to zero, and advances the generation by 2
     * after an in-progress generation.
     */
    @Test
    void kvm_swap_active_memslots_waitsWhileAnInvalidationIsInProgress() throws Exception {
        vm(Vm.builder());
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        vm.mm().register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(MmuNotifierRange range) {
                inside.countDown();
                try {
                    assertTrue(release.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }

            @Override
            public void invalidateRangeEnd(MmuNotifierRange range) {
            }
        });
        long gen = vm.memslots().generation();
        Future<?> unmap = pool.submit(() -> vm.mm().munmap(IN + 3L * PAGE, PAGE));
        assertTrue(inside.await(30, TimeUnit.SECONDS));
        assertEquals(1, vm.activeInvalidateCount());
        Future<?> update = pool.submit(() -> vm.memslots().set(1, 0x100, 1, OUT));
        try {
            update.get(200, TimeUnit.MILLISECONDS);
            throw new AssertionError("the memslot update completed during an invalidation");
        } catch (TimeoutException expected) {
            assertEquals(gen, vm.memslots().generation(), "nothing published while the count is raised");
        }
        release.countDown();
        unmap.get(30, TimeUnit.SECONDS);
        update.get(30, TimeUnit.SECONDS);
        assertEquals(gen + Memslots.GENERATION_STEP, vm.memslots().generation());
        assertEquals(0, vm.memslots().generation() & Memslots.GEN_UPDATE_IN_PROGRESS);
    }

    private static long gpa(int page) {
        return (long) page * PAGE;
    }

    /** The minimum a strategy's lock needs, outside a Vm. */
    private record TestContext(Guard guard) implements InvalidationStrategy.Context {
        @Override
        public String cacheName() {
            return "test";
        }

        @Override
        public <T> T shared(Class<T> type, java.util.function.Supplier<T> factory) {
            return factory.get();
        }

        @Override
        public Duration nonBlockPollBudget() {
            return Duration.ofMillis(1);
        }
    }
}
