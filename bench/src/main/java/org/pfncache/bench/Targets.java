package org.pfncache.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The table of the benchmark issue's targets, judged from confidence intervals, not point
 * estimates.
 *
 * <p>Every figure is JMH's score with its 99.9% confidence interval ({@link Results#interval}:
 * Student's t over every measured iteration of every fork; for a SampleTime percentile,
 * {@link Results#percentile} computes the same from the per-iteration percentiles). A ratio's
 * interval is interval arithmetic, {@code [lo(a) / hi(b), hi(a) / lo(b)]}, and a difference's
 * {@code [lo(a) - hi(b), hi(a) - lo(b)]}: conservative, no independence assumed. Then:
 * <ul>
 * <li><b>MET</b>: the whole interval is within the target (for "at most X": its upper bound is
 *     at most X);</li>
 * <li><b>MISSED</b>: the whole interval is outside it (its lower bound is above X);</li>
 * <li><b>INCONCLUSIVE</b>: the interval straddles the target, or the run cannot judge at all —
 *     fewer than {@link #MIN_FORKS} forks, {@link #MIN_ITERATIONS} measured iterations per fork or
 *     {@link #MIN_ITERATION_NANOS} per iteration behind either figure, no interval (one
 *     iteration), or a loaded machine ({@link #refuse}: every line then says why);</li>
 * <li><b>N/A</b>: the figures did not run (a narrowed run) or cannot run here (a JDK or core
 *     feature that is missing), with the reason;</li>
 * <li><b>info</b>: a figure without a target.</li>
 * </ul>
 */
final class Targets {
    /** Allocation below this many bytes per operation counts as none (a per-op allocation is at least 16 B). */
    static final double ZERO_BYTES = 1.0;
    static final int MIN_FORKS = 3;
    static final int MIN_ITERATIONS = 5;
    static final long MIN_ITERATION_NANOS = 1_000_000_000L;

    /** One line of the table. */
    record Line(String target, String measured, String ratio, String verdict, String note) {
    }

    private final Results results;
    private final List<String> strategies;
    /** Non-null: the machine was not fit to judge; every judged line is INCONCLUSIVE with this reason. */
    private final String refusal;
    private final List<Line> lines = new ArrayList<>();

    private Targets(Results results, List<String> strategies, String refusal) {
        this.results = results;
        this.strategies = strategies;
        this.refusal = refusal;
    }

    /** The lines; {@code refusal} (e.g. "load average 2.1 at start > 1.0") makes every judged line INCONCLUSIVE. */
    static List<Line> evaluate(Results results, List<String> strategies, String refusal) {
        Targets t = new Targets(results, strategies, refusal);
        t.sectionTargets();
        t.contendedTarget();
        t.memoryChecksTarget();
        t.stallTargets();
        t.allocationTargets();
        t.activationTargets();
        t.infoLines();
        return t.lines;
    }

    static String markdown(List<Line> lines) {
        StringBuilder sb = new StringBuilder();
        sb.append("| target | measured (99.9% CI) | ratio or difference (99.9% CI) | verdict | why |\n");
        sb.append("| --- | --- | --- | --- | --- |\n");
        for (Line l : lines) {
            sb.append("| ").append(l.target()).append(" | ").append(l.measured()).append(" | ")
                    .append(l.ratio()).append(" | ").append(l.verdict()).append(" | ").append(l.note()).append(" |\n");
        }
        return sb.toString();
    }

    static long count(List<Line> lines, String verdict) {
        return lines.stream().filter(l -> l.verdict().equals(verdict)).count();
    }

    // ---- the targets of the issue ----

    /**
     * The section targets, judged as the issue states them: the section with
     * {@code memoryChecks(false)} against baselines without the detector (the same R3 check and
     * 8-byte read, only the synchronization differs); {@link #memoryChecksTarget()} adds the
     * detector's cost on top.
     */
    private void sectionTargets() {
        String fenced = "BaselinesT1.fencedEpoch";
        String plain = "BaselinesT1.plain";
        Results.Interval fencedOff = results.interval(fenced, "detector=false");
        Results.Interval plainOff = results.interval(plain, "detector=false");
        int jdk = results.jdkFeature();
        boolean before22 = jdk >= 0 && jdk < 22;
        String not22 = "not run on JDK " + jdk + ": a 22+ target (./pfncache bench --jdk PATH)";
        record Section(String strategy, String label, double vsFenced) {
        }
        for (Section sec : List.of(new Section("srcu", "SRCU", 1.2), new Section("rwlock", "RWLOCK", 1.2),
                new Section("seqcount", "SEQCOUNT", 1.3))) {
            Results.Interval section = section(sec.strategy(), false);
            String name = SECTION + " " + sec.strategy() + " checks=false";
            ratio(String.format(Locale.ROOT, "%s section <= %.1fx fenced per-thread epoch reader, 1 thread, memoryChecks(false) (JDK 17 target)",
                    sec.label(), sec.vsFenced()), section, fencedOff, sec.vsFenced(), name, fenced + " detector=false");
            String vsPlain = sec.label() + " section <= 3x plain read, memoryChecks(false) (JDK 22+ target)";
            if (before22) {
                lines.add(new Line(vsPlain, "-", "-", "N/A", not22));
            } else {
                ratio(vsPlain, section, plainOff, 3.0, name, plain + " detector=false");
            }
        }
        String vsArena = "SRCU section <= 1.5x a shared-Arena read, memoryChecks(false) (JDK 22+ target)";
        if (before22) {
            lines.add(new Line(vsArena, "-", "-", "N/A", not22));
        } else {
            ratio(vsArena, section("srcu", false), results.interval("ArenaBaseline.sharedArena"), 1.5,
                    SECTION + " srcu checks=false", "ArenaBaseline.sharedArena");
        }
    }

    /** The section benchmark that has both memoryChecks settings (one cache, 1 thread, guard OFF). */
    private static final String SECTION = "HotPathMemoryChecks.enterCheckRead";

    private Results.Interval section(String strategy, boolean checks) {
        return results.interval(SECTION, "strategy=" + strategy, "checks=" + checks);
    }

    private void contendedTarget() {
        ratio("RWLOCK, 2 threads on one cache <= 0.15x ReentrantReadWriteLock read lock (2 threads, one lock)",
                results.interval("HotPathSharedT2.enterCheckRead", "strategy=rwlock"),
                results.interval("BaselinesT2.rrwl", "detector=true"), 0.15,
                "HotPathSharedT2.enterCheckRead rwlock", "BaselinesT2.rrwl");
    }

    private void memoryChecksTarget() {
        for (String s : List.of("srcu", "rwlock", "seqcount")) {
            difference("memoryChecks(true) <= +2 ns per section over memoryChecks(false), 1 thread: " + s,
                    section(s, true), section(s, false), 2.0, " ns",
                    SECTION + " " + s + " checks=true", SECTION + " " + s + " checks=false");
        }
    }

    private void stallTargets() {
        for (String s : strategies) {
            Results.Interval real = results.percentile(99, "ReaderStall.readAcrossInvalidation",
                    "strategy=" + s, "invalidator=migrate");
            Results.Interval placebo = results.percentile(99, "ReaderStall.readAcrossInvalidation",
                    "strategy=" + s, "invalidator=placebo");
            difference("reader stall at a 1-page invalidation, p99 minus placebo's p99 <= 10 us: " + s,
                    scale(real, 1e-3), scale(placebo, 1e-3), 10.0, " us",
                    "ReaderStall " + s + " migrate", "ReaderStall " + s + " placebo");
        }
    }

    private void allocationTargets() {
        if (!results.hasAllocation()) {
            lines.add(new Line("0 B/op: section, readLong, write", "-", "-", "N/A",
                    "the gc profiler did not run (quick and full add -prof gc)"));
            return;
        }
        for (String method : List.of("enterCheckRead", "readLong", "write")) {
            for (String s : strategies) {
                String target = "0 B/op: " + (method.equals("enterCheckRead") ? "section" : method) + ", " + s;
                Results.Interval b = results.secondaryInterval(Results.ALLOC_NORM, "HotPathT1." + method, "strategy=" + s);
                if (b == null) {
                    lines.add(new Line(target, "-", "-", "N/A", "not run: HotPathT1." + method + " " + s));
                    continue;
                }
                String why = unfit(b, null);
                String verdict;
                if (why != null) {
                    verdict = "INCONCLUSIVE";
                } else if (b.hi() < ZERO_BYTES) {
                    verdict = "MET";
                    why = "upper bound below " + ZERO_BYTES + " B/op";
                } else if (b.lo() >= ZERO_BYTES) {
                    verdict = "MISSED";
                    why = "lower bound at least " + ZERO_BYTES + " B/op";
                } else {
                    verdict = "INCONCLUSIVE";
                    why = "interval straddles " + ZERO_BYTES + " B/op";
                }
                lines.add(new Line(target, withCi(b, " B/op"), "-", verdict, why));
            }
        }
    }

    private void activationTargets() {
        for (String s : strategies) {
            Results.Interval many = results.interval("ActivationScaling.activateDeactivate", "strategy=" + s,
                    "caches=100000");
            Results.Interval few = results.interval("ActivationScaling.activateDeactivate", "strategy=" + s,
                    "caches=100");
            ratio("activate + deactivate on one page, per cache: 100 000 caches <= 10x 100 caches, " + s,
                    scale(many, 1.0 / 100_000), scale(few, 1.0 / 100), 10.0,
                    "ActivationScaling " + s + " x100000", "ActivationScaling " + s + " x100");
        }
    }

    // ---- information: no target ----

    private void infoLines() {
        for (String s : strategies) {
            info("(info) megamorphic vs monomorphic readLong: " + s,
                    results.interval("HotPathMegamorphic.readLong", "strategy=" + s),
                    results.interval("HotPathT1.readLong", "strategy=" + s));
        }
        info("(info) RWLOCK-TRY section vs fenced epoch reader, 1 thread",
                results.interval("HotPathT1.enterCheckRead", "strategy=rwlock-try"),
                results.interval("BaselinesT1.fencedEpoch", "detector=true"));
        info("(info) RWLOCK section vs ReentrantReadWriteLock read lock, 1 thread",
                results.interval("HotPathT1.enterCheckRead", "strategy=rwlock"),
                results.interval("BaselinesT1.rrwl", "detector=true"));
        info("(info) Srcu.readLock/readUnlock baseline vs fenced epoch reader, 1 thread",
                results.interval("BaselinesT1.srcu", "detector=true"),
                results.interval("BaselinesT1.fencedEpoch", "detector=true"));
        info("(info) asymmetric epoch reader (compiler barrier on 22+ with membarrier) vs fenced epoch reader, 1 thread",
                results.interval("BaselinesT1.asymmetricEpoch", "detector=true"),
                results.interval("BaselinesT1.fencedEpoch", "detector=true"));
        info("(info) the detector: plain baseline with vs without it, 1 thread",
                results.interval("BaselinesT1.plain", "detector=true"),
                results.interval("BaselinesT1.plain", "detector=false"));
        info("(info) the real KernelMapping vs its replica (plain, detector on), 1 thread",
                results.interval("BaselinesT1.kernelMapping", "detector=true"),
                results.interval("BaselinesT1.plain", "detector=true"));
        for (String s : strategies) {
            String raw = raw(s);
            if (raw != null) {
                info("(info) guard OFF and API layers: section vs bare protocol replica, " + s,
                        results.interval("HotPathT1.enterCheckRead", "strategy=" + s),
                        results.interval(raw, "detector=true"));
            }
        }
        for (String s : strategies) {
            info("(info) guard REPORT vs OFF, section, " + s,
                    results.interval("HotPathGuardReport.enterCheckRead", "strategy=" + s),
                    results.interval("HotPathT1.enterCheckRead", "strategy=" + s));
        }
        for (String s : strategies) {
            info("(info) invalidating 1 page (+ refresh): 100 000 caches vs 1, " + s,
                    results.interval("InvalidationScaling.migrateRefresh", "strategy=" + s, "caches=100000"),
                    results.interval("InvalidationScaling.migrateRefresh", "strategy=" + s, "caches=1"));
        }
    }

    private static String raw(String strategy) {
        return switch (strategy) {
            case "rwlock", "rwlock-try" -> "BaselinesT1.rawRwlock";
            case "srcu" -> "BaselinesT1.rawSrcu";
            case "seqcount" -> "BaselinesT1.rawSeqcount";
            default -> null;
        };
    }

    // ---- judging ----

    /** Why these figures cannot judge a target (too few forks or iterations, no interval, a loaded machine), or null. */
    private String unfit(Results.Interval a, Results.Interval b) {
        if (refusal != null) {
            return "refused: " + refusal;
        }
        for (Results.Interval x : b == null ? List.of(a) : List.of(a, b)) {
            int perFork = x.forks() == 0 ? 0 : x.iterations() / x.forks();
            if (x.forks() < MIN_FORKS || perFork < MIN_ITERATIONS || x.iterationNanos() < MIN_ITERATION_NANOS) {
                return String.format(Locale.ROOT, "%d fork(s) x %d x %s: a target needs >= %d forks x %d x 1 s",
                        x.forks(), perFork, duration(x.iterationNanos()), MIN_FORKS, MIN_ITERATIONS);
            }
            if (!x.hasCi()) {
                return "no confidence interval (JMH gives none below 3 measured iterations)";
            }
        }
        return null;
    }

    private void ratio(String target, Results.Interval a, Results.Interval b, double limit, String aName, String bName) {
        if (a == null || b == null) {
            lines.add(new Line(target, "-", "-", "N/A", "not run: " + (a == null ? aName : bName)));
            return;
        }
        double point = a.point() / b.point();
        double lo = a.lo() / b.hi();
        double hi = b.lo() > 0 ? a.hi() / b.lo() : Double.POSITIVE_INFINITY;
        String measured = withCi(a, unit(a)) + " / " + withCi(b, unit(b));
        String ratio = String.format(Locale.ROOT, "%.2fx [%s, %s]", point, fmt(lo), fmt(hi));
        judge(target, measured, ratio, a, b, lo, hi, limit, String.format(Locale.ROOT, "%.2fx", limit));
    }

    private void difference(String target, Results.Interval a, Results.Interval b, double limit, String unit,
            String aName, String bName) {
        if (a == null || b == null) {
            lines.add(new Line(target, "-", "-", "N/A", "not run: " + (a == null ? aName : bName)));
            return;
        }
        double point = a.point() - b.point();
        double lo = a.lo() - b.hi();
        double hi = a.hi() - b.lo();
        String measured = withCi(a, unit) + " - " + withCi(b, unit);
        String diff = String.format(Locale.ROOT, "%s%s [%s, %s]", fmt(point), unit, fmt(lo), fmt(hi));
        judge(target, measured, diff, a, b, lo, hi, limit, "+" + fmt(limit) + unit);
    }

    private void judge(String target, String measured, String figure, Results.Interval a, Results.Interval b,
            double lo, double hi, double limit, String limitText) {
        String why = unfit(a, b);
        String verdict;
        if (why != null) {
            verdict = "INCONCLUSIVE";
        } else if (hi <= limit) {
            verdict = "MET";
            why = "upper bound within " + limitText;
        } else if (lo > limit) {
            verdict = "MISSED";
            why = "lower bound beyond " + limitText;
        } else {
            verdict = "INCONCLUSIVE";
            why = "interval straddles " + limitText;
        }
        lines.add(new Line(target, measured, figure, verdict, why));
    }

    private void info(String target, Results.Interval a, Results.Interval b) {
        if (a == null || b == null) {
            return; // information lines are left out of a narrowed run rather than listed as not run
        }
        lines.add(new Line(target, withCi(a, unit(a)) + " / " + withCi(b, unit(b)),
                String.format(Locale.ROOT, "%.2fx", a.point() / b.point()), "info", ""));
    }

    // ---- other tables ----

    /** ReaderStall's percentiles, migrate vs placebo, per strategy (µs per operation of {@value ReaderStall#BATCH} reads). */
    static String stallTable(Results results, List<String> strategies) {
        if (!results.ran("ReaderStall.")) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Reader stall: one operation = ").append(ReaderStall.BATCH)
                .append(" R7 reads across one invalidation (us; p99 is the mean of the per-iteration p99s):\n\n");
        sb.append("| strategy | invalidator | p50 | p90 | p99 | p99.9 | max |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (String s : strategies) {
            for (String inv : List.of("migrate", "placebo")) {
                String[] p = {"strategy=" + s, "invalidator=" + inv};
                if (results.find("ReaderStall.readAcrossInvalidation", p) == null) {
                    continue;
                }
                sb.append("| ").append(s).append(" | ").append(inv);
                for (double pct : new double[] {50, 90, 99, 99.9, 100}) {
                    Results.Interval x = results.percentile(pct, "ReaderStall.readAcrossInvalidation", p);
                    sb.append(" | ").append(fmt(x.point() / 1e3));
                }
                sb.append(" |\n");
            }
        }
        return sb.toString();
    }

    /** Where the 1-thread hot path goes (HotPathParts, Baselines.khvaRead), per strategy, guard OFF. */
    static String partsTable(Results results, List<String> strategies) {
        StringBuilder sb = new StringBuilder();
        if (!results.ran("HotPathParts.")) {
            return "";
        }
        sb.append("Where the 1-thread hot path goes (ns/op, guard OFF; separate runs, so they add up only roughly):\n\n");
        sb.append("| strategy | enter + close | check(8) (enterCheckClose - enterClose) | Khva read (khvaRead) | section |"
                + " bare protocol replica |\n");
        sb.append("| --- | --- | --- | --- | --- | --- |\n");
        OptionalDouble khva = results.nanos("BaselinesT1.khvaRead", "detector=true");
        for (String s : strategies) {
            OptionalDouble section = results.nanos("HotPathParts.enterClose", "strategy=" + s);
            OptionalDouble checked = results.nanos("HotPathParts.enterCheckClose", "strategy=" + s);
            OptionalDouble all = results.nanos("HotPathT1.enterCheckRead", "strategy=" + s);
            String raw = raw(s);
            OptionalDouble bare = raw == null ? OptionalDouble.empty() : results.nanos(raw, "detector=true");
            sb.append("| ").append(s).append(" | ").append(opt(section)).append(" | ")
                    .append(section.isPresent() && checked.isPresent()
                            ? fmt(checked.getAsDouble() - section.getAsDouble()) : "-")
                    .append(" | ").append(opt(khva)).append(" | ").append(opt(all)).append(" | ").append(opt(bare))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /** Invalidation's and InvalidationScaling's figures (µs per operation). */
    static String invalidationTables(Results results, List<String> strategies) {
        StringBuilder sb = new StringBuilder();
        if (results.ran("Invalidation.")) {
            sb.append("Invalidation and refresh, us per operation (each restores its state; one 1-page VMA, one cache;"
                    + " readers: an active reader on it):\n\n");
            sb.append("| strategy | readers | refreshValid | migrateRefresh | munmapRestore | oomReapRestore (RETRY share) |\n");
            sb.append("| --- | --- | --- | --- | --- | --- |\n");
            for (String s : strategies) {
                for (String readers : List.of("0", "1")) {
                    String[] p = {"strategy=" + s, "readers=" + readers};
                    sb.append("| ").append(s).append(" | ").append(readers);
                    for (String m : List.of("refreshValid", "migrateRefresh", "munmapRestore", "oomReapRestore")) {
                        OptionalDouble ns = results.nanos("Invalidation." + m, p);
                        sb.append(" | ").append(ns.isPresent() ? fmt(ns.getAsDouble() / 1e3) : "-");
                        if (m.equals("oomReapRestore") && ns.isPresent()) {
                            OptionalDouble done = results.secondary("reapDone", "Invalidation." + m, p);
                            OptionalDouble retried = results.secondary("reapRetried", "Invalidation." + m, p);
                            if (done.isPresent() && retried.isPresent()
                                    && done.getAsDouble() + retried.getAsDouble() > 0) {
                                sb.append(String.format(Locale.ROOT, " (%.0f%%)",
                                        100 * retried.getAsDouble() / (done.getAsDouble() + retried.getAsDouble())));
                            }
                        }
                    }
                    sb.append(" |\n");
                }
            }
            sb.append('\n');
        }
        if (results.ran("ActivationScaling.")) {
            sb.append("Activate + deactivate every cache on one page, us per cache:\n\n");
            sb.append("| strategy | 100 caches | 100 000 caches | ratio |\n| --- | --- | --- | --- |\n");
            for (String s : strategies) {
                OptionalDouble few = results.nanos("ActivationScaling.activateDeactivate", "strategy=" + s, "caches=100");
                OptionalDouble many = results.nanos("ActivationScaling.activateDeactivate", "strategy=" + s,
                        "caches=100000");
                sb.append("| ").append(s).append(" | ").append(few.isPresent() ? fmt(few.getAsDouble() / 1e3 / 100) : "-")
                        .append(" | ").append(many.isPresent() ? fmt(many.getAsDouble() / 1e3 / 100_000) : "-")
                        .append(" | ").append(few.isPresent() && many.isPresent()
                                ? String.format(Locale.ROOT, "%.2fx", many.getAsDouble() / 1000 / few.getAsDouble())
                                : "-")
                        .append(" |\n");
            }
        }
        return sb.toString();
    }

    // ---- formatting ----

    private static Results.Interval scale(Results.Interval x, double k) {
        return x == null ? null : new Results.Interval(x.point() * k, x.lo() * k, x.hi() * k, x.forks(),
                x.iterations(), x.iterationNanos());
    }

    private static String unit(Results.Interval x) {
        return " ns";
    }

    private static String withCi(Results.Interval x, String unit) {
        if (!x.hasCi()) {
            return fmt(x.point()) + unit + " [no CI]";
        }
        return fmt(x.point()) + unit + " [" + fmt(x.lo()) + ", " + fmt(x.hi()) + "]";
    }

    private static String duration(long nanos) {
        return nanos >= 1_000_000_000L && nanos % 1_000_000_000L == 0 ? nanos / 1_000_000_000L + " s"
                : nanos / 1_000_000 + " ms";
    }

    private static String opt(OptionalDouble d) {
        return d.isPresent() ? fmt(d.getAsDouble()) : "-";
    }

    static String fmt(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (Double.isNaN(v)) {
            return "NaN";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : Math.abs(v) >= 1 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.3f", v);
    }
}
