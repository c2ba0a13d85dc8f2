package org.pfncache.guard;

import java.util.List;

/**
 * One "BUG: sleeping function called from invalid context" report, with the fields the kernel's
 * {@code __might_resched()} prints and the held-lock list lockdep adds.
 */
public final class GuardReport {
    private final String title;
    private final String site;
    private final String threadName;
    private final long tid;
    private final boolean inAtomic;
    private final boolean irqsDisabled;
    private final int nonBlock;
    private final int preemptCount;
    private final List<String> locksHeld;
    private final List<StackTraceElement> stack;

    GuardReport(String title, String site, String threadName, long tid, boolean inAtomic,
                boolean irqsDisabled, int nonBlock, int preemptCount, List<String> locksHeld,
                List<StackTraceElement> stack) {
        this.title = title;
        this.site = site;
        this.threadName = threadName;
        this.tid = tid;
        this.inAtomic = inAtomic;
        this.irqsDisabled = irqsDisabled;
        this.nonBlock = nonBlock;
        this.preemptCount = preemptCount;
        this.locksHeld = List.copyOf(locksHeld);
        this.stack = List.copyOf(stack);
    }

    /** The first line, e.g. "BUG: sleeping function called from invalid context at mn_invalidate_lock". */
    public String title() { return title; }
    public String site() { return site; }
    public String threadName() { return threadName; }
    public long tid() { return tid; }
    public boolean inAtomic() { return inAtomic; }
    public boolean irqsDisabled() { return irqsDisabled; }
    public int nonBlock() { return nonBlock; }
    public int preemptCount() { return preemptCount; }
    /** "name at site", outermost first. */
    public List<String> locksHeld() { return locksHeld; }
    public List<StackTraceElement> stack() { return stack; }

    /** The whole splat, kernel-style. */
    public String format() {
        StringBuilder b = new StringBuilder(512);
        b.append(title).append('\n');
        b.append("in_atomic(): ").append(inAtomic ? 1 : 0)
                .append(", irqs_disabled(): ").append(irqsDisabled ? 1 : 0)
                .append(", non_block: ").append(nonBlock)
                .append(", pid: ").append(tid)
                .append(", name: ").append(threadName).append('\n');
        b.append("preempt_count: ").append(Integer.toHexString(preemptCount))
                .append(", expected: 0\n");
        if (locksHeld.isEmpty()) {
            b.append("no locks held by ").append(threadName).append('/').append(tid).append(".\n");
        } else {
            b.append(locksHeld.size()).append(locksHeld.size() == 1 ? " lock" : " locks")
                    .append(" held by ").append(threadName).append('/').append(tid).append(":\n");
            for (int i = 0; i < locksHeld.size(); i++) {
                b.append(" #").append(i).append(": ").append(locksHeld.get(i)).append('\n');
            }
        }
        b.append("Call Trace:\n <TASK>\n");
        for (StackTraceElement e : stack) {
            b.append("  ").append(e).append('\n');
        }
        b.append(" </TASK>\n");
        return b.toString();
    }

    @Override
    public String toString() {
        return title + " (non_block: " + nonBlock + ", in_atomic(): " + (inAtomic ? 1 : 0)
                + ", name: " + threadName + ")";
    }
}
