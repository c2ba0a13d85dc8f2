package org.pfncache.guard;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.sync.Mutex;
import org.pfncache.sync.RawSpinLock;
import org.pfncache.sync.RwLock;
import org.pfncache.sync.SpinLock;

/**
 * R12/R14: the report text, kernel-exact for the seed case, and the APIs that feed it: the kernel
 * function stack, lockdep pseudo-locks, RCU nesting, WARN reports and cond_resched.
 */
@Timeout(30)
class KernelSplatTest {

    /** Runs {@code body} on a new thread called {@code name}; rethrows what it threw. */
    static long onThread(String name, Executable body) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong tid = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            tid.set(Thread.currentThread().getId());
            try {
                body.execute();
            } catch (Throwable x) {
                failure.set(x);
            } finally {
                done.countDown();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        assertTrue(done.await(10, SECONDS), name + " did not finish in 10 s");
        if (failure.get() != null) {
            throw failure.get();
        }
        return tid.get();
    }

    private static final Object MMU_NOTIFIER_MAP = new Object();
    private static final Object SRCU_MAP = new Object();

    /** The seed (R14 a), step by step as the kernel's OOM reaper and KVM take them. */
    private static void seedPath(Guard guard) {
        Mutex mmapLock = new Mutex("&mm->mmap_lock", guard);
        SpinLock mnInvalidateLock = new SpinLock("&kvm->mn_invalidate_lock", guard);
        ContextGuard.enterFunction("oom_reaper");
        ContextGuard.enterFunction("__oom_reap_task_mm");
        assertTrue(mmapLock.tryLock("__oom_reap_task_mm"));
        try {
            ContextGuard.lockdepAcquire(MMU_NOTIFIER_MAP, "mmu_notifier_invalidate_range_start", "__oom_reap_task_mm");
            ContextGuard.enterFunction("__mmu_notifier_invalidate_range_start");
            ContextGuard.lockdepAcquire(SRCU_MAP, "srcu", "__mmu_notifier_invalidate_range_start");
            ContextGuard.nonBlockStart();
            ContextGuard.enterFunction("kvm_mmu_notifier_invalidate_range_start");
            try {
                mnInvalidateLock.lock("kvm_mmu_notifier_invalidate_range_start");
                mnInvalidateLock.unlock();
            } finally {
                ContextGuard.exitFunction();
                ContextGuard.nonBlockEnd();
                ContextGuard.lockdepRelease(SRCU_MAP);
                ContextGuard.exitFunction();
                ContextGuard.lockdepRelease(MMU_NOTIFIER_MAP);
            }
        } finally {
            mmapLock.unlock();
            ContextGuard.exitFunction();
            ContextGuard.exitFunction();
        }
        assertEquals(List.of(), ContextGuard.functionStack());
        assertEquals(List.of(), ContextGuard.lockdepHeldLocks());
        assertEquals(0, ContextGuard.rcuNestDepth());
    }

    @Test
    void r14_seedSplatIsKernelExact() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.REPORT, null, false);
        long pid = onThread("oom_reaper", () -> seedPath(guard));
        assertEquals(1, guard.reports().size(), guard.reports()::toString);
        GuardReport r = guard.reports().get(0);
        String kernelPart = r.format().substring(0, r.format().indexOf(" </TASK>\n") + " </TASK>\n".length());
        assertEquals(String.join("\n",
                "BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48",
                "in_atomic(): 0, irqs_disabled(): 0, non_block: 1, pid: " + pid + ", name: oom_reaper",
                "preempt_count: 0, expected: 0",
                "RCU nest depth: 0, expected: 0",
                "4 locks held by oom_reaper/" + pid + ":",
                " #0: (&mm->mmap_lock){....}-{3:3}, at: __oom_reap_task_mm",
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
                ""), kernelPart);
        // The Java extras come after the kernel text, clearly separated.
        String java = r.format().substring(kernelPart.length());
        assertTrue(java.startsWith("-- Java (not part of the kernel text) --\nsite: &kvm->mn_invalidate_lock\n"), java);
        assertTrue(java.contains(KernelSplatTest.class.getName() + ".seedPath"), java);
        assertEquals("&kvm->mn_invalidate_lock", r.site());
        assertEquals("kernel/locking/spinlock_rt.c:48", r.kernelSite());
        assertEquals(GuardReport.Kind.BUG, r.kind());
    }

    @Test
    void r14_seedUnderPreemptNoneReportsNothing() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        onThread("oom_reaper", () -> seedPath(guard));
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r12_throwLeavesNothingHalfRecorded() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        SpinLock lock = new SpinLock("&kvm->mn_invalidate_lock", guard);
        onThread("thrower", () -> {
            ContextGuard.nonBlockStart();
            try {
                SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class,
                        () -> lock.lock("kvm_mmu_notifier_invalidate_range_start"));
                // The report saw the lock (lockdep recorded it before the check)...
                assertEquals(List.of("&kvm->mn_invalidate_lock at kvm_mmu_notifier_invalidate_range_start"),
                        e.report().locksHeld());
                // ...but the failed acquisition left no record, no RCU nesting and no lock taken.
                assertEquals(List.of(), ContextGuard.lockdepHeldLocks());
                assertEquals(0, ContextGuard.rcuNestDepth());
                assertFalse(lock.isLocked());
            } finally {
                ContextGuard.nonBlockEnd();
            }
            lock.lock("after"); // the lock still works
            lock.unlock();
        });
    }

    @Test
    void r12_functionStackIsPerThreadInnermostFirstAndTolerant() throws Throwable {
        onThread("fn-a", () -> {
            ContextGuard.exitFunction(); // empty: ignored
            ContextGuard.enterFunction("outer");
            ContextGuard.enterFunction("inner");
            assertEquals(List.of("inner", "outer"), ContextGuard.functionStack());
            onThread("fn-b", () -> assertEquals(List.of(), ContextGuard.functionStack()));
            for (int i = 0; i < 20; i++) { // grows past the initial array
                ContextGuard.enterFunction("f" + i);
            }
            assertEquals("f19", ContextGuard.functionStack().get(0));
            for (int i = 0; i < 20; i++) {
                ContextGuard.exitFunction();
            }
            ContextGuard.exitFunction();
            ContextGuard.exitFunction();
            assertEquals(List.of(), ContextGuard.functionStack());
        });
    }

    @Test
    void r12_plainMightSleepTraceStartsAtTheSleepingSite() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null, false);
        onThread("gup", () -> {
            ContextGuard.enterFunction("kvm_gpc_refresh");
            ContextGuard.preemptDisable();
            try {
                guard.mightSleep("hva_to_pfn");
            } finally {
                ContextGuard.preemptEnable();
                ContextGuard.exitFunction();
            }
        });
        GuardReport r = guard.reports().get(0);
        assertEquals(List.of("hva_to_pfn", "kvm_gpc_refresh"), r.kernelFrames());
        assertEquals("hva_to_pfn", r.kernelSite(), "no kernel site given: the site itself");
        assertFalse(r.format().contains("RCU nest depth"), "PREEMPT_NONE has no CONFIG_PREEMPT_RCU line");
    }

    @Test
    void r12_mightSleepWithKernelSiteTitlesWithIt() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null, false);
        onThread("ks", () -> {
            ContextGuard.enterOperation(guard);
            ContextGuard.nonBlockStart();
            try {
                ContextGuard.mightSleep("hva_to_pfn", "mm/gup.c:1234");
            } finally {
                ContextGuard.nonBlockEnd();
                ContextGuard.exitOperation();
            }
        });
        GuardReport r = guard.reports().get(0);
        assertEquals("BUG: sleeping function called from invalid context at mm/gup.c:1234", r.title());
        assertEquals("hva_to_pfn", r.site());
    }

    @Test
    void r12_lockdepPseudoLockNeverSleepsNorChangesPreemption() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        Object map = new Object();
        onThread("pseudo", () -> {
            ContextGuard.enterOperation(guard);
            try {
                ContextGuard.lockdepAcquire(map, "mmu_notifier_invalidate_range_start", "__oom_reap_task_mm");
                assertEquals(0, ContextGuard.preemptCount());
                assertEquals(0, ContextGuard.rcuNestDepth());
                assertEquals(List.of("(mmu_notifier_invalidate_range_start){....}-{0:0}, at: __oom_reap_task_mm"),
                        ContextGuard.lockdepHeldLocks());
                ContextGuard.mightSleep("inside_map"); // THROW: would throw if the map made us atomic
                ContextGuard.lockdepRelease(map);
                ContextGuard.lockdepRelease(map); // unmatched: ignored
                assertEquals(List.of(), ContextGuard.lockdepHeldLocks());
            } finally {
                ContextGuard.exitOperation();
            }
        });
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r12_lockdepAcquireRecordsNothingWhenTheDomainIsOff() throws Throwable {
        Guard off = Guard.create(PreemptionModel.RT, GuardPolicy.OFF, null);
        onThread("pseudo-off", () -> {
            ContextGuard.enterOperation(off);
            try {
                ContextGuard.lockdepAcquire(this, "srcu", null);
                assertEquals(List.of(), ContextGuard.lockdepHeldLocks());
                ContextGuard.lockdepRelease(this);
            } finally {
                ContextGuard.exitOperation();
            }
        });
    }

    @Test
    void r12_lockdepAtDefaultsToTheInnermostFunction() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null, false);
        RawSpinLock raw = new RawSpinLock("&gpc->lock", guard);
        onThread("at", () -> {
            ContextGuard.enterFunction("gfn_to_pfn_cache_invalidate_start");
            raw.lock();
            try {
                assertEquals(List.of("(&gpc->lock){....}-{2:2}, at: gfn_to_pfn_cache_invalidate_start"),
                        ContextGuard.lockdepHeldLocks());
            } finally {
                raw.unlock();
                ContextGuard.exitFunction();
            }
        });
    }

    @Test
    void r13_rcuReadLockUnderRtNestsRcuUnderNoneDisablesPreemption() throws Throwable {
        Guard rt = Guard.create(PreemptionModel.RT, GuardPolicy.REPORT, null, false);
        Guard none = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null, false);
        onThread("rcu", () -> {
            for (Guard g : List.of(rt, none)) {
                ContextGuard.enterOperation(g);
                try {
                    ContextGuard.rcuReadLock("kvm_rcu_site");
                    try {
                        assertEquals(g == rt ? 1 : 0, ContextGuard.rcuNestDepth());
                        assertEquals(g == rt ? 0 : 1, ContextGuard.preemptCount());
                        assertEquals(List.of("(rcu_read_lock){....}-{1:2}, at: kvm_rcu_site"),
                                ContextGuard.lockdepHeldLocks());
                        assertEquals(List.of(), ContextGuard.heldLocks(), "not a lock of its own");
                        ContextGuard.mightSleep("in_rcu");
                    } finally {
                        ContextGuard.rcuReadUnlock();
                    }
                    assertEquals(0, ContextGuard.rcuNestDepth());
                    assertEquals(0, ContextGuard.preemptCount());
                } finally {
                    ContextGuard.exitOperation();
                }
            }
        });
        GuardReport r = rt.reports().get(0);
        assertEquals(1, r.rcuNestDepth());
        assertFalse(r.inAtomic());
        assertTrue(r.format().contains("RCU nest depth: 1, expected: 0\n"), r.format());
        GuardReport n = none.reports().get(0);
        assertTrue(n.inAtomic());
        assertEquals(1, n.preemptCount());
    }

    // ---- WARN --------------------------------------------------------------------------------

    @Test
    void warn_isKernelShapedKeptNotThrownUnderThrow() throws Throwable {
        List<GuardReport> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, seen::add, false);
        long pid = onThread("kvm-warn", () -> {
            ContextGuard.enterFunction("__mmu_notifier_invalidate_range_start");
            ContextGuard.enterFunction("kvm_mmu_notifier_invalidate_range_start");
            try {
                guard.warn("invalidate_range_start failed with -EAGAIN", "mm/mmu_notifier.c:470",
                        "__mmu_notifier_invalidate_range_start");
            } finally {
                ContextGuard.exitFunction();
                ContextGuard.exitFunction();
            }
        });
        assertEquals(1, seen.size());
        GuardReport r = seen.get(0);
        assertSame(r, guard.reports().get(0));
        assertEquals(GuardReport.Kind.WARN, r.kind());
        assertEquals("WARNING: CPU: 0 PID: " + pid + " at mm/mmu_notifier.c:470 __mmu_notifier_invalidate_range_start",
                r.title());
        assertEquals("invalidate_range_start failed with -EAGAIN", r.message());
        List<String> lines = Arrays.asList(r.format().split("\n"));
        assertEquals("------------[ cut here ]------------", lines.get(0));
        assertEquals(r.title(), lines.get(1));
        assertEquals("invalidate_range_start failed with -EAGAIN", lines.get(2));
        assertEquals("Call Trace:", lines.get(3));
        assertEquals("  __mmu_notifier_invalidate_range_start", lines.get(5));
        assertEquals("  kvm_mmu_notifier_invalidate_range_start", lines.get(6));
        assertTrue(lines.contains("---[ end trace 0000000000000000 ]---"), r.format());
        assertEquals(1, guard.reportCount());
    }

    @Test
    void warn_onceReportsOnlyTheFirstPerSiteAndOffReportsNothing() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null, false);
        Guard off = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);
        onThread("warn-once", () -> {
            assertTrue(guard.warnOnce(null, "virt/kvm/kvm_main.c:800", "kvm_mmu_notifier_invalidate_range_start"));
            assertFalse(guard.warnOnce(null, "virt/kvm/kvm_main.c:800", "kvm_mmu_notifier_invalidate_range_start"));
            assertTrue(guard.warnOnce(null, "virt/kvm/kvm_main.c:900", "other"));
            guard.warn(null, "virt/kvm/kvm_main.c:800", null); // plain WARN: every time
            assertFalse(off.warnOnce("x", "a.c:1", "f"));
            off.warn("x", "a.c:1", "f");
        });
        assertEquals(3, guard.reports().size());
        assertNull(guard.reports().get(0).message());
        assertFalse(guard.reports().get(0).format().contains("\nnull\n"));
        assertEquals(List.of(), off.reports());
    }

    // ---- cond_resched --------------------------------------------------------------------------

    @Test
    void condResched_countsAsMightSleepAtTheCallersSite() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null, false);
        onThread("resched", () -> {
            ContextGuard.enterOperation(guard);
            try {
                ContextGuard.condResched("mm/memory.c:1653"); // fine: nothing held
                RawSpinLock raw = new RawSpinLock("&kvm->mmu_lock", guard);
                raw.lock("kvm_unmap_gfn_range");
                try {
                    ContextGuard.condResched("mm/memory.c:1653");
                } finally {
                    raw.unlock();
                }
            } finally {
                ContextGuard.exitOperation();
            }
        });
        assertEquals(1, guard.reports().size());
        assertEquals("BUG: sleeping function called from invalid context at mm/memory.c:1653",
                guard.reports().get(0).title());
        assertTrue(guard.reports().get(0).inAtomic());
    }

    // ---- irqs_disabled through write_lock_irq ----------------------------------------------------

    @Test
    void r12_writeLockIrqDisablesIrqsUnderNoneOnly() throws Throwable {
        Guard none = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null, false);
        Guard rt = Guard.create(PreemptionModel.RT, GuardPolicy.REPORT, null, false);
        onThread("irq", () -> {
            for (Guard g : List.of(none, rt)) {
                RwLock rw = new RwLock("&kvm->mmu_lock", g);
                rw.writeLockIrq("kvm_mmu_notifier_invalidate_range_start");
                try {
                    assertTrue(rw.isWriteLockedByCurrentThread());
                    g.mightSleep("kmap");
                } finally {
                    rw.writeUnlockIrq();
                }
                assertFalse(rw.isWriteLocked());
                g.mightSleep("after"); // irqs back on, lock released: no report
            }
        });
        GuardReport n = none.reports().get(0);
        assertEquals(1, none.reports().size());
        assertTrue(n.irqsDisabled());
        assertTrue(n.format().contains("in_atomic(): 1, irqs_disabled(): 1, non_block: 0"), n.format());
        GuardReport r = rt.reports().get(0);
        assertEquals(1, rt.reports().size());
        assertFalse(r.irqsDisabled(), "RT's write_lock_irq is rt_write_lock: irqs stay on");
        assertEquals(1, r.rcuNestDepth(), "but the RT write side holds rcu_read_lock");
    }
}
