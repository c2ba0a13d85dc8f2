package org.pfncache.guard;

import org.pfncache.jfr.GuardReportEvent;
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
 *
 * <p>Reader stalls. The domain also says how long a writer waits for readers before it reports a
 * {@link ReaderStallReport} ({@link #readerStallNanos()}, default 10 s; 0: never), where such
 * reports go (System.Logger "org.pfncache.stall" at WARNING, and the stall listener), and
 * whether read sections record where they were entered ({@link #recordsSectionSites()}; see
 * {@link #sectionEntered}). Stall reports are independent of the might-sleep policy: OFF does
 * not silence them.
 */
public final class Guard {
    private static final System.Logger LOG = System.getLogger("org.pfncache.guard");
    private static final System.Logger STALL_LOG = System.getLogger("org.pfncache.stall");
    /** The default reader-stall timeout: 10 s (the kernel's RCU CPU stall timeout is 21 s). */
    public static final java.time.Duration DEFAULT_READER_STALL = java.time.Duration.ofSeconds(10);
    private static final Guard PROCESS_DEFAULT = new Guard(PreemptionModel.NONE, null, null, true,
            DEFAULT_READER_STALL.toNanos(), null, false);
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
    /** kernelSites that warnOnce has reported (WARN_ON_ONCE's per-site flag). */
    private final java.util.Set<String> warnedOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final long readerStallNanos;
    private final Consumer<ReaderStallReport> stallListener;
    private final boolean recordSections;
    /** Open read sections, when recorded: key (the section) -> where it was entered. */
    private final java.util.Map<Object, SectionSite> openSections = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong stallReports = new java.util.concurrent.atomic.AtomicLong();

    private Guard(PreemptionModel preemption, GuardPolicy policy, Consumer<GuardReport> listener, boolean log,
                  long readerStallNanos, Consumer<ReaderStallReport> stallListener, boolean recordSections) {
        this.preemption = preemption;
        this.policy = policy;
        this.listener = listener;
        this.log = log;
        this.readerStallNanos = readerStallNanos;
        this.stallListener = stallListener;
        this.recordSections = recordSections;
    }

    /** A guard domain with its own model, policy and listener (null: none). */
    public static Guard create(PreemptionModel preemption, GuardPolicy policy,
                               Consumer<GuardReport> listener) {
        return create(preemption, policy, listener, true);
    }

    /** As {@link #create(PreemptionModel, GuardPolicy, Consumer)}; {@code log} false: REPORT does not log. */
    public static Guard create(PreemptionModel preemption, GuardPolicy policy,
                               Consumer<GuardReport> listener, boolean log) {
        return create(preemption, policy, listener, log, DEFAULT_READER_STALL, null, false);
    }

    /**
     * As {@link #create(PreemptionModel, GuardPolicy, Consumer, boolean)}, with the reader-stall
     * settings (class comment): {@code readerStall} null or zero turns stall reports off,
     * {@code stallListener} (null: none) gets every stall report, {@code recordSectionSites}
     * makes read sections record their thread and stack.
     */
    public static Guard create(PreemptionModel preemption, GuardPolicy policy, Consumer<GuardReport> listener,
                               boolean log, java.time.Duration readerStall,
                               Consumer<ReaderStallReport> stallListener, boolean recordSectionSites) {
        long stall = readerStall == null ? 0 : readerStall.toNanos();
        if (stall < 0) {
            throw new IllegalArgumentException("reader stall timeout must not be negative, got " + readerStall);
        }
        return new Guard(Objects.requireNonNull(preemption, "preemption"),
                Objects.requireNonNull(policy, "policy"), listener, log, stall, stallListener, recordSectionSites);
    }

    // ---- reader stalls (class comment) ----

    /** How long a writer waits for readers before reporting a stall; 0: never reports. */
    public long readerStallNanos() {
        return readerStallNanos;
    }

    /** Whether read sections record where they were entered ({@link #sectionEntered}). */
    public boolean recordsSectionSites() {
        return recordSections;
    }

    /** Stall reports made so far. */
    public long stallReportCount() {
        return stallReports.get();
    }

    /**
     * Reports a reader stall: logged at WARNING (System.Logger "org.pfncache.stall"; the first
     * {@value #LOGGED_REPORTS}, then only counted) and given to the stall listener.
     */
    public void readerStall(ReaderStallReport r) {
        long n = stallReports.incrementAndGet();
        if (n <= LOGGED_REPORTS) {
            STALL_LOG.log(Level.WARNING, r::format);
        }
        if (stallListener != null) {
            try {
                stallListener.accept(r);
            } catch (RuntimeException e) {
                STALL_LOG.log(Level.ERROR, "reader-stall listener threw", e);
            }
        }
    }

    /** Where an open read section was entered. */
    private record SectionSite(String description, Thread thread, Throwable site) {
        String format() {
            StringBuilder b = new StringBuilder(description).append(", entered by thread '").append(thread.getName())
                    .append("' (").append(thread.isAlive() ? "alive" : "terminated").append(')');
            StackTraceElement[] st = site.getStackTrace();
            for (int i = 0; i < Math.min(st.length, 12); i++) {
                b.append("\n        at ").append(st[i]);
            }
            return b.toString();
        }
    }

    /**
     * Records that the calling thread entered the read section {@code key} ({@code description}
     * names it, e.g. the cache and strategy); only when {@link #recordsSectionSites()}. Captures
     * the stack, so callers test {@link #recordsSectionSites()} first and keep the read path free.
     */
    public void sectionEntered(Object key, String description) {
        openSections.put(key, new SectionSite(description, Thread.currentThread(), new Throwable("entered here")));
    }

    /** The section {@code key} was left. */
    public void sectionExited(Object key) {
        openSections.remove(key);
    }

    /** The recorded open sections of this domain, each with its thread and entry stack. */
    public List<String> openSectionSites() {
        List<String> out = new java.util.ArrayList<>();
        for (SectionSite s : openSections.values()) {
            out.add(s.format());
        }
        return out;
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

    /**
     * R12, {@code might_sleep()}: reports when the calling thread is atomic, has irqs off, is in
     * a non_block section, or (PREEMPT_RT) is inside any RCU read section, including the one an
     * RT lock it holds implies. The title's site is {@code site} itself.
     */
    public void mightSleep(String site) {
        mightSleepAt(site, site, null);
    }

    /** As {@link #mightSleep(String)}, titled with the kernel's {@code kernelSite} (FILE:LINE). */
    public void mightSleep(String site, String kernelSite) {
        mightSleepAt(site, kernelSite, null);
    }

    /**
     * {@code __might_sleep(FILE, LINE)} from inside a kernel primitive: {@code site} is the
     * Java-side name ({@link GuardReport#site()}), {@code kernelSite} the title's FILE:LINE and
     * {@code primitive} the call trace's first frame (e.g. "mutex_lock"; null: {@code site}).
     * Expects preempt_count 0 and RCU nesting 0.
     */
    public void mightSleepAt(String site, String kernelSite, String primitive) {
        if (!tracking()) {
            return;
        }
        ThreadContext ctx = ContextGuard.context();
        if (ctx.invalidForSleep(0)) {
            bug(ctx, site, kernelSite, primitive, 0);
        }
    }

    /**
     * {@code rtlock_might_resched()} (spinlock_rt.c): {@code __might_resched(FILE, LINE,
     * rcu_preempt_depth() << MIGHT_RESCHED_RCU_SHIFT)}. The RCU nesting the thread already has is
     * expected, so nesting one RT lock in another (or in rcu_read_lock) is not reported, while
     * preemption off, irqs off or non_block still are.
     */
    public void rtLockMightResched(String site, String kernelSite, String primitive) {
        if (!tracking()) {
            return;
        }
        ThreadContext ctx = ContextGuard.context();
        if (ctx.invalidForSleep(ctx.rcuDepth)) {
            bug(ctx, site, kernelSite, primitive, ctx.rcuDepth);
        }
    }

    private void bug(ThreadContext ctx, String site, String kernelSite, String primitive, int rcuExpected) {
        report(ctx, GuardReport.Kind.BUG, "BUG: sleeping function called from invalid context at " + kernelSite,
                site, kernelSite, null, primitive != null ? primitive : frameName(site), rcuExpected, true);
    }

    /**
     * {@code WARN(1, message)} at {@code kernelSite} (FILE:LINE) in {@code function}: a report of
     * kind {@link GuardReport.Kind#WARN} titled "WARNING: CPU: 0 PID: N at FILE:LINE FUNCTION"
     * (kernel/panic.c {@code __warn()}; CPU is always 0, there are no CPUs here), then the
     * message line (null: none, as WARN_ON prints none). Counted, rate-limited, kept and given to
     * the listener like a BUG, but never thrown, even under THROW: the kernel carries on after a
     * WARN. Under THROW and REPORT it is logged (first {@value #LOGGED_REPORTS}).
     */
    public void warn(String message, String kernelSite, String function) {
        if (!tracking()) {
            return;
        }
        ThreadContext ctx = ContextGuard.context();
        Thread t = Thread.currentThread();
        String title = "WARNING: CPU: 0 PID: " + t.getId() + " at " + kernelSite
                + (function == null ? "" : " " + function);
        report(ctx, GuardReport.Kind.WARN, title, function != null ? function : kernelSite, kernelSite, message,
                function, 0, false);
    }

    /**
     * {@code WARN_ONCE}/{@code WARN_ON_ONCE}: as {@link #warn}, but only the first call for a
     * given {@code kernelSite} in this domain reports (the kernel's per-site static flag).
     * Returns true if this call reported.
     */
    public boolean warnOnce(String message, String kernelSite, String function) {
        if (!tracking() || !warnedOnce.add(kernelSite)) {
            return false;
        }
        warn(message, kernelSite, function);
        return true;
    }

    /** A bookkeeping warning (unbalanced end/enable); thrown under THROW, unlike {@link #warn}. */
    void report(ThreadContext ctx, String title, String site) {
        report(ctx, GuardReport.Kind.WARN, title, site, site, null, frameName(site), 0, true);
    }

    /** A Java site that is a C identifier names the function that might sleep: the trace's first frame. */
    private static String frameName(String site) {
        if (site == null || site.isEmpty() || !Character.isJavaIdentifierStart(site.charAt(0))) {
            return null;
        }
        for (int i = 1; i < site.length(); i++) {
            char c = site.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_')) {
                return null;
            }
        }
        return site;
    }

    private void report(ThreadContext ctx, GuardReport.Kind kind, String title, String site, String kernelSite,
                        String message, String firstFrame, int rcuExpected, boolean mayThrow) {
        GuardPolicy p = policy();
        if (p == GuardPolicy.OFF) {
            return;
        }
        long n = reportCount.incrementAndGet();
        boolean willThrow = mayThrow && p == GuardPolicy.THROW;
        Thread t = Thread.currentThread();
        List<StackTraceElement> stack = List.of();
        if (n <= KEPT_REPORTS || willThrow) {
            StackTraceElement[] frames = new Throwable().getStackTrace();
            int skip = 0;
            while (skip < frames.length && frames[skip].getClassName().equals(Guard.class.getName())) {
                skip++;
            }
            stack = List.of(frames).subList(skip, frames.length);
        }
        List<String> kernelFrames = ctx.functionsInnermostFirst();
        if (firstFrame != null && (kernelFrames.isEmpty() || !kernelFrames.get(0).equals(firstFrame))) {
            List<String> withFirst = new java.util.ArrayList<>(kernelFrames.size() + 1);
            withFirst.add(firstFrame);
            withFirst.addAll(kernelFrames);
            kernelFrames = withFirst;
        }
        GuardReport r = new GuardReport(kind, title, site, kernelSite, message, t.getName(), t.getId(), ctx,
                rcuExpected, preemption == PreemptionModel.RT, kernelFrames, stack);
        if (n <= KEPT_REPORTS) {
            reports.add(r);
        }
        GuardReportEvent event = new GuardReportEvent();
        if (event.shouldCommit()) {
            event.kind = r.kind().name();
            event.title = r.title();
            event.site = r.site();
            event.nonBlock = r.nonBlock();
            event.splat = r.format();
            event.commit();
        }
        if (listener != null) {
            listener.accept(r);
        }
        if (willThrow) {
            throw new SleepInInvalidContextError(r);
        }
        if (log && n <= LOGGED_REPORTS) {
            LOG.log(Level.WARNING, r::format);
        } else if (log && n == LOGGED_REPORTS + 1) {
            LOG.log(Level.WARNING, "further guard reports are counted but not logged (Guard.reportCount())");
        }
    }
}
