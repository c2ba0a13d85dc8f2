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
    private static final ThreadLocal<ThreadContext> CONTEXT = ThreadLocal.withInitial(ThreadContext::new);

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
        ThreadContext ctx = context();
        if (atomic) {
            ctx.preemptCount++;
        }
        ctx.push(lock, name, site);
    }

    public static void released(Object lock, boolean atomic) {
        ThreadContext ctx = context();
        ctx.pop(lock);
        if (atomic && ctx.preemptCount > 0) {
            ctx.preemptCount--;
        }
    }
}
