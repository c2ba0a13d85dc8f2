package org.pfncache.guard;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.sync.Mutex;
import org.pfncache.sync.RawSpinLock;
import org.pfncache.sync.RwLock;
import org.pfncache.sync.SpinLock;

/**
 * R12: the per-thread context ({@code preempt_count}, {@code non_block}, held locks) and the
 * might-sleep check with its three policies. Every stateful test runs on a fresh thread, because
 * the context is a ThreadLocal, and balances what it changes in {@code finally}.
 */
class ContextGuardTest {
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** Runs {@code body} on a new thread, waits (bounded) for it, and rethrows what it threw. */
    static String onFreshThread(Executable body) throws Throwable {
        String name = "ctxguard-test-" + THREADS.incrementAndGet();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
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
        return name;
    }

    private static void assertCleanContext() {
        assertEquals(0, ContextGuard.preemptCount(), "preempt_count");
        assertEquals(0, ContextGuard.nonBlockCount(), "non_block");
        assertFalse(ContextGuard.inAtomic(), "in_atomic");
        assertEquals(List.of(), ContextGuard.heldLocks(), "held locks");
    }

    // ---- R12: where mightSleep reports -------------------------------------------------------

    @ParameterizedTest
    @EnumSource(GuardPolicy.class)
    void r12_mightSleepOutsideAnyContextDoesNotReport(GuardPolicy policy) throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.NONE, policy, seen::add);
        onFreshThread(() -> {
            assertCleanContext();
            guard.mightSleep("kvm_gpc_refresh");  // must not throw, even under THROW
            ContextGuard.enterOperation(guard);
            try {
                ContextGuard.mightSleep("kvm_gpc_refresh");
            } finally {
                ContextGuard.exitOperation();
            }
        });
        assertEquals(List.of(), seen);
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r12_mightSleepInNonBlockSectionReports() throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, seen::add);
        AtomicReference<Long> tid = new AtomicReference<>();
        String name = onFreshThread(() -> {
            tid.set(Thread.currentThread().getId());
            ContextGuard.nonBlockStart();
            try {
                assertEquals(1, ContextGuard.nonBlockCount());
                assertFalse(ContextGuard.inAtomic(), "non_block alone is not atomic");
                guard.mightSleep("hva_to_pfn");
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(1, seen.size());
        GuardReport r = seen.get(0);
        assertEquals("hva_to_pfn", r.site());
        assertEquals("BUG: sleeping function called from invalid context at hva_to_pfn", r.title());
        assertEquals(1, r.nonBlock());
        assertFalse(r.inAtomic());
        assertFalse(r.irqsDisabled());
        assertEquals(0, r.preemptCount());
        assertEquals(List.of(), r.locksHeld());
        assertEquals(name, r.threadName());
        assertEquals(tid.get(), r.tid());
        assertEquals(List.of(r), guard.reports());
    }

    @Test
    void r12_nestedNonBlockSectionsCountDepth() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                ContextGuard.nonBlockStart();
                try {
                    guard.mightSleep("inner");
                } finally {
                    ContextGuard.nonBlockEnd();
                }
                assertEquals(1, ContextGuard.nonBlockCount());
                guard.mightSleep("outer");
            } finally {
                ContextGuard.nonBlockEnd();
            }
            guard.mightSleep("outside");
            assertCleanContext();
        });
        List<GuardReport> reports = guard.reports();
        assertEquals(2, reports.size(), reports::toString);
        assertEquals("inner", reports.get(0).site());
        assertEquals(2, reports.get(0).nonBlock());
        assertEquals("outer", reports.get(1).site());
        assertEquals(1, reports.get(1).nonBlock());
    }

    @Test
    void r12_mightSleepUnderRawSpinLockReportsAtomicWithHeldLock() throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, seen::add);
        RawSpinLock gpcLock = new RawSpinLock("gpc_lock", guard);
        onFreshThread(() -> {
            gpcLock.lock("kvm_mmu_notifier_invalidate_range_start");
            try {
                assertEquals(1, ContextGuard.preemptCount());
                assertTrue(ContextGuard.inAtomic());
                guard.mightSleep("kvm_gpc_refresh");
            } finally {
                gpcLock.unlock();
            }
            assertCleanContext();
        });
        assertEquals(1, seen.size());
        GuardReport r = seen.get(0);
        assertEquals("kvm_gpc_refresh", r.site());
        assertTrue(r.inAtomic());
        assertEquals(1, r.preemptCount());
        assertEquals(0, r.nonBlock());
        assertEquals(List.of("gpc_lock at kvm_mmu_notifier_invalidate_range_start"), r.locksHeld());
    }

    @Test
    void r12_mightSleepAfterPreemptDisableReports() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        onFreshThread(() -> {
            ContextGuard.preemptDisable();
            try {
                assertTrue(ContextGuard.inAtomic());
                guard.mightSleep("kmap");
            } finally {
                ContextGuard.preemptEnable();
            }
            guard.mightSleep("after");
            assertCleanContext();
        });
        assertEquals(1, guard.reports().size());
        GuardReport r = guard.reports().get(0);
        assertEquals("kmap", r.site());
        assertTrue(r.inAtomic());
        assertEquals(1, r.preemptCount());
        assertEquals(List.of(), r.locksHeld());
    }

    @Test
    void r12_mightSleepWithIrqsDisabledReports() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        onFreshThread(() -> {
            ContextGuard.localIrqDisable();
            try {
                guard.mightSleep("irq_off");
            } finally {
                ContextGuard.localIrqEnable();
            }
            guard.mightSleep("irq_on");
        });
        assertEquals(1, guard.reports().size());
        GuardReport r = guard.reports().get(0);
        assertEquals("irq_off", r.site());
        assertTrue(r.irqsDisabled());
        assertFalse(r.inAtomic());
    }

    @Test
    void r12_heldLocksAreListedOutermostFirstAndMayBeReleasedOutOfOrder() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        RawSpinLock a = new RawSpinLock("lock_a", guard);
        RawSpinLock b = new RawSpinLock("lock_b", guard);
        SpinLock c = new SpinLock("lock_c", guard);
        onFreshThread(() -> {
            a.lock("site_a");
            b.lock("site_b");
            c.lock();  // no site: listed by name only
            try {
                assertEquals(List.of("lock_a at site_a", "lock_b at site_b", "lock_c"),
                        ContextGuard.heldLocks());
                assertEquals(3, ContextGuard.preemptCount());
                a.unlock();  // not LIFO
                assertEquals(List.of("lock_b at site_b", "lock_c"), ContextGuard.heldLocks());
                assertEquals(2, ContextGuard.preemptCount());
            } finally {
                c.unlock();
                b.unlock();
            }
            assertCleanContext();
        });
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r12_contextIsPerThread() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        RawSpinLock lock = new RawSpinLock("other_threads_lock", guard);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch checked = new CountDownLatch(1);
        AtomicReference<Throwable> holderFailure = new AtomicReference<>();
        Thread holder = new Thread(() -> {
            ContextGuard.nonBlockStart();
            lock.lock("holder");
            try {
                holding.countDown();
                assertTrue(checked.await(10, SECONDS));
            } catch (Throwable x) {
                holderFailure.set(x);
            } finally {
                lock.unlock();
                ContextGuard.nonBlockEnd();
            }
        }, "ctxguard-holder");
        holder.setDaemon(true);
        holder.start();
        try {
            assertTrue(holding.await(10, SECONDS));
            onFreshThread(() -> {
                assertCleanContext();
                guard.mightSleep("elsewhere");  // THROW: would throw if the context leaked
            });
        } finally {
            checked.countDown();
        }
        holder.join(SECONDS.toMillis(10));
        assertFalse(holder.isAlive());
        assertEquals(null, holderFailure.get());
        assertEquals(List.of(), guard.reports());
    }

    // ---- R12: policies -----------------------------------------------------------------------

    @Test
    void r12_throwPolicyThrowsErrorCarryingReportAndCallsListenerOnce() throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, seen::add);
        AtomicReference<SleepInInvalidContextError> thrown = new AtomicReference<>();
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                thrown.set(assertThrows(SleepInInvalidContextError.class,
                        () -> guard.mightSleep("synchronize_srcu")));
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(1, seen.size(), "listener called exactly once");
        GuardReport r = thrown.get().report();
        assertSame(seen.get(0), r, "the error carries the report the listener saw");
        assertEquals("synchronize_srcu", r.site());
        assertEquals(1, r.nonBlock());
        assertEquals(List.of(r), guard.reports());
        assertTrue(thrown.get().getMessage().startsWith(
                "BUG: sleeping function called from invalid context at synchronize_srcu"),
                thrown.get().getMessage());
    }

    @Test
    void r12_reportPolicyCallsListenerWithoutThrowingAndReportsGrow() throws Throwable {
        AtomicInteger calls = new AtomicInteger();
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, r -> calls.incrementAndGet());
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                guard.mightSleep("first");
                assertEquals(1, guard.reports().size());
                guard.mightSleep("second");
                assertEquals(2, guard.reports().size());
            } finally {
                ContextGuard.nonBlockEnd();
            }
        });
        assertEquals(2, calls.get());
        List<GuardReport> reports = guard.reports();
        assertEquals("first", reports.get(0).site());
        assertEquals("second", reports.get(1).site());
    }

    @Test
    void r12_reportsSnapshotIsImmutable() {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        assertThrows(UnsupportedOperationException.class, () -> guard.reports().add(null));
    }

    @Test
    void r12_offPolicyReportsNothing() throws Throwable {
        AtomicInteger calls = new AtomicInteger();
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.OFF, r -> calls.incrementAndGet());
        assertFalse(guard.tracking());
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            ContextGuard.preemptDisable();
            try {
                guard.mightSleep("anything");
                ContextGuard.enterOperation(guard);
                try {
                    ContextGuard.mightSleep("anything_static");
                } finally {
                    ContextGuard.exitOperation();
                }
            } finally {
                ContextGuard.preemptEnable();
                ContextGuard.nonBlockEnd();
            }
            // Unmatched ends are not reported either when the active domain is OFF.
            ContextGuard.enterOperation(guard);
            try {
                ContextGuard.nonBlockEnd();
                ContextGuard.preemptEnable();
            } finally {
                ContextGuard.exitOperation();
            }
            assertEquals(0, ContextGuard.nonBlockCount());
            assertEquals(0, ContextGuard.preemptCount());
        });
        assertEquals(0, calls.get());
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r12_offPolicyLocksDoNotTouchThreadContext() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.OFF, null);
        RawSpinLock raw = new RawSpinLock("raw_off", guard);
        SpinLock spin = new SpinLock("spin_off", guard);
        Mutex mutex = new Mutex("mutex_off", guard);
        RwLock rw = new RwLock("rw_off", guard);
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();  // RT + non_block: would report if the domain tracked
            try {
                raw.lock("site");
                try {
                    assertTrue(raw.isLocked());
                    assertEquals(0, ContextGuard.preemptCount());
                    assertFalse(ContextGuard.inAtomic());
                    assertEquals(List.of(), ContextGuard.heldLocks());
                    spin.lock("site");
                    mutex.lock("site");
                    rw.readLock("site");
                    assertEquals(0, ContextGuard.preemptCount());
                    assertEquals(List.of(), ContextGuard.heldLocks());
                    rw.readUnlock();
                    rw.writeLock("site");
                    assertEquals(List.of(), ContextGuard.heldLocks());
                    rw.writeUnlock();
                    mutex.unlock();
                    spin.unlock();
                } finally {
                    raw.unlock();
                }
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r12_nonBlockEndWithoutStartIsReported() throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, seen::add);
        onFreshThread(() -> {
            ContextGuard.enterOperation(guard);
            try {
                ContextGuard.nonBlockEnd();
                assertEquals(0, ContextGuard.nonBlockCount(), "an unmatched end must not go negative");
            } finally {
                ContextGuard.exitOperation();
            }
        });
        assertEquals(1, seen.size());
        GuardReport r = seen.get(0);
        assertTrue(r.title().contains("non_block_end"), r.title());
        assertEquals("non_block_end", r.site());
        assertEquals(0, r.nonBlock());
    }

    @Test
    void r12_nonBlockEndWithoutStartThrowsUnderProcessDefault() throws Throwable {
        assertEquals(GuardPolicy.THROW, Guard.processDefault().policy(), "process default is THROW");
        onFreshThread(() -> {
            SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class,
                    ContextGuard::nonBlockEnd);
            assertTrue(e.report().title().contains("non_block_end"), e.report().title());
            assertEquals(0, ContextGuard.nonBlockCount());
        });
    }

    @Test
    void r12_preemptEnableWithoutDisableIsReported() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        onFreshThread(() -> {
            ContextGuard.enterOperation(guard);
            try {
                ContextGuard.preemptEnable();
                assertEquals(0, ContextGuard.preemptCount(), "an unmatched enable must not go negative");
            } finally {
                ContextGuard.exitOperation();
            }
        });
        assertEquals(1, guard.reports().size());
        assertTrue(guard.reports().get(0).title().contains("preempt_enable"));
    }

    // ---- R12: which domain's policy the static mightSleep uses -------------------------------

    @Test
    void r12_enterOperationUsesThatGuardAndExitRestoresProcessDefault() throws Throwable {
        assertEquals(GuardPolicy.THROW, Guard.processDefault().policy(), "process default is THROW");
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, seen::add);
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                ContextGuard.enterOperation(guard);
                try {
                    ContextGuard.mightSleep("inside_operation");  // REPORT: no throw
                } finally {
                    ContextGuard.exitOperation();
                }
                SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class,
                        () -> ContextGuard.mightSleep("after_operation"));
                assertEquals("after_operation", e.report().site());
            } finally {
                ContextGuard.nonBlockEnd();
            }
        });
        assertEquals(1, seen.size());
        assertEquals("inside_operation", seen.get(0).site());
        assertEquals(List.copyOf(seen), guard.reports());
    }

    @Test
    void r12_nestedOperationsUseTheInnermostGuard() throws Throwable {
        Guard outer = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        Guard inner = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        Guard off = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                ContextGuard.enterOperation(outer);
                try {
                    ContextGuard.enterOperation(inner);
                    try {
                        assertThrows(SleepInInvalidContextError.class, () -> ContextGuard.mightSleep("inner"));
                        ContextGuard.enterOperation(off);
                        try {
                            ContextGuard.mightSleep("off");
                        } finally {
                            ContextGuard.exitOperation();
                        }
                    } finally {
                        ContextGuard.exitOperation();
                    }
                    ContextGuard.mightSleep("outer");
                } finally {
                    ContextGuard.exitOperation();
                }
            } finally {
                ContextGuard.nonBlockEnd();
            }
        });
        assertEquals(1, inner.reports().size());
        assertEquals("inner", inner.reports().get(0).site());
        assertEquals(1, outer.reports().size());
        assertEquals("outer", outer.reports().get(0).site());
        assertEquals(List.of(), off.reports());
    }

    @Test
    void r12_changedProcessDefaultPolicyAppliesOutsideOperations() throws Throwable {
        assertEquals(GuardPolicy.THROW, Guard.processDefault().policy());
        int before = Guard.processDefault().reports().size();
        Guard.setDefaultPolicy(GuardPolicy.REPORT);
        try {
            assertEquals(GuardPolicy.REPORT, Guard.processDefault().policy());
            String name = onFreshThread(() -> {
                ContextGuard.nonBlockStart();
                try {
                    ContextGuard.mightSleep("default_report");  // REPORT: no throw
                } finally {
                    ContextGuard.nonBlockEnd();
                }
            });
            List<GuardReport> reports = Guard.processDefault().reports();
            assertEquals(before + 1, reports.size());
            GuardReport r = reports.get(reports.size() - 1);
            assertEquals("default_report", r.site());
            assertEquals(name, r.threadName());
        } finally {
            Guard.setDefaultPolicy(GuardPolicy.THROW);
        }
        assertEquals(GuardPolicy.THROW, Guard.processDefault().policy());
        assertEquals(PreemptionModel.NONE, Guard.processDefault().preemption());
    }

    @Test
    void r12_createRejectsNullModelOrPolicy() {
        assertThrows(NullPointerException.class, () -> Guard.create(null, GuardPolicy.THROW, null));
        assertThrows(NullPointerException.class, () -> Guard.create(PreemptionModel.NONE, null, null));
        assertThrows(NullPointerException.class, () -> Guard.setDefaultPolicy(null));
        assertEquals(GuardPolicy.THROW, Guard.processDefault().policy());
    }
}
