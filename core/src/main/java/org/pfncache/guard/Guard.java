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
 */
public final class Guard {
    private static final System.Logger LOG = System.getLogger("org.pfncache.guard");
    private static final Guard PROCESS_DEFAULT = new Guard(PreemptionModel.NONE, null, null);
    private static volatile GuardPolicy defaultPolicy = GuardPolicy.THROW;

    private final PreemptionModel preemption;
    /** Null only for the process default, whose policy is {@link #defaultPolicy}. */
    private final GuardPolicy policy;
    private final Consumer<GuardReport> listener;
    private final List<GuardReport> reports = new CopyOnWriteArrayList<>();

    private Guard(PreemptionModel preemption, GuardPolicy policy, Consumer<GuardReport> listener) {
        this.preemption = preemption;
        this.policy = policy;
        this.listener = listener;
    }

    /** A guard domain with its own model, policy and listener (null: none). */
    public static Guard create(PreemptionModel preemption, GuardPolicy policy,
                               Consumer<GuardReport> listener) {
        return new Guard(Objects.requireNonNull(preemption, "preemption"),
                Objects.requireNonNull(policy, "policy"), listener);
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

    /** Every report this domain has made, oldest first. */
    public List<GuardReport> reports() {
        return List.copyOf(reports);
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

    void report(ThreadContext ctx, String title, String site) {
        GuardPolicy p = policy();
        if (p == GuardPolicy.OFF) {
            return;
        }
        Thread t = Thread.currentThread();
        StackTraceElement[] stack = new Throwable().getStackTrace();
        GuardReport r = new GuardReport(title, site, t.getName(), t.getId(), ctx.preemptCount != 0,
                ctx.irqsDisabled != 0, ctx.nonBlock, ctx.preemptCount, ctx.heldLocks(),
                List.of(stack).subList(Math.min(2, stack.length), stack.length));
        reports.add(r);
        if (listener != null) {
            listener.accept(r);
        }
        if (p == GuardPolicy.THROW) {
            throw new SleepInInvalidContextError(r);
        }
        LOG.log(Level.WARNING, r::format);
    }
}
