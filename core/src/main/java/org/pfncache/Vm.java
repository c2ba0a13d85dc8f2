package org.pfncache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.GuardReport;
import org.pfncache.host.HostMm;
import org.pfncache.host.MmuNotifier;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.host.PhysicalMemory;
import org.pfncache.jfr.InvalidationEvent;
import org.pfncache.sync.KernelLock;
import org.pfncache.sync.RwLock;

/**
 * {@code struct kvm}: memslots, the host mm, the MMU-notifier bookkeeping, {@code kvm->mmu_lock}
 * and the list of active caches (docs/semantics.md, the objects and R8-R11).
 *
 * <p>Notifier protocol, as kvm_main.c has it. {@code invalidate_range_start} (R8) raises
 * {@code mn_active_invalidate_count} under {@code mn_invalidate_lock}, walks gpc_list under
 * {@code gpc_lock} ({@link GpcList#walk}), lets the strategies' {@link InvalidationStrategy.Drain
 * drains} wait for readers with gpc_lock dropped, then, only if a memslot overlaps the range,
 * takes {@code mmu_lock} for write and raises {@code mmu_invalidate_in_progress}
 * ({@code kvm_handle_hva_range} with {@code kvm_mmu_invalidate_begin}). A strategy that cannot
 * finish a non-blockable range answers -EAGAIN; the mm core then WARNs and calls this notifier's
 * end anyway (R10), so start rolls nothing back. {@code invalidate_range_end} (R9) takes mmu_lock
 * again when a memslot overlaps and bumps {@code mmu_invalidate_seq} there
 * ({@code kvm_mmu_invalidate_end}), then lowers the count under mn_invalidate_lock and, at zero,
 * wakes a memslot update waiting in {@code kvm_swap_active_memslots} (R11). A memslot update
 * never completes while the count is raised, so start and end see the same overlap.
 *
 * <p>Ordering (R5). The count is raised before the walk takes any cache's lock, and refresh reads
 * it (acquire, the smp_rmb() of mmu_notifier_retry_cache) with that cache's write side held: the
 * lock pairs them. The sequence is bumped before the count is lowered (release, the smp_wmb()), so
 * a refresh that sees the lowered count also sees the new sequence. The window the kernel leaves:
 * for a range that no memslot overlaps the sequence is not bumped, so a refresh of an hva-based
 * cache outside every memslot that straddles a whole invalidation, start to end, publishes the old
 * pfn (see docs/semantics.md, R9, and the test named after mmu_notifier_retry_cache).
 *
 * <p>Lifecycle: an operations gate. {@code activate}, {@code activateHva}, {@code refresh},
 * {@code deactivate} and {@link #newCache} run inside the gate ({@link #enterOperation}); one word
 * holds a CLOSING bit and the number of operations inside. An operation enters with a CAS that
 * fails once CLOSING is set, so it either is counted before {@link #close()} sets CLOSING or
 * sees CLOSING and throws {@link IllegalStateException}. close() sets CLOSING, waits for the count
 * to drain (the last operation out unparks it), and only then deactivates the caches on gpc_list:
 * after close() returns no cache is active and nothing is mapped, whoever lost the race. The Vm
 * keeps no other list of caches: gpc_list holds the active ones only, so a deactivated cache the
 * caller dropped is garbage. {@code deactivate} during or after close returns once close has
 * finished (close deactivates everything), so it stays idempotent and never throws for a closed
 * Vm. A second close() waits for the first to finish.
 */
public final class Vm implements AutoCloseable {
    private static final VarHandle COUNT;
    private static final VarHandle SEQ;
    private static final AtomicInteger VM_IDS = new AtomicInteger();
    /** The most simulated RAM a Vm may have: 2^20 pages (4 GiB). */
    public static final int MAX_PHYSICAL_PAGES = 1 << 20;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COUNT = l.findVarHandle(Vm.class, "mnActiveInvalidateCount", int.class);
            SEQ = l.findVarHandle(Vm.class, "mmuInvalidateSeq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int id = VM_IDS.incrementAndGet();
    private final Guard guard;
    private final InvalidationStrategy defaultStrategy;
    private final LockKind notifierLockKind;
    private final LockKind mmuLockKind;
    private final Duration nonBlockPollBudget;
    private final PhysicalMemory memory;
    private final HostMm mm;
    private final Memslots memslots;
    private final KernelLock mnInvalidateLock;
    private final GpcList gpcList;
    private final MmuLock mmuLock;
    private final Map<Class<?>, Object> shared = new LinkedHashMap<>();
    /** Copy-on-write snapshot of the shared resources that drain readers on invalidation. */
    private volatile InvalidationStrategy.Drain[] drains = new InvalidationStrategy.Drain[0];
    /** The operations gate: {@link #CLOSING} plus the number of operations inside (class comment). */
    private final AtomicLong gate = new AtomicLong();
    private static final long CLOSING = 1L << 62;
    /** The thread running close(); set (once, by CAS) before CLOSING, read by the last operation out. */
    private final AtomicReference<Thread> closer = new AtomicReference<>();
    /** Counted down when the first close() has finished; later closes and deactivates wait for it. */
    private final CountDownLatch closeDone = new CountDownLatch(1);
    private final Duration readerStallTimeout;
    private final Notifier notifier = new Notifier();
    private final AtomicInteger cacheIds = new AtomicInteger();
    /** Written under mn_invalidate_lock; read lock-free by refresh (see the class comment). */
    @SuppressWarnings("unused")
    private volatile int mnActiveInvalidateCount;
    /** Written under mmu_lock; read lock-free by refresh. */
    @SuppressWarnings("unused")
    private volatile long mmuInvalidateSeq;
    /** Counters behind {@link #stats()}; see {@link Counters} for the cache-level ones. */
    private final VmCounters counters = new VmCounters();
    private final boolean statistics;
    /** kvm->mmu_invalidate_in_progress; guarded by mmu_lock. */
    private int mmuInvalidateInProgress;
    /** The memslot update waiting for the count to drop to zero (kvm->mn_memslots_update_rcuwait). */
    private volatile Thread memslotsWaiter;
    private volatile boolean closed;

    private Vm(Builder b) {
        this.guard = Guard.create(b.preemption, b.guardPolicy, b.guardListener, b.guardLogging,
                b.readerStallTimeout, b.readerStallListener, b.recordSectionSites);
        this.defaultStrategy = b.strategy;
        this.notifierLockKind = b.notifierLock;
        this.mmuLockKind = b.mmuLock;
        this.nonBlockPollBudget = b.nonBlockPollBudget;
        this.statistics = b.statistics;
        this.readerStallTimeout = b.readerStallTimeout;
        this.memory = new PhysicalMemory(b.physicalPages, b.memoryChecks);
        this.mm = new HostMm(memory, guard);
        this.memslots = new Memslots(this::swapActiveMemslots);
        this.mnInvalidateLock = KernelLock.of(b.notifierLock, "&kvm->mn_invalidate_lock", guard);
        this.gpcList = new GpcList(KernelLock.of(b.notifierLock, "&kvm->gpc_lock", guard), b.invalidationIndex);
        this.mmuLock = MmuLock.of(b.mmuLock, guard);
        mm.register(notifier);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Memslots memslots() {
        return memslots;
    }

    /** The VMM's address space. */
    public HostMm mm() {
        return mm;
    }

    /** The simulated physical memory behind the mm. */
    public PhysicalMemory memory() {
        return memory;
    }

    /** The guard domain of this Vm: preemption model, policy, reports. */
    public Guard guard() {
        return guard;
    }

    /** The first guard reports made in this Vm's domain, oldest first (see {@link Guard#reports()}). */
    public List<GuardReport> guardReports() {
        return guard.reports();
    }

    public PreemptionModel preemption() {
        return guard.preemption();
    }

    public LockKind notifierLockKind() {
        return notifierLockKind;
    }

    /** The kind of {@code kvm->mmu_lock}: SPINLOCK is x86's {@code rwlock_t}, RAW_SPINLOCK a raw one. */
    public LockKind mmuLockKind() {
        return mmuLockKind;
    }

    /** Whether invalidation looks caches up by uhva page instead of walking gpc_list (see {@link GpcList}). */
    public boolean invalidationIndex() {
        return gpcList.indexed();
    }

    public InvalidationStrategy defaultStrategy() {
        return defaultStrategy;
    }

    /** kvm_gpc_init with the Vm's default strategy. */
    public PfnCache newCache() {
        return newCache(defaultStrategy);
    }

    /** kvm_gpc_init with a chosen strategy. */
    public PfnCache newCache(InvalidationStrategy strategy) {
        Objects.requireNonNull(strategy, "strategy");
        // Inside the gate: a shared resource (kvm->srcu) made here is one close() will close.
        enterOperation("newCache");
        try {
            String name = "gpc" + id + "." + cacheIds.incrementAndGet();
            InvalidationStrategy.CacheLock lock = strategy.newCacheLock(new Context(name));
            if (lock == null) {
                throw new IllegalStateException("strategy " + strategy.name() + " returned no cache lock");
            }
            return new PfnCache(this, name, strategy, lock);
        } finally {
            exitOperation();
        }
    }

    /** kvm->mmu_invalidate_seq. */
    public long mmuInvalidateSeq() {
        return (long) SEQ.getOpaque(this);
    }

    /** kvm->mn_active_invalidate_count. */
    public int activeInvalidateCount() {
        return (int) COUNT.getOpaque(this);
    }

    /**
     * This Vm's counters (invalidations, -EAGAIN answers, caches cleared, refreshes, retries,
     * faults, notifier failures, grace periods, memslot waits); per-cache ones are
     * {@link PfnCache#stats()}.
     */
    public VmStats stats() {
        long gracePeriods = 0;
        for (InvalidationStrategy.Drain d : drains) {
            gracePeriods += d.gracePeriods();
        }
        return new VmStats(counters.invalidations.sum(), counters.invalidationFailures.sum(),
                counters.cachesCleared.sum(), counters.refreshes.sum(), counters.refreshRetries.sum(),
                counters.faults.sum(), mm.notifierFailures(), gracePeriods, counters.memslotWaits.sum());
    }

    /** Whether caches count their check() calls ({@link Builder#statistics(boolean)}). */
    public boolean statistics() {
        return statistics;
    }

    VmCounters counters() {
        return counters;
    }

    /** Number of caches on gpc_list. */
    public int activeCaches() {
        return gpcList.size();
    }

    /** True once close() has begun. */
    public boolean isClosed() {
        return closed;
    }

    /** Test hook: how many caches the Vm references for close() (gpc_list: the active ones). */
    int registeredCaches() {
        return gpcList.size();
    }

    // ---- lifecycle: the operations gate (class comment) ----

    /** Enters the gate, or throws if close() has begun. Pair with {@link #exitOperation()} in a finally. */
    void enterOperation(String op) {
        if (!tryEnterOperation()) {
            throw new IllegalStateException(op + ": Vm " + id + " is closed");
        }
    }

    private boolean tryEnterOperation() {
        for (;;) {
            long g = gate.get();
            if ((g & CLOSING) != 0) {
                return false;
            }
            // Volatile CAS: close()'s getAndAdd of CLOSING and this CAS are ordered one way or the
            // other; if CLOSING came first this fails and re-reads it.
            if (gate.compareAndSet(g, g + 1)) {
                return true;
            }
        }
    }

    /**
     * For deactivate: enters the gate and returns true, or, once close() has begun, waits for it
     * to finish and returns false (close deactivates every cache). On close()'s own thread (a
     * listener calling back) it returns false at once rather than wait for itself.
     */
    boolean enterOperationUnlessClosing() {
        if (tryEnterOperation()) {
            return true;
        }
        if (closer.get() != Thread.currentThread()) {
            awaitCloseDone();
        }
        return false;
    }

    void exitOperation() {
        // Volatile decrement: pairs with the closer's volatile reads of the gate in awaitOperations();
        // the closer published itself before setting CLOSING, so reading CLOSING here means closer is set.
        if (gate.decrementAndGet() == CLOSING) {
            LockSupport.unpark(closer.get()); // pairs with the park in awaitOperations()
        }
    }

    /** close(), waiting for in-flight operations: false if they did not drain by {@code deadline}. */
    private boolean awaitOperations(long deadline) {
        boolean interrupted = false;
        try {
            for (;;) {
                if ((gate.get() & ~CLOSING) == 0) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Unparked by the last operation out (exitOperation); a wake-up, not a poll.
                LockSupport.parkNanos(this, left);
                interrupted |= Thread.interrupted(); // uninterruptible: remember, restore on return
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitCloseDone() {
        boolean interrupted = false;
        for (;;) {
            try {
                closeDone.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // uninterruptible, as close() itself: restore on return
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }


    /**
     * Closes the gate and waits for the operations inside (class comment), deactivates every active
     * cache and closes its lock, waits for deferred unmaps, closes shared resources, leaves the mm.
     * Idempotent; a close() that finds another one running waits for it to finish. Uninterruptible
     * (an interrupt is kept for the caller).
     */
    @Override
    public void close() {
        Thread me = Thread.currentThread();
        if (!closer.compareAndSet(null, me)) {
            if (closer.get() != me) { // re-entered from close()'s own thread (a listener): do not wait for itself
                awaitCloseDone();
            }
            return;
        }
        closed = true;
        // After closer is set (pairs with exitOperation's read of closer once it sees CLOSING).
        gate.getAndAdd(CLOSING);
        try {
            closeGated();
        } finally {
            closeDone.countDown();
        }
    }

    private void closeGated() {
        RuntimeException failure = null;
        long deadline = System.nanoTime() + readerStallTimeout.toNanos();
        if (!awaitOperations(deadline)) {
            reportCloseLeak("the Vm's operations gate", List.of((gate.get() & ~CLOSING)
                    + " cache operation(s) still in flight"), "closing anyway: what they hold may leak");
        }
        // The gate is closed and drained: gpc_list is every active cache and nothing adds to it.
        // Each step that may wait for readers is bounded by the deadline (with a floor, so a step
        // after a long one still gets a moment): what cannot be freed is reported and leaked.
        List<PfnCache> all = gpcList.snapshot();
        List<PfnCache> deactivated = new ArrayList<>(all.size());
        for (PfnCache c : all) {
            try {
                if (c.deactivateUntil(stepDeadline(deadline))) {
                    deactivated.add(c);
                }
            } catch (RuntimeException e) {
                failure = addFailure(failure, e);
            }
        }
        for (PfnCache c : deactivated) {
            try {
                c.closeLock();
            } catch (RuntimeException e) {
                failure = addFailure(failure, e);
            }
        }
        List<Object> resources;
        synchronized (shared) {
            resources = new ArrayList<>(shared.values());
        }
        for (Object r : resources) {
            try {
                if (r instanceof InvalidationStrategy.BoundedClose bc) {
                    bc.close(Duration.ofNanos(Math.max(0, stepDeadline(deadline) - System.nanoTime())));
                } else if (r instanceof AutoCloseable ac) {
                    ac.close();
                }
            } catch (Exception e) {
                failure = addFailure(failure, new IllegalStateException("closing " + r + " failed", e));
            }
        }
        if (!mm.unregister(notifier, Duration.ofNanos(Math.max(0, stepDeadline(deadline) - System.nanoTime())))) {
            reportCloseLeak("&mm->mmap_lock", List.of("held by thread '" + mm.mmapLockHolder()
                    + "' (an mm operation that has not finished, e.g. an invalidation waiting for a reader)"),
                    "leaked: the Vm's MMU notifier stays registered with the mm");
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** A close step's deadline: the close deadline, but at least a tenth of the timeout from now. */
    private long stepDeadline(long deadline) {
        long floor = System.nanoTime() + readerStallTimeout.toNanos() / 10;
        long d = deadline - floor < 0 ? floor : deadline;
        return d == 0 ? 1 : d;
    }

    /** Reports what close() leaks because {@code lock} could not be had (a {@link GuardReport}-like stall report). */
    void reportCloseLeak(String lock, List<String> holders, String detail) {
        guard.readerStall(new org.pfncache.guard.ReaderStallReport(lock, "Vm.close (vm " + id + ")",
                Thread.currentThread().getName(), readerStallTimeout.toMillis(), holders, guard.openSectionSites(),
                true, detail));
    }

    private static RuntimeException addFailure(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    GpcList gpcList() {
        return gpcList;
    }

    // ---- mmu_notifier_retry_cache (R5) ----

    /** Acquire: the refresh's page-table walk cannot be satisfied before this load (smp_rmb, R5). */
    long lvMmuInvalidateSeq() {
        return (long) SEQ.getAcquire(this);
    }

    /**
     * mmu_notifier_retry_cache (R5): true while an invalidation runs or after one that overlapped a
     * memslot completed since {@code mmuSeq} was read. Called with the cache's write side held,
     * which orders it after any walk of this cache (class comment).
     */
    boolean mmuNotifierRetryCache(long mmuSeq) {
        // Count first, with acquire (the smp_rmb()), then the sequence: pairs with the release
        // decrement in invalidateRangeEnd, which follows the sequence increment (R9).
        if ((int) COUNT.getAcquire(this) != 0) {
            return true;
        }
        return (long) SEQ.getOpaque(this) != mmuSeq;
    }

    // ---- the MMU notifier (R8-R10) ----

    /** kvm_mmu_notifier_invalidate_range_start; false is -EAGAIN (only for a non-blockable range). */
    private boolean invalidateRangeStart(MmuNotifierRange range) {
        InvalidationEvent event = new InvalidationEvent();
        event.begin();
        int walked = 0;
        int cleared = 0;
        boolean result = false;
        ContextGuard.enterOperation(guard);
        ContextGuard.enterFunction("kvm_mmu_notifier_invalidate_range_start");
        try {
            mnInvalidateLock.lock("kvm_mmu_notifier_invalidate_range_start");
            try {
                // Under the lock; the walk's cache locks publish it to refresh (class comment).
                COUNT.setOpaque(this, (int) COUNT.getOpaque(this) + 1);
            } finally {
                mnInvalidateLock.unlock();
            }
            boolean ok = false;
            try {
                ContextGuard.enterFunction("gfn_to_pfn_cache_invalidate_start");
                try {
                    ok = gpcList.walk(range);
                    walked = gpcList.walked;
                    cleared = gpcList.cleared;
                } finally {
                    ContextGuard.exitFunction();
                }
                // Strategy-wide drains (grace periods) run with gpc_lock dropped: they may sleep.
                for (InvalidationStrategy.Drain d : drains) {
                    ok &= d.drain(range);
                }
                if (!ok && range.blockable()) {
                    throw new IllegalStateException("a strategy answered -EAGAIN to the blockable invalidation " + range);
                }
                // kvm_handle_hva_range(.on_lock = kvm_mmu_invalidate_begin): even after a failed
                // walk, so that begin and end stay balanced (the mm calls our end anyway, R10).
                if (memslots.snapshot().overlapsHva(range.start(), range.end())) {
                    mmuLock.lock("kvm_mmu_notifier_invalidate_range_start");
                    try {
                        mmuInvalidateInProgress++;
                    } finally {
                        mmuLock.unlock();
                    }
                }
                result = ok;
                return ok;
            } catch (RuntimeException | Error e) {
                // A Java failure (not -EAGAIN) gets no end call from the mm: undo the count.
                lowerCount();
                throw e;
            }
        } finally {
            ContextGuard.exitFunction();
            ContextGuard.exitOperation();
            counters.invalidations.increment();
            counters.cachesCleared.add(cleared);
            if (!result) {
                counters.invalidationFailures.increment();
            }
            if (event.shouldCommit()) {
                event.vm = id;
                event.start = range.start();
                event.end = range.end();
                event.blockable = range.blockable();
                event.cause = range.event().name();
                event.cachesWalked = walked;
                event.cachesCleared = cleared;
                event.outcome = result ? "OK" : "EAGAIN";
                event.commit();
            }
        }
    }

    /** kvm_mmu_notifier_invalidate_range_end (R9). */
    private void invalidateRangeEnd(MmuNotifierRange range) {
        ContextGuard.enterOperation(guard);
        ContextGuard.enterFunction("kvm_mmu_notifier_invalidate_range_end");
        try {
            // kvm_handle_hva_range(.on_lock = kvm_mmu_invalidate_end): only where a memslot
            // overlaps, which no memslot update can have changed since start (R11).
            if (memslots.snapshot().overlapsHva(range.start(), range.end())) {
                mmuLock.lock("kvm_mmu_notifier_invalidate_range_end");
                try {
                    if (mmuInvalidateInProgress == 0) {
                        throw new IllegalStateException("KVM_BUG_ON: mmu_invalidate_in_progress < 0 at the end of " + range);
                    }
                    // The sequence first; the release store of the count below is the smp_wmb().
                    SEQ.setOpaque(this, (long) SEQ.getOpaque(this) + 1);
                    mmuInvalidateInProgress--;
                } finally {
                    mmuLock.unlock();
                }
            }
            lowerCount();
        } finally {
            ContextGuard.exitFunction();
            ContextGuard.exitOperation();
        }
    }

    /** Lowers mn_active_invalidate_count under mn_invalidate_lock; at zero wakes a memslot update. */
    private void lowerCount() {
        boolean wake;
        mnInvalidateLock.lock("kvm_mmu_notifier_invalidate_range_end");
        try {
            int c = (int) COUNT.getOpaque(this);
            if (c == 0) {
                throw new IllegalStateException("WARN_ON_ONCE: invalidate_range_end without a matching start");
            }
            // Release: pairs with the acquire load in mmuNotifierRetryCache, so a refresh that sees
            // the lowered count sees the sequence bumped before it (R9).
            COUNT.setRelease(this, c - 1);
            wake = c == 1;
        } finally {
            mnInvalidateLock.unlock();
        }
        if (wake) {
            // rcuwait_wake_up: the waiter stored itself before it last read the count under the
            // lock, so it either saw zero or is visible here (the lock orders the two).
            Thread w = memslotsWaiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /**
     * kvm_swap_active_memslots (R11), called by {@link Memslots} with its update lock held (one
     * updater at a time, as slots_lock makes it): waits until no invalidation is in progress, then
     * publishes {@code next} under mn_invalidate_lock, so that start and end of one invalidation
     * see the same memslots. An interrupt does not stop the wait (TASK_UNINTERRUPTIBLE); it is
     * kept for the caller.
     */
    private void swapActiveMemslots(Runnable publish) {
        ContextGuard.mightSleep("kvm_swap_active_memslots");
        boolean interrupted = false;
        boolean waited = false;
        memslotsWaiter = Thread.currentThread();
        try {
            for (;;) {
                mnInvalidateLock.lock("kvm_swap_active_memslots");
                try {
                    if ((int) COUNT.getOpaque(this) == 0) {
                        publish.run();
                        return;
                    }
                } finally {
                    mnInvalidateLock.unlock();
                }
                if (!waited) {
                    waited = true;
                    counters.memslotWaits.increment();
                }
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
        } finally {
            memslotsWaiter = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class Notifier implements MmuNotifier {
        @Override
        public boolean invalidateRangeStart(MmuNotifierRange range) {
            return Vm.this.invalidateRangeStart(range);
        }

        @Override
        public void invalidateRangeEnd(MmuNotifierRange range) {
            Vm.this.invalidateRangeEnd(range);
        }

        @Override
        public String name() {
            return "kvm_mmu_notifier_invalidate_range_start";
        }

        @Override
        public String toString() {
            return "kvm_mmu_notifier(vm " + id + ")";
        }
    }

    /** The Vm-wide counters behind {@link VmStats}: all off the hit path. */
    static final class VmCounters {
        final LongAdder invalidations = new LongAdder();
        final LongAdder invalidationFailures = new LongAdder();
        final LongAdder cachesCleared = new LongAdder();
        final LongAdder refreshes = new LongAdder();
        final LongAdder refreshRetries = new LongAdder();
        final LongAdder faults = new LongAdder();
        final LongAdder memslotWaits = new LongAdder();
    }

    /** {@code kvm->mmu_lock}'s write side: an {@code rwlock_t} (x86) or a raw lock. */
    private interface MmuLock {
        void lock(String site);

        void unlock();

        static MmuLock of(LockKind kind, Guard guard) {
            if (kind == LockKind.RAW_SPINLOCK) {
                KernelLock raw = KernelLock.of(kind, "&kvm->mmu_lock", guard);
                return new MmuLock() {
                    @Override
                    public void lock(String site) {
                        raw.lock(site);
                    }

                    @Override
                    public void unlock() {
                        raw.unlock();
                    }
                };
            }
            RwLock rw = new RwLock("&kvm->mmu_lock", guard);
            return new MmuLock() {
                @Override
                public void lock(String site) {
                    rw.writeLock(site);
                }

                @Override
                public void unlock() {
                    rw.writeUnlock();
                }
            };
        }
    }

    private final class Context implements InvalidationStrategy.Context {
        private final String cacheName;

        Context(String cacheName) {
            this.cacheName = cacheName;
        }

        @Override
        public Guard guard() {
            return guard;
        }

        @Override
        public String cacheName() {
            return cacheName;
        }

        @Override
        public Duration nonBlockPollBudget() {
            return nonBlockPollBudget;
        }

        @Override
        public <T> T shared(Class<T> type, Supplier<T> factory) {
            synchronized (shared) {
                Object o = shared.get(type);
                if (o == null) {
                    o = Objects.requireNonNull(factory.get(), "shared resource factory returned null");
                    shared.put(type, o);
                    if (o instanceof InvalidationStrategy.Drain d) {
                        InvalidationStrategy.Drain[] next = Arrays.copyOf(drains, drains.length + 1);
                        next[next.length - 1] = d;
                        drains = next;
                    }
                }
                return type.cast(o);
            }
        }
    }

    /** Builds a {@link Vm}. */
    public static final class Builder {
        private InvalidationStrategy strategy = InvalidationStrategy.rwlock();
        private PreemptionModel preemption = PreemptionModel.NONE;
        private LockKind notifierLock = LockKind.SPINLOCK;
        private LockKind mmuLock = LockKind.SPINLOCK;
        private GuardPolicy guardPolicy = GuardPolicy.THROW;
        private Consumer<GuardReport> guardListener;
        private boolean guardLogging = true;
        private int physicalPages = 16384;
        private boolean invalidationIndex;
        private boolean statistics;
        private boolean memoryChecks = true;
        private Duration nonBlockPollBudget = Duration.ofMillis(1);
        private Duration readerStallTimeout = Guard.DEFAULT_READER_STALL;
        private Consumer<org.pfncache.guard.ReaderStallReport> readerStallListener;
        private boolean recordSectionSites;

        private Builder() {
        }

        public Builder strategy(InvalidationStrategy s) {
            this.strategy = Objects.requireNonNull(s, "strategy");
            return this;
        }

        public Builder preemption(PreemptionModel m) {
            this.preemption = Objects.requireNonNull(m, "preemption");
            return this;
        }

        /** Kind of {@code mn_invalidate_lock} and {@code gpc_lock}; default SPINLOCK (spinlock_t, as KVM has them). */
        public Builder notifierLock(LockKind k) {
            this.notifierLock = Objects.requireNonNull(k, "notifierLock");
            return this;
        }

        /**
         * Kind of {@code kvm->mmu_lock}: SPINLOCK (the default) is x86's {@code rwlock_t}, a
         * sleeping lock under PREEMPT_RT; RAW_SPINLOCK makes it raw.
         */
        public Builder mmuLock(LockKind k) {
            this.mmuLock = Objects.requireNonNull(k, "mmuLock");
            return this;
        }

        public Builder guardPolicy(GuardPolicy p) {
            this.guardPolicy = Objects.requireNonNull(p, "guardPolicy");
            return this;
        }

        public Builder guardListener(Consumer<GuardReport> l) {
            this.guardListener = l;
            return this;
        }

        /** Whether REPORT logs the (first few) splats; default true. */
        public Builder guardLogging(boolean log) {
            this.guardLogging = log;
            return this;
        }

        /** Simulated RAM in 4 KiB pages; default 16384 (64 MiB), at most {@link #MAX_PHYSICAL_PAGES}. */
        public Builder physicalPages(int pages) {
            if (pages <= 0 || pages > MAX_PHYSICAL_PAGES) {
                throw new IllegalArgumentException("physicalPages must be in [1, " + MAX_PHYSICAL_PAGES + "], got " + pages);
            }
            this.physicalPages = pages;
            return this;
        }

        /**
         * Whether invalidation looks caches up in an index by uhva page (O(log n + k)) instead of
         * walking every active cache as the kernel does (O(n)); default false, the kernel's walk.
         * With the index, caches outside the range are not visited, so their locks are not taken:
         * a different cost, and under PREEMPT_RT a different first sleeping lock (GpcList).
         */
        public Builder invalidationIndex(boolean on) {
            this.invalidationIndex = on;
            return this;
        }

        /**
         * How long a non-blockable invalidation may poll for readers (SRCU's grace period) before
         * it answers -EAGAIN; default 1 ms. One setting for the whole Vm.
         */
        public Builder nonBlockPollBudget(Duration budget) {
            Objects.requireNonNull(budget, "nonBlockPollBudget");
            if (budget.isNegative()) {
                throw new IllegalArgumentException("nonBlockPollBudget must not be negative, got " + budget);
            }
            this.nonBlockPollBudget = budget;
            return this;
        }

        /**
         * Whether every cache also counts its check() calls and hits ({@link PfnCache#stats()});
         * default false, since it puts a striped-counter increment on the read path. Refreshes,
         * retries, faults and invalidations are counted either way.
         */
        public Builder statistics(boolean on) {
            this.statistics = on;
            return this;
        }

        /**
         * How long a writer waits for readers before it reports a stall naming them
         * ({@link org.pfncache.guard.ReaderStallReport}: logged, and given to
         * {@link #readerStallListener}), and the most {@link Vm#close()} waits for operations in
         * flight and for readers before it reports what it could not free and leaks it; default
         * 10 s (the kernel's RCU CPU stall timeout is 21 s).
         */
        public Builder readerStallTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "readerStallTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("readerStallTimeout must be positive, got " + timeout);
            }
            this.readerStallTimeout = timeout;
            return this;
        }

        /** Receives every reader-stall report of this Vm (see {@link #readerStallTimeout}); null: none. */
        public Builder readerStallListener(Consumer<org.pfncache.guard.ReaderStallReport> l) {
            this.readerStallListener = l;
            return this;
        }

        /**
         * Whether every access through a cache's khva checks that the page is still the allocation
         * it was mapped for (the simulated memory's KASAN-like detector); default true. The matrix,
         * the tests and the audits keep it on; benchmarks of the protocol alone turn it off, and
         * then {@link HostMm#audit()} counts no stale access.
         */
        public Builder memoryChecks(boolean on) {
            this.memoryChecks = on;
            return this;
        }

        /**
         * Leak detection: whether {@link PfnCache#enter()} records the entering thread and its
         * stack until the section is closed, so a stall report (or close's leak report) says where
         * a never-closed section was entered. Costs a stack capture per enter(); default false, in
         * which case reports name readers by thread only (as their primitive can identify them).
         */
        public Builder recordSectionSites(boolean on) {
            this.recordSectionSites = on;
            return this;
        }

        public Vm build() {
            return new Vm(this);
        }
    }
}
