package org.pfncache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pfncache.guard.GuardReport;
import org.pfncache.guard.SleepInInvalidContextError;
import org.pfncache.host.OomReapResult;

/** R12-R14: the two splats of the seed thread, reproduced through the public API. */
class SeedSplatTest {
    private static final long HVA = 0x7f00_0000_0000L;
    private final ExecutorService reaper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "oom_reaper");
        t.setDaemon(true);
        return t;
    });
    private Vm vm;
    private PfnCache cache;

    @AfterEach
    void tearDown() {
        reaper.shutdownNow();
        if (vm != null) {
            vm.close();
        }
    }

    private Vm vm(PreemptionModel m, LockKind k, GuardPolicy p) {
        vm = Vm.builder().strategy(InvalidationStrategy.rwlock()).preemption(m).notifierLock(k)
                .guardPolicy(p).physicalPages(64).build();
        vm.mm().mmap(HVA, 4L * PfnCache.PAGE_SIZE);
        vm.memslots().set(0, 0, 4, HVA);
        cache = vm.newCache();
        cache.activate(0x1000, 8);
        assertTrue(cache.isValid());
        return vm;
    }

    private OomReapResult reap() throws Exception {
        return reaper.submit(() -> vm.mm().oomReap(1, Duration.ZERO)).get(30, TimeUnit.SECONDS);
    }

    @Test
    void r14a_rtWithSpinlockNotifierLockReportsAtMnInvalidateLock() throws Exception {
        vm(PreemptionModel.RT, LockKind.SPINLOCK, GuardPolicy.REPORT);
        OomReapResult r = reap();
        assertTrue(r.complete(), "under REPORT the reaper carries on, as the kernel does");
        List<GuardReport> reports = vm.guardReports();
        assertFalse(reports.isEmpty());
        GuardReport first = reports.get(0);
        assertEquals("&kvm->mn_invalidate_lock", first.site());
        String splat = first.format();
        String kernelText = splat.substring(0, splat.indexOf(" </TASK>\n") + " </TASK>\n".length());
        // R14: the seed's splat (a) line for line, but for pid (here the thread id).
        assertEquals(String.join("\n",
                "BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48",
                "in_atomic(): 0, irqs_disabled(): 0, non_block: 1, pid: " + first.tid() + ", name: oom_reaper",
                "preempt_count: 0, expected: 0",
                "RCU nest depth: 0, expected: 0",
                "4 locks held by oom_reaper/" + first.tid() + ":",
                " #0: (&mm->mmap_lock){....}-{3:3}, at: oom_reap_task_mm",
                " #1: (mmu_notifier_invalidate_range_start){....}-{0:0}, at: __oom_reap_task_mm",
                " #2: (srcu){....}-{0:0}, at: __mmu_notifier_invalidate_range_start",
                " #3: (&kvm->mn_invalidate_lock){....}-{2:2}, at: kvm_mmu_notifier_invalidate_range_start",
                "Call Trace:",
                " <TASK>",
                "  rt_spin_lock",
                "  kvm_mmu_notifier_invalidate_range_start",
                "  __mmu_notifier_invalidate_range_start",
                "  __oom_reap_task_mm",
                "  oom_reaper",
                " </TASK>",
                ""), kernelText);
        // The Java site and frames follow, apart from the kernel text.
        assertTrue(splat.contains("Vm.invalidateRangeStart"), splat);
        assertTrue(splat.contains("HostMm.oomReap"), splat);
    }

    /**
     * R14 (b), a prediction: with the notifier-path locks raw, the first sleeping lock on the
     * reaper's path is the read side of an active cache's rwlock_t in the walk of
     * gfn_to_pfn_cache_invalidate_start (rt_read_lock), then its write side, then kvm->mmu_lock.
     */
    @Test
    void r14b_rtWithRawNotifierLocksReportsAtTheCachesRwlockReadSideInTheWalk() throws Exception {
        vm(PreemptionModel.RT, LockKind.RAW_SPINLOCK, GuardPolicy.REPORT);
        OomReapResult r = reap();
        assertTrue(r.complete());
        List<GuardReport> reports = vm.guardReports();
        assertEquals(List.of("&gpc->lock (read)", "&gpc->lock (write)", "&kvm->mmu_lock (write)",
                        "&kvm->mmu_lock (write)"),
                reports.stream().map(GuardReport::site).toList(), reports::toString);
        GuardReport first = reports.get(0);
        assertEquals("BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:230",
                first.title());
        assertEquals(1, first.nonBlock());
        assertTrue(first.inAtomic(), "the raw gpc_lock is held");
        assertEquals(1, first.preemptCount());
        assertTrue(first.locksHeld().contains("&kvm->gpc_lock at gfn_to_pfn_cache_invalidate_start"),
                first.locksHeld().toString());
        assertTrue(first.format().contains("  rt_read_lock\n  gfn_to_pfn_cache_invalidate_start\n"
                + "  kvm_mmu_notifier_invalidate_range_start\n"), first.format());
        GuardReport mmu = reports.get(2);
        assertFalse(mmu.inAtomic(), "gpc_lock was dropped before mmu_lock");
        assertEquals("BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:240",
                mmu.title());
    }

    /** With mmu_lock raw as well, nothing on the reaper's path sleeps under RWLOCK but the cache's own lock. */
    @Test
    void r14b_rawMmuLockLeavesOnlyTheCachesLock() throws Exception {
        vm = Vm.builder().strategy(InvalidationStrategy.rwlock()).preemption(PreemptionModel.RT)
                .notifierLock(LockKind.RAW_SPINLOCK).mmuLock(LockKind.RAW_SPINLOCK)
                .guardPolicy(GuardPolicy.REPORT).physicalPages(64).build();
        vm.mm().mmap(HVA, 4L * PfnCache.PAGE_SIZE);
        vm.memslots().set(0, 0, 4, HVA);
        cache = vm.newCache();
        cache.activate(0x1000, 8);
        reap();
        assertEquals(List.of("&gpc->lock (read)", "&gpc->lock (write)"),
                vm.guardReports().stream().map(GuardReport::site).toList());
    }

    @Test
    void r14_noPreemptionModelNoReport() throws Exception {
        vm(PreemptionModel.NONE, LockKind.SPINLOCK, GuardPolicy.THROW);
        OomReapResult r = reap();
        assertTrue(r.complete());
        assertTrue(vm.guardReports().isEmpty());
        assertEquals(-1, vm.mm().pfn(HVA));
    }

    @Test
    void r12_throwPolicyStopsTheReaperAndLeavesStateUnchanged() throws Exception {
        vm(PreemptionModel.RT, LockKind.SPINLOCK, GuardPolicy.THROW);
        long pfn = vm.mm().pfn(HVA + PfnCache.PAGE_SIZE);
        long seq = vm.mmuInvalidateSeq();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> reaper.submit(() -> vm.mm().oomReap(1, Duration.ZERO)).get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof SleepInInvalidContextError, String.valueOf(e.getCause()));
        GuardReport rep = ((SleepInInvalidContextError) e.getCause()).report();
        assertEquals("&kvm->mn_invalidate_lock", rep.site());
        assertEquals(pfn, vm.mm().pfn(HVA + PfnCache.PAGE_SIZE), "nothing was reaped");
        assertEquals(0, vm.activeInvalidateCount());
        assertEquals(seq, vm.mmuInvalidateSeq());
    }

    @Test
    void r14b_throwPolicyAtTheRwlockRollsBackTheActiveCount() throws Exception {
        vm(PreemptionModel.RT, LockKind.RAW_SPINLOCK, GuardPolicy.THROW);
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> reaper.submit(() -> vm.mm().oomReap(1, Duration.ZERO)).get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof SleepInInvalidContextError);
        assertEquals(0, vm.activeInvalidateCount(), "no refresh may wait forever on a dead start");
        vm.mm().writeLong(HVA + 0x1000, 99);
        assertEquals(99L, (long) cache.read(8, k -> k.getLong(0)), "I6: a refresh still completes");
    }

    @Test
    void r13_blockableInvalidationUnderRtDoesNotReport() {
        vm(PreemptionModel.RT, LockKind.SPINLOCK, GuardPolicy.THROW);
        vm.mm().munmap(HVA, PfnCache.PAGE_SIZE);
        vm.mm().migrate(HVA + PfnCache.PAGE_SIZE);
        assertTrue(vm.guardReports().isEmpty());
    }
}
