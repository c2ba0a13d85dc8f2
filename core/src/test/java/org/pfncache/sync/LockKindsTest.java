package org.pfncache.sync;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pfncache.GuardPolicy;
import org.pfncache.LockKind;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.GuardReport;
import org.pfncache.guard.SleepInInvalidContextError;

/**
 * R13: what each lock kind is under PREEMPT_NONE and PREEMPT_RT (might-sleep on acquisition,
 * holder atomic or not), trylock, ownership checks, and mutual exclusion under contention.
 * Stateful tests run on fresh threads (the guard context is a ThreadLocal) and balance it.
 */
class LockKindsTest {
    private static final AtomicInteger THREADS = new AtomicInteger();

    static String onFreshThread(Executable body) throws Throwable {
        String name = "lockkinds-test-" + THREADS.incrementAndGet();
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
        assertEquals(List.of(), ContextGuard.heldLocks(), "held locks");
    }

    // ---- raw_spinlock_t ----------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(PreemptionModel.class)
    void r13_rawSpinLockNeverReportsAndMakesHolderAtomic(PreemptionModel model) throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(model, GuardPolicy.THROW, seen::add);
        RawSpinLock raw = new RawSpinLock("mn_invalidate_lock", guard);
        assertFalse(raw.sleeping());
        assertTrue(raw.atomic());
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                raw.lock("kvm_mmu_notifier_invalidate_range_start");  // THROW: would throw if it counted
                try {
                    assertTrue(raw.isHeldByCurrentThread());
                    assertEquals(1, ContextGuard.preemptCount());
                    assertTrue(ContextGuard.inAtomic());
                    assertEquals(List.of("mn_invalidate_lock at kvm_mmu_notifier_invalidate_range_start"),
                            ContextGuard.heldLocks());
                } finally {
                    raw.unlock();
                }
                assertEquals(0, ContextGuard.preemptCount());
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(List.of(), seen);
    }

    // ---- spinlock_t --------------------------------------------------------------------------

    @Test
    void r13_spinLockUnderNoneSpinsAndMakesHolderAtomic() throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, seen::add);
        SpinLock spin = new SpinLock("mn_invalidate_lock", guard);
        assertFalse(spin.sleeping());
        assertTrue(spin.atomic());
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                spin.lock("range_start");
                try {
                    assertEquals(1, ContextGuard.preemptCount());
                    assertTrue(ContextGuard.inAtomic());
                } finally {
                    spin.unlock();
                }
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(List.of(), seen, "spinlock_t does not sleep under PREEMPT_NONE");
    }

    @Test
    void r13_spinLockUnderRtReportsAtItsNameInsideNonBlock() throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.REPORT, seen::add);
        SpinLock spin = new SpinLock("mn_invalidate_lock", guard);
        assertTrue(spin.sleeping());
        assertFalse(spin.atomic());
        String name = onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                assertFalse(spin.isLocked(), "uncontended");
                spin.lock("kvm_mmu_notifier_invalidate_range_start");
                try {
                    assertEquals(1, seen.size(), "an uncontended acquisition still counts");
                    assertEquals(0, ContextGuard.preemptCount(), "an RT spinlock_t holder stays preemptible");
                    assertFalse(ContextGuard.inAtomic());
                    assertEquals(List.of("mn_invalidate_lock at kvm_mmu_notifier_invalidate_range_start"),
                            ContextGuard.heldLocks());
                } finally {
                    spin.unlock();
                }
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(1, seen.size());
        GuardReport r = seen.get(0);
        assertEquals("mn_invalidate_lock", r.site());
        // The kernel's site: rtlock_might_resched() in __rt_spin_lock, spinlock_rt.c:48.
        assertEquals("BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48",
                r.title());
        assertEquals("kernel/locking/spinlock_rt.c:48", r.kernelSite());
        assertEquals(1, r.nonBlock());
        assertFalse(r.inAtomic());
        // rt_spin_lock: spin_acquire() (lockdep) runs before the check, so the lock is listed.
        assertEquals(List.of("mn_invalidate_lock at kvm_mmu_notifier_invalidate_range_start"), r.locksHeld(),
                "listed: lockdep records it before the might-sleep check");
        assertEquals(0, r.rcuNestDepth());
        assertEquals(List.of("rt_spin_lock"), r.kernelFrames());
        assertEquals(name, r.threadName());
    }

    @Test
    void r13_spinLockUnderRtThrowPolicyThrowsBeforeAcquiring() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        SpinLock spin = new SpinLock("gpc_lock", guard);
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class, spin::lock);
                assertEquals("gpc_lock", e.report().site());
                assertFalse(spin.isLocked(), "a refused acquisition takes nothing");
                assertEquals(List.of(), ContextGuard.heldLocks());
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(1, guard.reports().size());
    }

    @Test
    void r13_spinLockUnderRtHolderIsPreemptibleButInsideRcu() throws Throwable {
        // R13: an RT spinlock_t holder is preemptible (preempt_count 0) but holds rcu_read_lock(),
        // so plain might-sleep inside is reported with RCU nest depth 1, expected 0.
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.REPORT, null);
        SpinLock spin = new SpinLock("kvm->mmu_lock", guard);
        onFreshThread(() -> {
            spin.lock("site");
            try {
                assertEquals(0, ContextGuard.preemptCount());
                assertEquals(1, ContextGuard.rcuNestDepth());
                guard.mightSleep("inside_rt_spinlock");
            } finally {
                spin.unlock();
            }
            assertEquals(0, ContextGuard.rcuNestDepth());
            guard.mightSleep("after_unlock");
            assertCleanContext();
        });
        assertEquals(1, guard.reports().size(), guard.reports()::toString);
        GuardReport r = guard.reports().get(0);
        assertEquals("inside_rt_spinlock", r.site());
        assertFalse(r.inAtomic());
        assertEquals(1, r.rcuNestDepth());
        assertEquals(0, r.rcuNestExpected());
        assertTrue(r.format().contains("\nRCU nest depth: 1, expected: 0\n"), r.format());
    }

    @Test
    void r13_spinLockUnderRtContendedAcquisitionReportsBeforeWaiting() throws Throwable {
        CountDownLatch reported = new CountDownLatch(1);
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.REPORT, r -> reported.countDown());
        SpinLock spin = new SpinLock("contended_lock", guard);
        CountDownLatch holding = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> holder = pool.submit(() -> {
                spin.lock("holder");
                try {
                    holding.countDown();
                    // Released only once the waiter has reported, i.e. while it waits.
                    assertTrue(reported.await(10, SECONDS), "waiter did not report while waiting");
                } finally {
                    spin.unlock();
                }
                return null;
            });
            assertTrue(holding.await(10, SECONDS));
            Future<?> waiter = pool.submit(() -> {
                ContextGuard.nonBlockStart();
                try {
                    spin.lock("waiter");
                    assertTrue(spin.isHeldByCurrentThread());
                    spin.unlock();
                } finally {
                    ContextGuard.nonBlockEnd();
                }
                return null;
            });
            holder.get(10, SECONDS);
            waiter.get(10, SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, guard.reports().size());
        assertEquals("contended_lock", guard.reports().get(0).site());
    }

    // ---- mutex -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(PreemptionModel.class)
    void r13_mutexReportsInsideAtomicSection(PreemptionModel model) throws Throwable {
        List<GuardReport> seen = new CopyOnWriteArrayList<>();
        Guard guard = Guard.create(model, GuardPolicy.THROW, seen::add);
        RawSpinLock raw = new RawSpinLock("gpc_lock", guard);
        Mutex mutex = new Mutex("refresh_lock", guard);
        assertTrue(mutex.sleeping());
        assertFalse(mutex.atomic());
        onFreshThread(() -> {
            raw.lock("invalidate_start");
            try {
                SleepInInvalidContextError e = assertThrows(SleepInInvalidContextError.class,
                        () -> mutex.lock("kvm_gpc_refresh"));
                GuardReport r = e.report();
                assertEquals("refresh_lock", r.site());
                assertTrue(r.inAtomic());
                assertEquals(1, r.preemptCount());
                assertEquals(List.of("gpc_lock at invalidate_start"), r.locksHeld());
                assertFalse(mutex.isLocked(), "refused acquisition takes nothing");
            } finally {
                raw.unlock();
            }
            assertCleanContext();
        });
        assertEquals(1, seen.size());
    }

    @ParameterizedTest
    @EnumSource(PreemptionModel.class)
    void r13_mutexReportsInsideNonBlockAndHolderIsNotAtomic(PreemptionModel model) throws Throwable {
        Guard guard = Guard.create(model, GuardPolicy.REPORT, null);
        Mutex mutex = new Mutex("refresh_lock", guard);
        onFreshThread(() -> {
            mutex.lock("outside");  // clean context: no report
            try {
                assertEquals(0, ContextGuard.preemptCount(), "a mutex holder is preemptible");
                assertEquals(List.of("refresh_lock at outside"), ContextGuard.heldLocks());
            } finally {
                mutex.unlock();
            }
            ContextGuard.nonBlockStart();
            try {
                mutex.lock("inside");
                mutex.unlock();
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(1, guard.reports().size());
        assertEquals("refresh_lock", guard.reports().get(0).site());
        assertEquals(1, guard.reports().get(0).nonBlock());
    }

    // ---- trylock -----------------------------------------------------------------------------

    @Test
    void r13_tryLockNeverReports() throws Throwable {
        Guard rt = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        Guard none = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        SpinLock rtSpin = new SpinLock("rt_spin", rt);
        Mutex rtMutex = new Mutex("rt_mutex", rt);
        Mutex noneMutex = new Mutex("none_mutex", none);
        RawSpinLock raw = new RawSpinLock("raw", none);
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                assertTrue(rtSpin.tryLock("try_site"));  // THROW: lock() would throw here
                assertEquals(List.of("rt_spin at try_site"), ContextGuard.heldLocks());
                assertEquals(0, ContextGuard.preemptCount());
                rtSpin.unlock();
                assertTrue(rtMutex.tryLock());
                rtMutex.unlock();
                raw.lock();  // atomic now
                try {
                    assertTrue(noneMutex.tryLock());
                    noneMutex.unlock();
                } finally {
                    raw.unlock();
                }
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(List.of(), rt.reports());
        assertEquals(List.of(), none.reports());
    }

    @Test
    void r13_tryLockFailsWhileAnotherThreadHolds() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        Mutex mutex = new Mutex("busy", guard);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> holder = pool.submit(() -> {
                mutex.lock();
                try {
                    holding.countDown();
                    assertTrue(release.await(10, SECONDS));
                } finally {
                    mutex.unlock();
                }
                return null;
            });
            assertTrue(holding.await(10, SECONDS));
            onFreshThread(() -> {
                assertTrue(mutex.isLocked());
                assertFalse(mutex.isHeldByCurrentThread());
                assertFalse(mutex.tryLock());
                assertEquals(List.of(), ContextGuard.heldLocks(), "a failed trylock records nothing");
            });
            release.countDown();
            holder.get(10, SECONDS);
            onFreshThread(() -> {
                assertTrue(mutex.tryLock());
                mutex.unlock();
            });
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    // ---- rwlock_t ----------------------------------------------------------------------------

    @Test
    void r13_rwLockUnderRtReportsReadAndWriteSites() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.REPORT, null);
        RwLock rw = new RwLock("gpc->lock", guard);
        assertTrue(rw.sleeping());
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                rw.readLock("kvm_gpc_check");
                try {
                    assertEquals(0, ContextGuard.preemptCount(), "RT rwlock_t reader is preemptible");
                    assertEquals(List.of("gpc->lock (read) at kvm_gpc_check"), ContextGuard.heldLocks());
                } finally {
                    rw.readUnlock();
                }
                rw.writeLock("gfn_to_pfn_cache_invalidate_start");
                try {
                    assertEquals(0, ContextGuard.preemptCount(), "RT rwlock_t writer is preemptible");
                    assertEquals(List.of("gpc->lock (write) at gfn_to_pfn_cache_invalidate_start"),
                            ContextGuard.heldLocks());
                } finally {
                    rw.writeUnlock();
                }
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        List<GuardReport> reports = guard.reports();
        assertEquals(2, reports.size(), reports::toString);
        assertEquals("gpc->lock (read)", reports.get(0).site());
        assertEquals("gpc->lock (write)", reports.get(1).site());
        assertEquals(1, reports.get(1).nonBlock());
        assertFalse(reports.get(1).inAtomic());
    }

    @Test
    void r13_rwLockUnderRtThrowPolicyRefusesWithoutTakingTheLock() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        RwLock rw = new RwLock("gpc->lock", guard);
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                assertThrows(SleepInInvalidContextError.class, rw::readLock);
                assertEquals(0, rw.readers());
                assertThrows(SleepInInvalidContextError.class, rw::writeLock);
                assertFalse(rw.isWriteLocked());
                assertEquals(List.of(), ContextGuard.heldLocks());
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(2, guard.reports().size());
    }

    @Test
    void r13_rwLockUnderNoneSpinsAndMakesHolderAtomic() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        RwLock rw = new RwLock("gpc->lock", guard);
        assertFalse(rw.sleeping());
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                rw.readLock("r");
                try {
                    assertEquals(1, ContextGuard.preemptCount());
                    assertThrows(SleepInInvalidContextError.class, () -> guard.mightSleep("in_read"));
                } finally {
                    rw.readUnlock();
                }
                rw.writeLock("w");
                try {
                    assertEquals(1, ContextGuard.preemptCount());
                    assertTrue(rw.isWriteLockedByCurrentThread());
                } finally {
                    rw.writeUnlock();
                }
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(1, guard.reports().size(), "only the explicit mightSleep reported");
        assertEquals("in_read", guard.reports().get(0).site());
    }

    @Test
    void r13_tryWriteLockAndTryReadLockNeverReport() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        RwLock rw = new RwLock("gpc->lock", guard);
        onFreshThread(() -> {
            ContextGuard.nonBlockStart();
            try {
                assertTrue(rw.tryWriteLock("oom_reaper"));
                assertEquals(List.of("gpc->lock (write) at oom_reaper"), ContextGuard.heldLocks());
                rw.writeUnlock();
                assertTrue(rw.tryReadLock());
                assertEquals(List.of("gpc->lock (read)"), ContextGuard.heldLocks());
                rw.readUnlock();
            } finally {
                ContextGuard.nonBlockEnd();
            }
            assertCleanContext();
        });
        assertEquals(List.of(), guard.reports());
    }

    // ---- construction and ownership ----------------------------------------------------------

    @Test
    void r13_kernelLockOfReturnsTheRightKind() {
        Guard rt = Guard.create(PreemptionModel.RT, GuardPolicy.REPORT, null);
        Guard none = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        KernelLock spinRt = KernelLock.of(LockKind.SPINLOCK, "mn_invalidate_lock", rt);
        KernelLock rawRt = KernelLock.of(LockKind.RAW_SPINLOCK, "gpc_lock", rt);
        KernelLock spinNone = KernelLock.of(LockKind.SPINLOCK, "mn_invalidate_lock", none);
        assertInstanceOf(SpinLock.class, spinRt);
        assertInstanceOf(RawSpinLock.class, rawRt);
        assertInstanceOf(SpinLock.class, spinNone);
        assertEquals("mn_invalidate_lock", spinRt.name());
        assertEquals("gpc_lock", rawRt.name());
        assertTrue(spinRt.sleeping());
        assertFalse(spinRt.atomic());
        assertFalse(rawRt.sleeping());
        assertTrue(rawRt.atomic());
        assertFalse(spinNone.sleeping());
        assertTrue(spinNone.atomic());
        assertEquals("spinlock_t(mn_invalidate_lock)", spinRt.toString());
        assertEquals("raw_spinlock_t(gpc_lock)", rawRt.toString());
        // No guard: the process default domain, PREEMPT_NONE.
        assertFalse(KernelLock.of(LockKind.SPINLOCK, "default_domain", null).sleeping());
    }

    @Test
    void r13_unlockByNonOwnerThrowsNamingTheLock() throws Throwable {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        List<KernelLock> locks = List.of(new SpinLock("spin_owned", guard),
                new RawSpinLock("raw_owned", guard), new Mutex("mutex_owned", guard));
        for (KernelLock lock : locks) {
            // Never locked at all.
            onFreshThread(() -> {
                IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, lock::unlock);
                assertTrue(e.getMessage().contains(lock.name()), e.getMessage());
                assertCleanContext();
            });
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> holder = pool.submit(() -> {
                    lock.lock("owner_site");
                    try {
                        holding.countDown();
                        assertTrue(release.await(10, SECONDS));
                        assertTrue(lock.isHeldByCurrentThread(), "a foreign unlock must not steal the lock");
                    } finally {
                        lock.unlock();
                    }
                    return null;
                });
                assertTrue(holding.await(10, SECONDS));
                onFreshThread(() -> {
                    IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class,
                            lock::unlock);
                    assertTrue(e.getMessage().contains(lock.name()), e.getMessage());
                    assertTrue(lock.isLocked());
                    assertCleanContext();
                });
                release.countDown();
                holder.get(10, SECONDS);
                assertFalse(lock.isLocked());
            } finally {
                release.countDown();
                pool.shutdownNow();
            }
        }
        assertEquals(List.of(), guard.reports());
    }

    @Test
    void r13_writeUnlockByNonOwnerThrowsNamingTheLock() throws Throwable {
        RwLock rw = new RwLock("rw_owned", Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> holder = pool.submit(() -> {
                rw.writeLock();
                try {
                    holding.countDown();
                    assertTrue(release.await(10, SECONDS));
                } finally {
                    rw.writeUnlock();
                }
                return null;
            });
            assertTrue(holding.await(10, SECONDS));
            onFreshThread(() -> {
                IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, rw::writeUnlock);
                assertTrue(e.getMessage().contains("rw_owned"), e.getMessage());
                assertTrue(rw.isWriteLocked());
                assertCleanContext();
            });
            release.countDown();
            holder.get(10, SECONDS);
            assertFalse(rw.isWriteLocked());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void r13_blankNameIsRejected() {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.REPORT, null);
        List<BiFunction<String, Guard, Object>> ctors = List.of(SpinLock::new, RawSpinLock::new, Mutex::new,
                RwLock::new, (n, g) -> KernelLock.of(LockKind.SPINLOCK, n, g),
                (n, g) -> KernelLock.of(LockKind.RAW_SPINLOCK, n, g));
        List<String> bad = new ArrayList<>();
        bad.add(null);
        bad.add("");
        bad.add("   ");
        bad.add("\t\n");
        for (BiFunction<String, Guard, Object> ctor : ctors) {
            for (String name : bad) {
                assertThrows(IllegalArgumentException.class, () -> ctor.apply(name, guard), "name " + name);
                assertThrows(IllegalArgumentException.class, () -> ctor.apply(name, null), "name " + name);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new SpinLock(""));
        assertThrows(IllegalArgumentException.class, () -> new RawSpinLock(" "));
        assertThrows(IllegalArgumentException.class, () -> new Mutex(null));
        assertThrows(IllegalArgumentException.class, () -> new RwLock(""));
    }

    // ---- mutual exclusion --------------------------------------------------------------------

    private enum Kind { SPINLOCK, RAW_SPINLOCK, MUTEX }

    private static KernelLock make(Kind kind, String name, Guard guard) {
        return switch (kind) {
            case SPINLOCK -> new SpinLock(name, guard);
            case RAW_SPINLOCK -> new RawSpinLock(name, guard);
            case MUTEX -> new Mutex(name, guard);
        };
    }

    /** Plain, non-volatile counter: only the lock orders the increments. */
    private static final class Counter {
        long value;
    }

    private static void hammer(KernelLock lock, int threads, int iterations) throws Exception {
        Counter counter = new Counter();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await(10, SECONDS);
                    for (int i = 0; i < iterations; i++) {
                        lock.lock();
                        try {
                            long v = counter.value;
                            counter.value = v + 1;
                        } finally {
                            lock.unlock();
                        }
                    }
                    assertEquals(0, ContextGuard.preemptCount());
                    assertEquals(List.of(), ContextGuard.heldLocks());
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(20, SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        lock.lock();
        try {
            assertEquals((long) threads * iterations, counter.value, lock + ": lost increments");
        } finally {
            lock.unlock();
        }
        assertFalse(lock.isLocked());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void r13_mutualExclusionUnderContentionPreemptNone(Kind kind) throws Exception {
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        hammer(make(kind, "counter_lock", guard), 4, 10_000);
        assertEquals(List.of(), guard.reports());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void r13_mutualExclusionUnderContentionPreemptRt(Kind kind) throws Exception {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.THROW, null);
        hammer(make(kind, "counter_lock", guard), 3, 10_000);
        assertEquals(List.of(), guard.reports());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void r13_mutualExclusionWithGuardOff(Kind kind) throws Exception {
        Guard guard = Guard.create(PreemptionModel.RT, GuardPolicy.OFF, null);
        hammer(make(kind, "counter_lock", guard), 2, 10_000);
    }

    @Test
    void r13_lockIsExclusiveAcrossKindsSharingNoState() throws Throwable {
        // Two distinct locks are independent: holding one never blocks the other.
        Guard guard = Guard.create(PreemptionModel.NONE, GuardPolicy.THROW, null);
        SpinLock a = new SpinLock("a", guard);
        SpinLock b = new SpinLock("b", guard);
        onFreshThread(() -> {
            a.lock();
            try {
                assertTrue(b.tryLock());
                assertFalse(a.tryLock(), "not recursive");
                b.unlock();
            } finally {
                a.unlock();
            }
            assertCleanContext();
        });
    }
}
