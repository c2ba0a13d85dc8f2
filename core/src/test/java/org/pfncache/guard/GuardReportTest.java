package org.pfncache.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.sync.Mutex;
import org.pfncache.sync.RawSpinLock;
import org.pfncache.sync.RwLock;

/** R12: the content and the kernel-style text of a "sleeping function called" report. */
class GuardReportTest {

    /** A report made on a fresh thread, with that thread's name and id. */
    private record Made(GuardReport report, String threadName, long tid) {
    }

    private interface Body {
        void run(Guard guard) throws Throwable;
    }

    private static Made report(PreemptionModel model, Body body) throws Throwable {
        Guard guard = Guard.create(model, GuardPolicy.REPORT, null);
        AtomicLong tid = new AtomicLong();
        String name = ContextGuardTest.onFreshThread(() -> {
            tid.set(Thread.currentThread().getId());
            body.run(guard);
        });
        assertEquals(1, guard.reports().size(), () -> guard.reports().toString());
        return new Made(guard.reports().get(0), name, tid.get());
    }

    private static List<String> lines(GuardReport r) {
        return Arrays.asList(r.format().split("\n"));
    }

    @Test
    void r12_formatPrintsTheKernelSplatWithLocksInAcquisitionOrder() throws Throwable {
        Made m = report(PreemptionModel.NONE, guard -> {
            RawSpinLock mn = new RawSpinLock("mn_invalidate_lock", guard);
            RawSpinLock gpc = new RawSpinLock("gpc_lock", guard);
            mn.lock("kvm_mmu_notifier_invalidate_range_start");
            gpc.lock("gfn_to_pfn_cache_invalidate_start");
            try {
                guard.mightSleep("kernel/locking/spinlock_rt.c:48");
            } finally {
                gpc.unlock();
                mn.unlock();
            }
        });
        GuardReport r = m.report();
        List<String> lines = lines(r);
        assertEquals("BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48",
                lines.get(0));
        assertEquals("in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: " + m.tid()
                + ", name: " + m.threadName(), lines.get(1));
        assertTrue(lines.get(2).startsWith("preempt_count: 2"), lines.get(2));
        assertEquals("2 locks held by " + m.threadName() + "/" + m.tid() + ":", lines.get(3));
        // lockdep's print_lock() shape, addresses left out; raw_spinlock_t is {2:2}.
        assertEquals(" #0: (mn_invalidate_lock){....}-{2:2}, at: kvm_mmu_notifier_invalidate_range_start",
                lines.get(4));
        assertEquals(" #1: (gpc_lock){....}-{2:2}, at: gfn_to_pfn_cache_invalidate_start", lines.get(5));
        int trace = lines.indexOf("Call Trace:");
        assertTrue(trace > 5, r.format());
        List<String> frames = lines.subList(trace + 1, lines.size()).stream()
                .filter(l -> l.contains("(")).toList();
        assertFalse(frames.isEmpty(), "at least one stack frame: " + r.format());
        assertTrue(frames.stream().anyMatch(l -> l.contains(GuardReportTest.class.getName())),
                "the trace reaches the caller: " + r.format());

        assertEquals(m.threadName(), r.threadName());
        assertEquals(m.tid(), r.tid());
        assertEquals(2, r.preemptCount());
        assertEquals(List.of("mn_invalidate_lock at kvm_mmu_notifier_invalidate_range_start",
                "gpc_lock at gfn_to_pfn_cache_invalidate_start"), r.locksHeld());
    }

    @Test
    void r12_formatSaysNoLocksHeldWhenNone() throws Throwable {
        Made m = report(PreemptionModel.NONE, guard -> {
            ContextGuard.nonBlockStart();
            try {
                guard.mightSleep("__oom_reap_task_mm");
            } finally {
                ContextGuard.nonBlockEnd();
            }
        });
        List<String> lines = lines(m.report());
        assertEquals("BUG: sleeping function called from invalid context at __oom_reap_task_mm", lines.get(0));
        assertEquals("in_atomic(): 0, irqs_disabled(): 0, non_block: 1, pid: " + m.tid()
                + ", name: " + m.threadName(), lines.get(1));
        assertTrue(lines.get(2).startsWith("preempt_count: 0"), lines.get(2));
        assertTrue(lines.contains("no locks held by " + m.threadName() + "/" + m.tid() + "."),
                m.report().format());
        assertFalse(m.report().format().contains(" #0: "), m.report().format());
        assertTrue(lines.contains("Call Trace:"), m.report().format());
    }

    @Test
    void r12_formatUsesSingularForOneLock() throws Throwable {
        Made m = report(PreemptionModel.NONE, guard -> {
            RawSpinLock raw = new RawSpinLock("&gpc->lock", guard);
            raw.lock("kvm_gpc_check");
            try {
                guard.mightSleep("kmap");
            } finally {
                raw.unlock();
            }
        });
        List<String> lines = lines(m.report());
        assertEquals("1 lock held by " + m.threadName() + "/" + m.tid() + ":", lines.get(3));
        assertEquals(" #0: (&gpc->lock){....}-{2:2}, at: kvm_gpc_check", lines.get(4));
    }

    @Test
    void r12_rtMutexInsideRtRwlockReadSideShowsRcuNestingAndTheImplicitRcuReadLock() throws Throwable {
        // RT: a mutex taken inside non_block reports at the mutex, listing the rwlock held before
        // and the rcu_read_lock() that rt_read_lock took; the mutex itself is not listed
        // (might_sleep() runs before mutex_acquire in __mutex_lock_common).
        Made m = report(PreemptionModel.RT, guard -> {
            RwLock rw = new RwLock("gpc->lock", guard);
            Mutex refresh = new Mutex("refresh_lock", guard);
            rw.readLock("kvm_gpc_check");
            ContextGuard.nonBlockStart();
            try {
                refresh.lock("kvm_gpc_refresh");
                refresh.unlock();
            } finally {
                ContextGuard.nonBlockEnd();
                rw.readUnlock();
            }
        });
        GuardReport r = m.report();
        assertEquals("refresh_lock", r.site());
        List<String> lines = lines(r);
        assertEquals("in_atomic(): 0, irqs_disabled(): 0, non_block: 1, pid: " + m.tid()
                + ", name: " + m.threadName(), lines.get(1));
        assertEquals("BUG: sleeping function called from invalid context at kernel/locking/rtmutex_api.c:510",
                lines.get(0));
        assertEquals("preempt_count: 0, expected: 0", lines.get(2));
        assertEquals("RCU nest depth: 1, expected: 0", lines.get(3));
        assertEquals("2 locks held by " + m.threadName() + "/" + m.tid() + ":", lines.get(4));
        assertEquals(" #0: (gpc->lock){....}-{2:2}, at: kvm_gpc_check", lines.get(5));
        assertEquals(" #1: (rcu_read_lock){....}-{1:2}, at: rt_read_lock", lines.get(6));
        assertEquals("Call Trace:", lines.get(7));
        assertEquals(" <TASK>", lines.get(8));
        assertEquals("  mutex_lock", lines.get(9));
        assertEquals(List.of("gpc->lock (read) at kvm_gpc_check"), r.locksHeld(), "implicit entries left out");
    }

    @Test
    void r12_irqsDisabledIsPrinted() throws Throwable {
        Made m = report(PreemptionModel.NONE, guard -> {
            ContextGuard.localIrqDisable();
            try {
                guard.mightSleep("irqs_off_site");
            } finally {
                ContextGuard.localIrqEnable();
            }
        });
        assertTrue(m.report().irqsDisabled());
        assertTrue(lines(m.report()).get(1).startsWith("in_atomic(): 0, irqs_disabled(): 1, non_block: 0"),
                m.report().format());
    }

    @Test
    void r12_stackStartsAtTheCallerNotInsideTheGuard() throws Throwable {
        Made m = report(PreemptionModel.NONE, guard -> {
            ContextGuard.nonBlockStart();
            try {
                guard.mightSleep("stack_site");
            } finally {
                ContextGuard.nonBlockEnd();
            }
        });
        List<StackTraceElement> stack = m.report().stack();
        assertFalse(stack.isEmpty());
        assertFalse(stack.get(0).getClassName().equals(Guard.class.getName())
                && stack.get(0).getMethodName().equals("report"), "Guard.report frame leaked: " + stack);
        assertTrue(stack.stream().anyMatch(e -> e.getClassName().startsWith(GuardReportTest.class.getName())),
                stack::toString);
        assertThrows(UnsupportedOperationException.class, () -> m.report().stack().clear());
        assertThrows(UnsupportedOperationException.class, () -> m.report().locksHeld().clear());
    }

    @Test
    void r12_errorMessageIsTheFormattedReportAndToStringSummarises() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        AtomicReference<SleepInInvalidContextError> err = new AtomicReference<>();
        String name = ContextGuardTest.onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                err.set(assertThrows(SleepInInvalidContextError.class, () -> guard.mightSleep("srcu_sync")));
            } finally {
                ContextGuard.nonBlockEnd();
            }
        });
        GuardReport r = err.get().report();
        assertEquals(r.format(), err.get().getMessage());
        assertTrue(r.toString().contains(r.title()), r.toString());
        assertTrue(r.toString().contains("non_block: 1"), r.toString());
        assertTrue(r.toString().contains(name), r.toString());
    }

    @Test
    void r12_reportIsASnapshotNotALiveView() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        ContextGuardTest.onFreshThread(() -> {
            RawSpinLock lock = new RawSpinLock("snap_lock", guard);
            lock.lock("snap_site");
            try {
                guard.mightSleep("snap");
            } finally {
                lock.unlock();
            }
            // The lock is released now; the report must still list it.
            assertEquals(List.of("snap_lock at snap_site"), guard.reports().get(0).locksHeld());
            assertEquals(1, guard.reports().get(0).preemptCount());
        });
    }
}
