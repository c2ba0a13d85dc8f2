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
        assertEquals("mn_invalidate_lock", first.site());
        // The kernel's FILE:LINE (rtlock_might_resched in __rt_spin_lock); site() keeps the Java name.
        assertEquals("BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48",
                first.title());
        assertEquals(1, first.nonBlock());
        assertFalse(first.inAtomic());
        assertFalse(first.irqsDisabled());
        assertEquals(0, first.preemptCount());
        assertEquals("oom_reaper", first.threadName());
        assertTrue(first.locksHeld().get(0).startsWith("mmap_lock"), first.locksHeld().toString());
        String splat = first.format();
        assertTrue(splat.contains("in_atomic(): 0, irqs_disabled(): 0, non_block: 1, pid: " + first.tid()
                + ", name: oom_reaper"), splat);
        // rt_spin_lock records the lock in lockdep before the check: the lock being acquired is listed.
        assertTrue(splat.contains("2 locks held by oom_reaper/" + first.tid() + ":"), splat);
        assertTrue(splat.contains(" #0: (mmap_lock){....}-{3:3}"), splat);
        assertTrue(splat.contains(" #1: (mn_invalidate_lock){....}-{2:2}"), splat);
        assertTrue(splat.contains("Call Trace:"), splat);
        assertTrue(splat.contains("Vm.invalidateRangeStart"), splat);
        assertTrue(splat.contains("HostMm.oomReap"), splat);
    }

    @Test
    void r14b_rtWithRawNotifierLocksReportsAtTheCachesRwlockWriteSide() throws Exception {
        vm(PreemptionModel.RT, LockKind.RAW_SPINLOCK, GuardPolicy.REPORT);
        OomReapResult r = reap();
        assertTrue(r.complete());
        List<GuardReport> reports = vm.guardReports();
        assertEquals(1, reports.size(), () -> reports.toString());
        GuardReport first = reports.get(0);
        assertTrue(first.site().endsWith("->lock (write)"), first.site());
        assertEquals(1, first.nonBlock());
        assertTrue(first.inAtomic(), "the raw gpc_lock is held");
        assertEquals(1, first.preemptCount());
        assertEquals(2, first.locksHeld().size());
        assertTrue(first.locksHeld().get(1).startsWith("gpc_lock"), first.locksHeld().toString());
        assertTrue(first.format().contains("2 locks held by oom_reaper/"), first.format());
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
        assertEquals("mn_invalidate_lock", rep.site());
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
