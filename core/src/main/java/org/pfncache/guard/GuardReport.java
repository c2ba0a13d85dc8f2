package org.pfncache.guard;

import java.util.List;

/**
 * One guard report: a "BUG: sleeping function called from invalid context" splat
 * ({@link Kind#BUG}, kernel/sched/core.c {@code __might_resched()}) or a WARN
 * ({@link Kind#WARN}, kernel/panic.c {@code __warn()}), with the held-lock list lockdep adds.
 *
 * <p>{@link #format()} reproduces the kernel's text line for line, leaving out what a simulation
 * has no value for: addresses, {@code +0x1a/0x2b} offsets, timestamps, the "CPU: ... Comm: ...",
 * "Hardware name:" and "Modules linked in:" lines, DEBUG_PREEMPT's "Preemption disabled at:"
 * and the irq-trace events ("irq event stamp: ..."). After the kernel's {@code </TASK>} it
 * appends, clearly separated, the Java site and the Java stack.
 *
 * <p>Lock usage: lockdep prints each class's accumulated irq usage ({@code {+.+.}} for a lock
 * taken in process context with irqs on, {@code {++++}} for one also read-acquired so, such as
 * {@code mmap_lock}). That is history across the whole system, which this model does not keep,
 * so every line prints {@code {....}} (the "never used in an irq-relevant way" value).
 *
 * <p>The RCU line is printed only under PREEMPT_RT: the kernel prints it only with
 * {@code CONFIG_PREEMPT_RCU}, which PREEMPT_NONE kernels do not have.
 */
public final class GuardReport {
    /** BUG (might-sleep splat) or WARN (a WARN_ON/WARN/WARN_ONCE). */
    public enum Kind {
        BUG,
        WARN
    }

    private final Kind kind;
    private final String title;
    private final String site;
    private final String kernelSite;
    private final String message;
    private final String threadName;
    private final long tid;
    private final boolean inAtomic;
    private final boolean irqsDisabled;
    private final int nonBlock;
    private final int preemptCount;
    private final int rcuDepth;
    private final int rcuExpected;
    private final boolean preemptRcu;
    private final List<String> locksHeld;
    private final List<String> lockdepLines;
    private final List<String> kernelFrames;
    private final List<StackTraceElement> stack;

    GuardReport(Kind kind, String title, String site, String kernelSite, String message,
                String threadName, long tid, ThreadContext ctx, int rcuExpected, boolean preemptRcu,
                List<String> kernelFrames, List<StackTraceElement> stack) {
        this.kind = kind;
        this.title = title;
        this.site = site;
        this.kernelSite = kernelSite;
        this.message = message;
        this.threadName = threadName;
        this.tid = tid;
        this.inAtomic = ctx.preemptCount != 0;
        this.irqsDisabled = ctx.irqsDisabled != 0;
        this.nonBlock = ctx.nonBlock;
        this.preemptCount = ctx.preemptCount;
        this.rcuDepth = ctx.rcuDepth;
        this.rcuExpected = rcuExpected;
        this.preemptRcu = preemptRcu;
        this.locksHeld = List.copyOf(ctx.heldLocks());
        this.lockdepLines = List.copyOf(ctx.lockdepLines());
        this.kernelFrames = List.copyOf(kernelFrames);
        this.stack = List.copyOf(stack);
    }

    public Kind kind() { return kind; }

    /**
     * The first line: "BUG: sleeping function called from invalid context at FILE:LINE" (the
     * kernel site, e.g. {@code kernel/locking/spinlock_rt.c:48}), or for a WARN
     * "WARNING: CPU: 0 PID: N at FILE:LINE FUNCTION".
     */
    public String title() { return title; }

    /** The Java-side site name (a lock's name, or the site given to mightSleep), as before. */
    public String site() { return site; }

    /** The kernel's FILE:LINE in the title (for a plain mightSleep(site), the site itself). */
    public String kernelSite() { return kernelSite; }

    /** A WARN's message line (WARN()/WARN_ONCE() format text), or null. */
    public String message() { return message; }

    public String threadName() { return threadName; }
    public long tid() { return tid; }
    public boolean inAtomic() { return inAtomic; }
    public boolean irqsDisabled() { return irqsDisabled; }
    public int nonBlock() { return nonBlock; }
    public int preemptCount() { return preemptCount; }

    /** {@code rcu_preempt_depth()} at the report (PREEMPT_RT; 0 otherwise). */
    public int rcuNestDepth() { return rcuDepth; }

    /** The RCU depth the checking site allowed (an RT lock allows its own nesting). */
    public int rcuNestExpected() { return rcuExpected; }

    /** "name at site", outermost first: the locks (lockdep's implicit rcu_read_lock entries left out). */
    public List<String> locksHeld() { return locksHeld; }

    /** lockdep's lines after {@code " #i: "}, e.g. {@code "(&kvm->mn_invalidate_lock){....}-{2:2}, at: kvm_mmu_..."}. */
    public List<String> lockdepLines() { return lockdepLines; }

    /** The kernel call trace, innermost first: the lock primitive (or sleeping site), then the entered functions. */
    public List<String> kernelFrames() { return kernelFrames; }

    public List<StackTraceElement> stack() { return stack; }

    /** The whole report, kernel-style, then the Java extras. */
    public String format() {
        StringBuilder b = new StringBuilder(1024);
        if (kind == Kind.WARN) {
            b.append("------------[ cut here ]------------\n");
            b.append(title).append('\n');
            if (message != null) {
                b.append(message).append('\n');
            }
        } else {
            b.append(title).append('\n');
            b.append("in_atomic(): ").append(inAtomic ? 1 : 0)
                    .append(", irqs_disabled(): ").append(irqsDisabled ? 1 : 0)
                    .append(", non_block: ").append(nonBlock)
                    .append(", pid: ").append(tid)
                    .append(", name: ").append(threadName).append('\n');
            b.append("preempt_count: ").append(Integer.toHexString(preemptCount))
                    .append(", expected: 0\n");
            if (preemptRcu) {
                b.append("RCU nest depth: ").append(rcuDepth).append(", expected: ").append(rcuExpected)
                        .append('\n');
            }
            if (lockdepLines.isEmpty()) {
                b.append("no locks held by ").append(threadName).append('/').append(tid).append(".\n");
            } else {
                b.append(lockdepLines.size()).append(lockdepLines.size() == 1 ? " lock" : " locks")
                        .append(" held by ").append(threadName).append('/').append(tid).append(":\n");
                for (int i = 0; i < lockdepLines.size(); i++) {
                    b.append(" #").append(i).append(": ").append(lockdepLines.get(i)).append('\n');
                }
            }
        }
        b.append("Call Trace:\n <TASK>\n");
        for (String f : kernelFrames) {
            b.append("  ").append(f).append('\n');
        }
        b.append(" </TASK>\n");
        if (kind == Kind.WARN) {
            b.append("---[ end trace 0000000000000000 ]---\n");
        }
        b.append("-- Java (not part of the kernel text) --\n");
        b.append("site: ").append(site).append('\n');
        for (StackTraceElement e : stack) {
            b.append("  ").append(e).append('\n');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return title + " (non_block: " + nonBlock + ", in_atomic(): " + (inAtomic ? 1 : 0)
                + ", name: " + threadName + ")";
    }
}
