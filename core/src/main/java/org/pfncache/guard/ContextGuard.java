package org.pfncache.guard;

/**
 * The calling thread's kernel context, like {@code current->...}: preempt count, non_block count,
 * irq-disable depth and held locks. All state is per thread (a {@link ThreadLocal}), so nothing
 * here needs ordering: a thread only ever reads what it wrote itself.
 *
 * <p>{@link #mightSleep(String)} uses the guard of the innermost Vm operation the thread is in
 * (see {@link #enterOperation(Guard)}), else the process default domain.
 */
public final class ContextGuard {
    private static final ThreadLocal<ThreadContext> CONTEXT = ThreadLocal.withInitial(ContextGuard::newContext);
    /**
     * Every thread's context, weakly (a dead thread's goes with the next GC): lets a writer stalled
     * on readers name the threads that hold a lock ({@link #threadsHolding}). Registration costs
     * once per thread; lock operations are unchanged.
     */
    private static final java.util.concurrent.ConcurrentLinkedQueue<java.lang.ref.WeakReference<ThreadContext>> ALL =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final java.util.concurrent.atomic.AtomicInteger REGISTERED = new java.util.concurrent.atomic.AtomicInteger();

    private static ThreadContext newContext() {
        ThreadContext ctx = new ThreadContext();
        ALL.add(new java.lang.ref.WeakReference<>(ctx));
        if ((REGISTERED.incrementAndGet() & 1023) == 0) {
            ALL.removeIf(r -> r.get() == null); // purge collected contexts now and then
        }
        return ctx;
    }

    /**
     * The threads whose lock context lists {@code lock} as held, "name (alive|terminated)"; for
     * stall diagnostics only (racy, best effort; only locks of a tracking domain are listed, and a
     * terminated thread's context is kept only until the next GC).
     */
    public static java.util.List<String> threadsHolding(Object lock) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (java.lang.ref.WeakReference<ThreadContext> r : ALL) {
            ThreadContext ctx = r.get();
            if (ctx != null && ctx.racyHolds(lock)) {
                out.add(ctx.thread.getName() + " (" + (ctx.thread.isAlive() ? "alive" : "terminated") + ")");
            }
        }
        return out;
    }

    private ContextGuard() {
    }

    static ThreadContext context() {
        return CONTEXT.get();
    }

    /** {@code non_block_start()}: from here to the matching end, sleeping is a bug (R10). */
    public static void nonBlockStart() {
        context().nonBlock++;
    }

    /** {@code non_block_end()}; an end without a start is itself reported. */
    public static void nonBlockEnd() {
        ThreadContext ctx = context();
        if (ctx.nonBlock == 0) {
            ctx.activeGuard().report(ctx, "WARNING: non_block_end() without non_block_start()",
                    "non_block_end");
            return;
        }
        ctx.nonBlock--;
    }

    public static void preemptDisable() {
        context().preemptCount++;
    }

    public static void preemptEnable() {
        ThreadContext ctx = context();
        if (ctx.preemptCount == 0) {
            ctx.activeGuard().report(ctx, "WARNING: preempt_enable() without preempt_disable()",
                    "preempt_enable");
            return;
        }
        ctx.preemptCount--;
    }

    public static void localIrqDisable() {
        context().irqsDisabled++;
    }

    public static void localIrqEnable() {
        ThreadContext ctx = context();
        if (ctx.irqsDisabled > 0) {
            ctx.irqsDisabled--;
        }
    }

    /** R12, with the policy of the innermost Vm operation, else the process default. */
    public static void mightSleep(String site) {
        context().activeGuard().mightSleep(site);
    }

    /** As {@link #mightSleep(String)}, titled with the kernel's FILE:LINE {@code kernelSite}. */
    public static void mightSleep(String site, String kernelSite) {
        context().activeGuard().mightSleep(site, kernelSite);
    }

    /**
     * {@code cond_resched()}: {@code __might_resched(__FILE__, __LINE__, 0)} then a voluntary
     * reschedule ({@link Thread#yield()}). The macro expands at its caller, so the kernel's title
     * names the caller's FILE:LINE: pass that as {@code site} (e.g. "mm/memory.c:1653"). Mainline
     * checks on every preemption model; only a proposed lazy-preemption change turns the check
     * off for fully preemptible kernels.
     */
    public static void condResched(String site) {
        context().activeGuard().mightSleepAt(site, site, null);
        Thread.yield();
    }

    // ---- kernel function stack (the report's call trace) -----------------------------------

    /**
     * Pushes a kernel function name ("oom_reaper", "__oom_reap_task_mm", ...) on the calling
     * thread's call-trace stack; pair with {@link #exitFunction()} in a finally. Allocates nothing
     * in steady state (a per-thread array, grown once); the cost is a ThreadLocal lookup and an
     * array store, whatever the guard policy.
     */
    public static void enterFunction(String kernelFunction) {
        context().enterFunction(kernelFunction);
    }

    /** Pops the innermost {@link #enterFunction(String)}; a pop on an empty stack is ignored. */
    public static void exitFunction() {
        context().exitFunction();
    }

    /** The calling thread's kernel function stack, innermost first. */
    public static java.util.List<String> functionStack() {
        return context().functionsInnermostFirst();
    }

    // ---- lockdep pseudo-locks and RCU ------------------------------------------------------

    /**
     * {@code lock_map_acquire()} / {@code srcu_lock_acquire()}: records a lockdep map (e.g.
     * "mmu_notifier_invalidate_range_start", or "srcu" for an SRCU read section) in the held-lock
     * list with wait type 0 ({@link LockType#LOCKDEP_MAP}). It never sleeps, never reports and
     * never changes preemption or RCU nesting. {@code site} is lockdep's "at:" (null: the
     * innermost entered function). Release with {@link #lockdepRelease(Object)} and the same key.
     * Records nothing when the active domain does not track.
     */
    public static void lockdepAcquire(Object key, String name, String site) {
        ThreadContext ctx = context();
        if (ctx.activeGuard().tracking()) {
            ctx.push(key, name, site, LockType.LOCKDEP_MAP, false);
        }
    }

    /** {@code lock_map_release()}: drops the innermost entry recorded for {@code key}, if any. */
    public static void lockdepRelease(Object key) {
        context().pop(key);
    }

    /**
     * {@code rcu_read_lock()} in the active domain: under PREEMPT_RT (preemptible RCU) it nests
     * {@code rcu_preempt_depth()}, so might-sleep inside reports "RCU nest depth: 1"; under
     * PREEMPT_NONE it disables preemption. Either way lockdep lists "rcu_read_lock".
     */
    public static void rcuReadLock(String site) {
        ThreadContext ctx = context();
        Guard g = ctx.activeGuard();
        if (!g.tracking()) {
            return;
        }
        if (g.sleepingSpinlocks()) {
            ctx.rcuDepth++;
        } else {
            ctx.preemptCount++;
        }
        ctx.push(RCU_MAP, ThreadContext.RCU_READ_LOCK, site, LockType.RCU, true);
    }

    /** {@code rcu_read_unlock()}, matching {@link #rcuReadLock(String)}. */
    public static void rcuReadUnlock() {
        ThreadContext ctx = context();
        if (!ctx.pop(RCU_MAP)) {
            return;
        }
        if (ctx.activeGuard().sleepingSpinlocks()) {
            ctx.rcuDepth = Math.max(0, ctx.rcuDepth - 1);
        } else if (ctx.preemptCount > 0) {
            ctx.preemptCount--;
        }
    }

    private static final Object RCU_MAP = new Object();

    /** {@code rcu_preempt_depth()} of the calling thread (RT locks held plus RCU read sections). */
    public static int rcuNestDepth() {
        return context().rcuDepth;
    }

    /** What lockdep would print after " #i: " for each held lock, outermost first. */
    public static java.util.List<String> lockdepHeldLocks() {
        return context().lockdepLines();
    }

    /** Marks the start of an operation on behalf of a domain (a Vm): its policy applies within. */
    public static void enterOperation(Guard guard) {
        context().enterOperation(guard);
    }

    public static void exitOperation() {
        context().exitOperation();
    }

    public static int preemptCount() {
        return context().preemptCount;
    }

    public static int nonBlockCount() {
        return context().nonBlock;
    }

    public static boolean inAtomic() {
        return context().preemptCount != 0;
    }

    /** The calling thread's held locks, "name at site", outermost first. */
    public static java.util.List<String> heldLocks() {
        return context().heldLocks();
    }

    // Bookkeeping used by the lock primitives in org.pfncache.sync.

    /** Records an acquisition; {@code atomic} disables preemption as a spinning lock does. */
    public static void acquired(Object lock, String name, String site, boolean atomic) {
        acquired(lock, name, site, atomic ? LockType.SPINLOCK : LockType.MUTEX, atomic);
    }

    /** Records an acquisition of a lock of lockdep class {@code type}. */
    public static void acquired(Object lock, String name, String site, LockType type, boolean atomic) {
        acquired(lock, name, null, site, type, atomic);
    }

    /**
     * As {@link #acquired(Object, String, String, LockType, boolean)}; {@code suffix} (e.g.
     * " (read)") is shown in {@link #heldLocks()} but not in lockdep's lines, which print the
     * class name only.
     */
    public static void acquired(Object lock, String name, String suffix, String site, LockType type,
                                boolean atomic) {
        ThreadContext ctx = context();
        if (atomic) {
            ctx.preemptCount++;
        }
        ctx.push(lock, name, suffix, site, type, false);
    }

    /**
     * lockdep's acquire alone ({@code spin_acquire()}), before the lock is taken: rt_spin_lock
     * records the lock, then checks might-sleep. Undo with {@link #lockdepRelease(Object)} if the
     * check throws.
     */
    public static void lockdepPush(Object lock, String name, String site, LockType type) {
        context().push(lock, name, site, type, false);
    }

    /**
     * After an RT lock (spinlock_t/rwlock_t under PREEMPT_RT) is taken: {@code rcu_read_lock();
     * migrate_disable();}. Nests the RCU depth and lists lockdep's "rcu_read_lock" entry, "at:"
     * the primitive ({@code rcu_read_lock()} is inlined into it).
     */
    public static void rtLockTaken(Object lock, String primitive) {
        ThreadContext ctx = context();
        ctx.rcuDepth++;
        ctx.push(lock, ThreadContext.RCU_READ_LOCK, primitive, LockType.RCU, true);
    }

    /** Releases what {@link #rtLockTaken} and the lock's own record added (rt_spin_unlock). */
    public static void rtLockReleased(Object lock) {
        ThreadContext ctx = context();
        // Innermost first: the implicit rcu_read_lock entry sits above the lock's own record.
        ctx.pop(lock);
        ctx.pop(lock);
        if (ctx.rcuDepth > 0) {
            ctx.rcuDepth--;
        }
    }

    public static void released(Object lock, boolean atomic) {
        ThreadContext ctx = context();
        ctx.pop(lock);
        if (atomic && ctx.preemptCount > 0) {
            ctx.preemptCount--;
        }
    }
}
