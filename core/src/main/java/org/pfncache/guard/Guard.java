package org.pfncache.guard;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;

/**
 * A guard domain: the preemption model that decides what each lock kind is (R13), the policy for
 * might-sleep violations (R12), and where reports go. A {@code Vm} owns one and hands it to every
 * lock it creates; primitives created on their own use {@link #processDefault()}.
 *
 * <p>When the policy is {@link GuardPolicy#OFF}, {@link #tracking()} is false and locks skip all
 * per-thread bookkeeping, so the guard costs one final-field test on the read path.
 *
 * <p>Reports are rate-limited as the kernel's are: every report is counted and given to the
 * listener, but only the first {@value #KEPT_REPORTS} keep their stack and are kept in
 * {@link #reports()}, and only the first {@value #LOGGED_REPORTS} are logged (REPORT policy).
 */
public final class Guard {
    private static final System.Logger LOG = System.getLogger("org.pfncache.guard");
    private static final Guard PROCESS_DEFAULT = new Guard(PreemptionModel.NONE, null, null, true);
    private static volatile GuardPolicy defaultPolicy = GuardPolicy.THROW;
    /** Reports kept, with their stacks, in {@link #reports()}. */
    public static final int KEPT_REPORTS = 256;
    /** Reports logged under REPORT before the rest are only counted. */
    public static final int LOGGED_REPORTS = 10;

    private final PreemptionModel preemption;
    /** Null only for the process default, whose policy is {@link #defaultPolicy}. */
    private final GuardPolicy policy;
    private final Consumer<GuardReport> listener;
    private final boolean log;
    private final List<GuardReport> reports = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong reportCount = new java.util.concurrent.atomic.AtomicLong();

    private Guard(PreemptionModel preemption, GuardPolicy policy, Consumer<GuardReport> listener, boolean log) {
        this.preemption = preemption;
        this.policy = policy;
        this.listener = listener;
        this.log = log;
    }

    /** A guard domain with its own model, policy and listener (null: none). */
    public static Guard create(PreemptionModel preemption, GuardPolicy policy,
                               Consumer<GuardReport> listener) {
        return create(preemption, policy, listener, true);
    }

    /** As {@link #create(PreemptionModel, GuardPolicy, Consumer)}; {@code log} false: REPORT does not log. */
    public static Guard create(PreemptionModel preemption, GuardPolicy policy,
                               Consumer<GuardReport> listener, boolean log) {
        return new Guard(Objects.requireNonNull(preemption, "preemption"),
                Objects.requireNonNull(policy, "policy"), listener, log);
    }

    /** The domain of primitives made without one: PREEMPT_NONE and the process default policy. */
    public static Guard processDefault() {
        return PROCESS_DEFAULT;
    }

    /** Sets the policy of the process default domain (THROW unless changed). */
    public static void setDefaultPolicy(GuardPolicy policy) {
        defaultPolicy = Objects.requireNonNull(policy, "policy");
    }

    public PreemptionModel preemption() {
        return preemption;
    }

    public GuardPolicy policy() {
        return policy != null ? policy : defaultPolicy;
    }

    /** True when locks of this domain keep the per-thread context (preempt count, held locks). */
    public boolean tracking() {
        return policy() != GuardPolicy.OFF;
    }

    /** True when spinlock_t and rwlock_t are sleeping locks (PREEMPT_RT). */
    public boolean sleepingSpinlocks() {
        return preemption == PreemptionModel.RT;
    }

    /** The first {@value #KEPT_REPORTS} reports this domain made, oldest first. */
    public List<GuardReport> reports() {
        return List.copyOf(reports);
    }

    /** How many reports this domain has made in all. */
    public long reportCount() {
        return reportCount.get();
    }

    /** R12: reports when the calling thread is atomic or inside a non-blockable section. */
    public void mightSleep(String site) {
        if (!tracking()) {
            return;
        }
        ThreadContext ctx = ContextGuard.context();
        if (ctx.invalidForSleep()) {
            report(ctx, "BUG: sleeping function called from invalid context at " + site, site);
        }
    }

    /**
     * A kernel WARN ({@code WARN_ON(condition)} in {@code function} of {@code kernelFile}): reported
     * like a BUG, but never thrown, since the kernel carries on after a WARN.
     */
    public void warn(String condition, String kernelFile, String function) {
        if (!tracking()) {
            return;
        }
        report(ContextGuard.context(), "WARNING: at " + kernelFile + " " + function + ": " + condition, function, false);
    }

    void report(ThreadContext ctx, String title, String site) {
        report(ctx, title, site, true);
    }

    private void report(ThreadContext ctx, String title, String site, boolean mayThrow) {
        GuardPolicy p = policy();
        if (p == GuardPolicy.OFF) {
            return;
        }
        long n = reportCount.incrementAndGet();
        Thread t = Thread.currentThread();
        List<StackTraceElement> stack = List.of();
        if (n <= KEPT_REPORTS || p == GuardPolicy.THROW) {
            StackTraceElement[] frames = new Throwable().getStackTrace();
            stack = List.of(frames).subList(Math.min(2, frames.length), frames.length);
        }
        GuardReport r = new GuardReport(title, site, t.getName(), t.getId(), ctx.preemptCount != 0,
                ctx.irqsDisabled != 0, ctx.nonBlock, ctx.preemptCount, ctx.heldLocks(), stack);
        if (n <= KEPT_REPORTS) {
            reports.add(r);
        }
        if (listener != null) {
            listener.accept(r);
        }
        if (p == GuardPolicy.THROW && mayThrow) {
            throw new SleepInInvalidContextError(r);
        }
        if (log && n <= LOGGED_REPORTS) {
            LOG.log(Level.WARNING, r::format);
        } else if (log && n == LOGGED_REPORTS + 1) {
            LOG.log(Level.WARNING, "further guard reports are counted but not logged (Guard.reportCount())");
        }
    }
}
