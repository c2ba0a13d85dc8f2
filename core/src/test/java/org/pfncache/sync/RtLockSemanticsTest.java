package org.pfncache.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.GuardReport;
import org.pfncache.guard.SleepInInvalidContextError;

/**
 * R13 as spinlock_rt.c has it: an RT lock holder is inside rcu_read_lock(); nesting RT locks is
 * allowed (rtlock_might_resched expects the thread's own RCU depth), other sleeping operations
 * inside are not; and SRCU's update side (call_srcu, start_poll_synchronize_srcu) takes a
 * spinlock_t while get_state/poll_state take none.
 */
@Timeout(60)
class RtLockSemanticsTest {

    private static Guard rt(GuardPolicy p) {
        return Guard.create(PreemptionModel.RT, p, null, false);
    }

    private static void clean() {
        assertEquals(0, ContextGuard.preemptCount());
        assertEquals(0, ContextGuard.rcuNestDepth());
        assertEquals(List.of(), ContextGuard.lockdepHeldLocks());
    }

    @Test
    void r13_nestedRtSpinlocksAreNotReported() throws Throwable {
        Guard guard = rt(GuardPolicy.THROW);
        SpinLock outer = new SpinLock("&kvm->mmu_lock", guard);
        SpinLock inner = new SpinLock("&kvm->mn_invalidate_lock", guard);
        RwLock rw = new RwLock("&gpc->lock", guard);
        LockKindsTest.onFreshThread(() -> {
            outer.lock("a");
            try {
                assertEquals(1, ContextGuard.rcuNestDepth());
                inner.lock("b"); // THROW: would throw if the nesting were reported
                try {
                    assertEquals(2, ContextGuard.rcuNestDepth());
                    rw.readLock("c");
                    assertEquals(3, ContextGuard.rcuNestDepth());
                    rw.readUnlock();
                    assertEquals(List.of("(&kvm->mmu_lock){....}-{2:2}, at: a",
                            "(rcu_read_lock){....}-{1:2}, at: rt_spin_lock",
                            "(&kvm->mn_invalidate_lock){....}-{2:2}, at: b",
                            "(rcu_read_lock){....}-{1:2}, at: rt_spin_lock"), ContextGuard.lockdepHeldLocks());
                    assertEquals(0, ContextGuard.preemptCount(), "RT locks leave preemption on");
                } finally {
                    inner.unlock();
                }
                assertEquals(1, ContextGuard.rcuNestDepth());
            } finally {
                outer.unlock();
            }
            clean();
        });
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r13_nestedRtSpinlockInNonBlockReportsWithItsOwnDepthExpected() throws Throwable {
        Guard guard = rt(GuardPolicy.REPORT);
        SpinLock outer = new SpinLock("&kvm->mmu_lock", guard);
        SpinLock inner = new SpinLock("&kvm->mn_invalidate_lock", guard);
        LockKindsTest.onFreshThread(() -> {
            outer.lock("a");
            ContextGuard.nonBlockStart();
            try {
                inner.lock("b");
                inner.unlock();
            } finally {
                ContextGuard.nonBlockEnd();
                outer.unlock();
            }
            clean();
        });
        GuardReport r = guard.reports().get(0);
        assertEquals(1, guard.reports().size());
        assertEquals(1, r.rcuNestDepth());
        assertEquals(1, r.rcuNestExpected());
        assertTrue(r.format().contains("\nRCU nest depth: 1, expected: 1\n"), r.format());
        assertTrue(r.format().contains("3 locks held by"), r.format());
    }

    @Test
    void r13_mutexInsideRtSpinlockIsReportedWithRcuDepth() throws Throwable {
        Guard guard = rt(GuardPolicy.REPORT);
        SpinLock spin = new SpinLock("&kvm->mmu_lock", guard);
        Mutex mutex = new Mutex("&gpc->refresh_lock", guard);
        LockKindsTest.onFreshThread(() -> {
            spin.lock("kvm_mmu_notifier_invalidate_range_start");
            try {
                mutex.lock("kvm_gpc_refresh");
                mutex.unlock();
            } finally {
                spin.unlock();
            }
            mutex.lock("outside"); // no RT lock held: fine
            mutex.unlock();
            clean();
        });
        assertEquals(1, guard.reports().size());
        GuardReport r = guard.reports().get(0);
        assertEquals("BUG: sleeping function called from invalid context at kernel/locking/rtmutex_api.c:510",
                r.title());
        assertEquals("&gpc->refresh_lock", r.site());
        assertEquals(0, r.nonBlock());
        assertFalse(r.inAtomic());
        assertEquals(1, r.rcuNestDepth());
        assertEquals(0, r.rcuNestExpected());
        assertEquals("mutex_lock", r.kernelFrames().get(0));
        assertEquals(List.of("&kvm->mmu_lock at kvm_mmu_notifier_invalidate_range_start"), r.locksHeld(),
                "the mutex is not listed: might_sleep runs before mutex_acquire");
    }

    @Test
    void r13_mutexUnderNoneTitlesWithMutexC() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null, false);
        SpinLock spin = new SpinLock("&kvm->mmu_lock", guard);
        Mutex mutex = new Mutex("&kvm->slots_lock", guard);
        LockKindsTest.onFreshThread(() -> {
            spin.lock("x");
            try {
                mutex.lock("y");
                mutex.unlock();
            } finally {
                spin.unlock();
            }
            clean();
        });
        GuardReport r = guard.reports().get(0);
        assertEquals("kernel/locking/mutex.c:585", r.kernelSite());
        assertTrue(r.inAtomic());
        assertFalse(r.format().contains("RCU nest depth"), r.format());
    }

    @Test
    void r13_rtRwlockChecksBeforeLockdepSoItIsNotInItsOwnReport() throws Throwable {
        Guard guard = rt(GuardPolicy.REPORT);
        RwLock rw = new RwLock("&gpc->lock", guard);
        LockKindsTest.onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                rw.readLock("kvm_gpc_check");
                rw.readUnlock();
                int token = rw.readLockToken();
                rw.readUnlockToken(token);
                rw.writeLock("gfn_to_pfn_cache_invalidate_start");
                rw.writeUnlock();
            } finally {
                ContextGuard.nonBlockEnd();
            }
            clean();
        });
        List<GuardReport> reports = guard.reports();
        assertEquals(3, reports.size());
        for (int i = 0; i < 2; i++) {
            assertEquals("kernel/locking/spinlock_rt.c:230", reports.get(i).kernelSite());
            assertEquals("rt_read_lock", reports.get(i).kernelFrames().get(0));
            assertEquals(List.of(), reports.get(i).lockdepLines());
        }
        assertEquals("kernel/locking/spinlock_rt.c:240", reports.get(2).kernelSite());
        assertEquals("rt_write_lock", reports.get(2).kernelFrames().get(0));
        assertEquals(List.of(), reports.get(2).lockdepLines());
        assertEquals("&gpc->lock (write)", reports.get(2).site());
    }

    @Test
    void r13_rtSpinlockInsideRawSpinlockIsReportedAsAtomic() throws Throwable {
        Guard guard = rt(GuardPolicy.REPORT);
        RawSpinLock raw = new RawSpinLock("&kvm->mn_invalidate_lock", guard);
        SpinLock spin = new SpinLock("&kvm->mmu_lock", guard);
        LockKindsTest.onFreshThread(() -> {
            raw.lock("a");
            try {
                spin.lock("b");
                spin.unlock();
            } finally {
                raw.unlock();
            }
            clean();
        });
        GuardReport r = guard.reports().get(0);
        assertTrue(r.inAtomic());
        assertEquals(1, r.preemptCount());
        assertEquals(0, r.rcuNestDepth());
    }

    @Test
    void r13_rtTrylockNeverReportsButStillNestsRcu() throws Throwable {
        Guard guard = rt(GuardPolicy.THROW);
        SpinLock spin = new SpinLock("&kvm->mmu_lock", guard);
        LockKindsTest.onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                assertTrue(spin.tryLock("oom"));
                assertEquals(1, ContextGuard.rcuNestDepth());
                assertEquals(List.of("&kvm->mmu_lock at oom"), ContextGuard.heldLocks());
                spin.unlock();
            } finally {
                ContextGuard.nonBlockEnd();
            }
            clean();
        });
        assertEquals(List.of(), guard.reports());
    }

    // ---- SRCU's update side --------------------------------------------------------------------

    @Test
    void r13_srcuUpdateSideUnderRtInNonBlock() throws Throwable {
        Guard guard = rt(GuardPolicy.REPORT);
        try (Srcu srcu = new Srcu("srcu", guard)) {
            assertEquals(Srcu.UpdateLock.SPINLOCK, srcu.updateLock());
            AtomicBoolean ran = new AtomicBoolean();
            LockKindsTest.onFreshThread(() -> {
                ContextGuard.nonBlockStart();
                try {
                    long state = srcu.getState();
                    srcu.pollCompleted(state);
                    assertEquals(0, guard.reports().size(), "get_state/poll_state take no lock");
                    srcu.startPoll();
                    assertEquals(1, guard.reports().size());
                    srcu.call(() -> ran.set(true));
                    assertEquals(2, guard.reports().size());
                    srcu.synchronize(Duration.ofSeconds(10));
                    assertEquals(3, guard.reports().size(), "synchronize reports once, not again at its lock");
                } finally {
                    ContextGuard.nonBlockEnd();
                }
                clean();
            });
            srcu.barrier();
            assertTrue(ran.get(), "under REPORT the callback was still queued and ran");
        }
        List<GuardReport> r = guard.reports();
        assertEquals("kernel/locking/spinlock_rt.c:48", r.get(0).kernelSite());
        assertEquals(List.of("rt_spin_lock", "srcu_gp_start_if_needed", "start_poll_synchronize_srcu"),
                r.get(0).kernelFrames());
        assertEquals(List.of("(&ACCESS_PRIVATE(sdp, lock)){....}-{2:2}, at: srcu_gp_start_if_needed"),
                r.get(0).lockdepLines());
        assertEquals(List.of("rt_spin_lock", "srcu_gp_start_if_needed", "call_srcu"), r.get(1).kernelFrames());
        assertEquals("synchronize_srcu", r.get(2).site());
    }

    @Test
    void r13_srcuCallUnderThrowQueuesNothing() throws Throwable {
        Guard guard = rt(GuardPolicy.THROW);
        try (Srcu srcu = new Srcu("srcu", guard)) {
            AtomicBoolean ran = new AtomicBoolean();
            LockKindsTest.onFreshThread(() -> {
                ContextGuard.nonBlockStart();
                try {
                    assertThrows(SleepInInvalidContextError.class, () -> srcu.call(() -> ran.set(true)));
                    assertThrows(SleepInInvalidContextError.class, srcu::startPoll);
                } finally {
                    ContextGuard.nonBlockEnd();
                }
                clean();
                srcu.call(() -> { }); // outside: fine
            });
            srcu.barrier();
            assertFalse(ran.get(), "a refused call_srcu queued nothing");
        }
    }

    @Test
    void r13_srcuUpdateSideNeverSleepsUnderNoneOrWithRawLocks() throws Throwable {
        Guard none = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        Guard rtThrow = rt(GuardPolicy.THROW);
        try (Srcu a = new Srcu("srcu_none", none);
             Srcu b = new Srcu("srcu_raw", rtThrow, Srcu.UpdateLock.RAW_SPINLOCK)) {
            LockKindsTest.onFreshThread(() -> {
                ContextGuard.nonBlockStart();
                try {
                    for (Srcu s : List.of(a, b)) {
                        long c = s.startPoll();
                        s.call(() -> { });
                        s.pollCompleted(c);
                    }
                } finally {
                    ContextGuard.nonBlockEnd();
                }
                clean();
            });
        }
        assertEquals(List.of(), none.reports());
        assertEquals(List.of(), rtThrow.reports());
    }

    @Test
    void r13_getStateCookieCompletesAfterAGracePeriodWithoutStartingOne() throws Throwable {
        try (Srcu srcu = new Srcu("state", rt(GuardPolicy.THROW))) {
            long before = srcu.completedGracePeriods();
            long cookie = srcu.getState();
            assertEquals(before, srcu.completedGracePeriods(), "getState starts nothing");
            assertEquals(cookie, srcu.getState(), "same cookie while idle");
            int token = srcu.readLock();
            assertFalse(srcu.pollCompleted(cookie), "a reader that entered before is still inside");
            srcu.readUnlock(token);
            srcu.synchronize();
            assertTrue(srcu.pollCompleted(cookie));
        }
    }

    @Test
    void r13_offPolicyLeavesTheContextAlone() throws Throwable {
        Guard off = rt(GuardPolicy.OFF);
        SpinLock spin = new SpinLock("&kvm->mmu_lock", off);
        RwLock rw = new RwLock("&gpc->lock", off);
        try (Srcu srcu = new Srcu("off", off)) {
            LockKindsTest.onFreshThread(() -> {
                ContextGuard.nonBlockStart();
                try {
                    spin.lock("a");
                    rw.writeLockIrq("b");
                    assertEquals(0, ContextGuard.rcuNestDepth());
                    srcu.startPoll();
                    rw.writeUnlockIrq();
                    spin.unlock();
                } finally {
                    ContextGuard.nonBlockEnd();
                }
                clean();
            });
        }
        assertEquals(List.of(), off.reports());
    }
}
