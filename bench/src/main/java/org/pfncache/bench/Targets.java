package org.pfncache.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import org.openjdk.jmh.results.RunResult;

/**
 * The ratio table: each target of the benchmark issue, stated as a ratio between two figures of
 * the same run, with the measured ratio and MET or MISSED. Lines whose inputs did not run (a
 * filtered run) say so instead of guessing; lines without a target are marked "info".
 *
 * <p>The hot-path figures are {@code enterCheckRead} (check + 8-byte read, the kernel-shaped
 * path) with guard OFF and no background invalidator; at two threads each thread has its own
 * cache, except for the RWLOCK line, which compares one shared cache with one shared
 * ReentrantReadWriteLock (the JDK figure the target was set against is a shared lock).
 */
final class Targets {
    /**
     * Allocation below this many bytes per read counts as none: JMH's figure is an average over
     * the iteration and picks up one-off allocations (a deoptimisation, the profiler itself),
     * while a per-read allocation is at least one object, 16 bytes.
     */
    static final double ZERO_BYTES = 1.0;
    /** "Guard OFF indistinguishable from no guard": within this factor of the raw protocol. */
    static final double GUARD_OFF_LIMIT = 1.10;

    /** One line; {@code verdict} is MET, MISSED, info (no target) or N/A (its inputs did not run). */
    record Line(String target, String measured, String ratio, String verdict) {
    }

    private final Results results;
    private final List<String> strategies;
    private final List<Line> lines = new ArrayList<>();

    private Targets(Results results, List<String> strategies) {
        this.results = results;
        this.strategies = strategies;
    }

    static List<Line> evaluate(Results results, List<String> strategies) {
        Targets t = new Targets(results, strategies);
        t.hotPathTargets();
        t.allocationTargets();
        t.guardTargets();
        t.scalingTargets();
        return t.lines;
    }

    static String markdown(List<Line> lines) {
        StringBuilder sb = new StringBuilder();
        sb.append("| target | measured | ratio | verdict |\n");
        sb.append("| --- | --- | --- | --- |\n");
        for (Line l : lines) {
            sb.append("| ").append(l.target()).append(" | ").append(l.measured()).append(" | ")
                    .append(l.ratio()).append(" | ").append(l.verdict()).append(" |\n");
        }
        return sb.toString();
    }

    /** The invalidation figures as two markdown tables (µs per operation). */
    static String invalidationTables(Results results, List<String> strategies) {
        StringBuilder sb = new StringBuilder();
        if (!results.ran("Invalidation.") && !results.ran("InvalidationScaling.")) {
            return "";
        }
        sb.append("Invalidation and refresh, us per operation (one 1-page VMA, one cache; readers: an active reader on it):\n\n");
        sb.append("| strategy | readers | migrate | munmap | oomReap, 1 attempt (RETRY share) | refresh after invalidation | refresh of a valid cache |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (String s : strategies) {
            for (String readers : List.of("0", "1")) {
                String[] p = {"strategy=" + s, "readers=" + readers};
                sb.append("| ").append(s).append(" | ").append(readers);
                for (String m : List.of("migrate", "munmap", "oomReap", "refreshInvalid", "refreshValid")) {
                    OptionalDouble ns = results.nanos("Invalidation." + m, p);
                    sb.append(" | ").append(ns.isPresent() ? micros(ns.getAsDouble()) : "-");
                    if (m.equals("oomReap") && ns.isPresent()) {
                        OptionalDouble done = results.secondary("reapDone", "Invalidation.oomReap", p);
                        OptionalDouble retried = results.secondary("reapRetried", "Invalidation.oomReap", p);
                        if (done.isPresent() && retried.isPresent() && done.getAsDouble() + retried.getAsDouble() > 0) {
                            sb.append(String.format(Locale.ROOT, " (%.0f%%)",
                                    100 * retried.getAsDouble() / (done.getAsDouble() + retried.getAsDouble())));
                        }
                    }
                }
                sb.append(" |\n");
            }
        }
        sb.append("\nInvalidating one page among N active caches (each on its own page), us per invalidation:\n\n");
        List<String> counts = List.of("1", "100", "10000", "100000");
        sb.append("| strategy | ").append(String.join(" | ", counts)).append(" | 100000 / 1 |\n");
        sb.append("| --- |").append(" --- |".repeat(counts.size() + 1)).append("\n");
        for (String s : strategies) {
            sb.append("| ").append(s);
            for (String n : counts) {
                OptionalDouble ns = results.nanos("InvalidationScaling.migrate", "strategy=" + s, "caches=" + n);
                sb.append(" | ").append(ns.isPresent() ? micros(ns.getAsDouble()) : "-");
            }
            OptionalDouble one = results.nanos("InvalidationScaling.migrate", "strategy=" + s, "caches=1");
            OptionalDouble many = results.nanos("InvalidationScaling.migrate", "strategy=" + s, "caches=100000");
            sb.append(" | ").append(one.isPresent() && many.isPresent()
                    ? String.format(Locale.ROOT, "%.2fx", many.getAsDouble() / one.getAsDouble()) : "-").append(" |\n");
        }
        return sb.toString();
    }

    /** Where the 1-thread hot path goes (HotPathParts, Baselines.khvaRead), per strategy, guard OFF. */
    static String partsTable(Results results, List<String> strategies) {
        StringBuilder sb = new StringBuilder();
        if (!results.ran("HotPathParts.")) {
            return "";
        }
        sb.append("Where the 1-thread hot path goes (ns/op, guard OFF; the parts are separate runs, so they add up only roughly):\n\n");
        sb.append("| strategy | enter + close | check(8) (enterCheckClose - enterClose) | Khva read (khvaRead) | enterCheckRead |"
                + " bare protocol replica |\n");
        sb.append("| --- | --- | --- | --- | --- | --- |\n");
        OptionalDouble khva = results.nanos("BaselinesT1.khvaRead");
        for (String s : strategies) {
            OptionalDouble section = results.nanos("HotPathParts.enterClose", "strategy=" + s);
            OptionalDouble checked = results.nanos("HotPathParts.enterCheckClose", "strategy=" + s);
            OptionalDouble all = results.nanos("HotPathT1.enterCheckRead", "strategy=" + s, "guard=OFF", "invalidateEveryUs=0");
            String raw = switch (s) {
                case "rwlock", "rwlock-try" -> "BaselinesT1.rawRwlock";
                case "srcu" -> "BaselinesT1.rawSrcu";
                case "seqcount" -> "BaselinesT1.rawSeqcount";
                default -> "";
            };
            OptionalDouble bare = results.nanos(raw);
            sb.append("| ").append(s).append(" | ").append(opt(section)).append(" | ")
                    .append(section.isPresent() && checked.isPresent()
                            ? fmt(checked.getAsDouble() - section.getAsDouble()) : "-")
                    .append(" | ").append(opt(khva)).append(" | ").append(opt(all)).append(" | ").append(opt(bare))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String opt(OptionalDouble d) {
        return d.isPresent() ? fmt(d.getAsDouble()) : "-";
    }

    /**
     * The hot path under the background invalidator (guard OFF): the cadence achieved and the
     * reader time each invalidation cost, i.e. every thread's slowdown against the same run
     * without invalidations, summed over threads and divided by the invalidations.
     */
    static String invalidatorTable(Results results, List<String> strategies) {
        StringBuilder sb = new StringBuilder();
        if (results.all().stream().noneMatch(r -> "100".equals(r.getParams().getParam("invalidateEveryUs")))) {
            return "";
        }
        sb.append("Hot path with the background invalidator (migrate + refresh, asked every 100 us; guard OFF):\n\n");
        sb.append("| benchmark | strategy | achieved every (us) | ns/op without | ns/op with | reader time lost per invalidation (us) |\n");
        sb.append("| --- | --- | --- | --- | --- | --- |\n");
        for (String cls : List.of("HotPathT1", "HotPathT2", "HotPathSharedT2")) {
            for (String method : List.of("enterCheckRead", "read")) {
                for (String s : strategies) {
                    String name = cls + "." + method;
                    RunResult with = results.find(name, "strategy=" + s, "guard=OFF", "invalidateEveryUs=100");
                    OptionalDouble quiet = results.nanos(name, "strategy=" + s, "guard=OFF", "invalidateEveryUs=0");
                    double[] perIteration = with == null ? null : Results.perIteration(with, "invalidations");
                    if (perIteration == null || perIteration[0] <= 0) {
                        continue;
                    }
                    double iterationNanos = with.getParams().getMeasurement().getTime()
                            .convertTo(java.util.concurrent.TimeUnit.NANOSECONDS);
                    double invalidations = perIteration[0] / perIteration[1];
                    double withNanos = Results.nanos(with);
                    String lost = "-";
                    if (quiet.isPresent()) {
                        double lostNanos = with.getParams().getThreads() * iterationNanos
                                * Math.max(0, 1 - quiet.getAsDouble() / withNanos);
                        lost = String.format(Locale.ROOT, "%.1f", lostNanos / invalidations / 1e3);
                    }
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %s | %s |%n", name, s,
                            iterationNanos / invalidations / 1e3,
                            quiet.isPresent() ? fmt(quiet.getAsDouble()) : "-", fmt(withNanos), lost));
                }
            }
        }
        return sb.toString();
    }

    private static String micros(double ns) {
        return String.format(Locale.ROOT, "%.2f", ns / 1e3);
    }

    // ---- the lines ----

    private void hotPathTargets() {
        for (int t = 1; t <= 2; t++) {
            ratio("SEQCOUNT <= 1.3x plain fields, " + threads(t),
                    hot("seqcount", "HotPathT" + t), "Baselines" + "T" + t + ".plain", 1.3);
        }
        for (int t = 1; t <= 2; t++) {
            ratio("SRCU <= 1.2x fenced per-thread epoch reader, " + threads(t),
                    hot("srcu", "HotPathT" + t), "BaselinesT" + t + ".fencedEpoch", 1.2);
        }
        withoutDetector("(info) SEQCOUNT vs plain, minus the simulated memory's detector, 1 thread",
                hot("seqcount", "HotPathT1"), "BaselinesT1.plain");
        withoutDetector("(info) SRCU vs fenced epoch reader, minus the simulated memory's detector, 1 thread",
                hot("srcu", "HotPathT1"), "BaselinesT1.fencedEpoch");
        ratio("(info) floor of the SEQCOUNT protocol (bare replica: SRCU section + seqcount) vs plain, 1 thread",
                new Ref("BaselinesT1.rawSeqcount"), "BaselinesT1.plain", Double.NaN);
        ratio("(info) floor of the SRCU protocol (bare replica) vs fenced epoch reader, 1 thread",
                new Ref("BaselinesT1.rawSrcu"), "BaselinesT1.fencedEpoch", Double.NaN);
        ratio("RWLOCK <= 0.5x ReentrantReadWriteLock read lock, 1 thread",
                hot("rwlock", "HotPathT1"), "BaselinesT1.rrwlReadLock", 0.5);
        ratio("RWLOCK <= 0.15x ReentrantReadWriteLock read lock, 2 threads (one shared cache vs one shared lock)",
                hot("rwlock", "HotPathSharedT2"), "BaselinesT2.rrwlReadLock", 0.15);
        ratio("(info) RWLOCK, 2 threads on their own caches vs shared ReentrantReadWriteLock",
                hot("rwlock", "HotPathT2"), "BaselinesT2.rrwlReadLock", Double.NaN);
        ratio("(info) SEQCOUNT vs StampedLock optimistic read, 1 thread",
                hot("seqcount", "HotPathT1"), "BaselinesT1.stampedOptimistic", Double.NaN);
        ratio("(info) simulated memory's detector: plain read through KernelMapping vs plain, 1 thread",
                new Ref("BaselinesT1.plainMapped"), "BaselinesT1.plain", Double.NaN);
    }

    private void allocationTargets() {
        if (!results.hasAllocation()) {
            lines.add(new Line("0 B/op on every read path", "gc profiler did not run (add -prof gc)", "-", "N/A"));
            return;
        }
        for (String method : List.of("enterCheckRead", "read")) {
            for (String s : strategies) {
                alloc("0 B/op: " + method + ", " + s + ", guard OFF (max over 1, 2, shared)", method, s, "OFF", true);
            }
        }
        for (String method : List.of("enterCheckRead", "read")) {
            for (String s : strategies) {
                alloc("(info) B/op: " + method + ", " + s + ", guard REPORT", method, s, "REPORT", false);
            }
        }
    }

    private void guardTargets() {
        for (String s : strategies) {
            String raw = switch (s) {
                case "rwlock", "rwlock-try" -> "BaselinesT1.rawRwlock";
                case "srcu" -> "BaselinesT1.rawSrcu";
                case "seqcount" -> "BaselinesT1.rawSeqcount";
                default -> null;
            };
            if (raw == null) {
                lines.add(new Line("guard OFF indistinguishable from no guard: " + s, "no raw replica of this strategy",
                        "-", "N/A"));
                continue;
            }
            ratio(String.format(Locale.ROOT, "guard OFF <= %.2fx the raw protocol (no guard, no layers): %s, 1 thread",
                    GUARD_OFF_LIMIT, s), hot(s, "HotPathT1"), raw, GUARD_OFF_LIMIT);
        }
        for (String s : strategies) {
            ratio("(info) guard REPORT vs guard OFF: " + s + ", 1 thread",
                    new Ref("HotPathT1.enterCheckRead", "strategy=" + s, "guard=REPORT", "invalidateEveryUs=0"),
                    hot(s, "HotPathT1"), Double.NaN);
        }
    }

    private void scalingTargets() {
        for (String s : strategies) {
            ratio("invalidating 1 page: 100000 caches <= 10x 1 cache, " + s,
                    new Ref("InvalidationScaling.migrate", "strategy=" + s, "caches=100000"),
                    new Ref("InvalidationScaling.migrate", "strategy=" + s, "caches=1"), 10);
        }
    }

    // ---- helpers ----

    /** A run: benchmark plus parameters. */
    private record Ref(String benchmark, String... params) {
        String label() {
            return params.length == 0 ? benchmark : benchmark + " " + String.join(",", params);
        }
    }

    private static Ref hot(String strategy, String cls) {
        return new Ref(cls + ".enterCheckRead", "strategy=" + strategy, "guard=OFF", "invalidateEveryUs=0");
    }

    private void ratio(String target, Ref num, String denBenchmark, double limit) {
        ratio(target, num, new Ref(denBenchmark), limit);
    }

    private void ratio(String target, Ref num, Ref den, double limit) {
        OptionalDouble a = results.nanos(num.benchmark(), num.params());
        OptionalDouble b = results.nanos(den.benchmark(), den.params());
        if (a.isEmpty() || b.isEmpty()) {
            lines.add(new Line(target, "not run: " + (a.isEmpty() ? num.label() : den.label()), "-", "N/A"));
            return;
        }
        double r = a.getAsDouble() / b.getAsDouble();
        String verdict = Double.isNaN(limit) ? "info" : r <= limit ? "MET" : "MISSED";
        lines.add(new Line(target, String.format(Locale.ROOT, "%s / %s ns", fmt(a.getAsDouble()), fmt(b.getAsDouble())),
                String.format(Locale.ROOT, "%.2fx", r), verdict));
    }

    /**
     * {@code num} minus what the simulated memory's KASAN-like check costs a read
     * ({@code plainMapped - plain}, which no baseline but plainMapped pays), over {@code den}.
     */
    private void withoutDetector(String target, Ref num, String den) {
        OptionalDouble a = results.nanos(num.benchmark(), num.params());
        OptionalDouble b = results.nanos(den);
        OptionalDouble mapped = results.nanos("BaselinesT1.plainMapped");
        OptionalDouble plain = results.nanos("BaselinesT1.plain");
        if (a.isEmpty() || b.isEmpty() || mapped.isEmpty() || plain.isEmpty()) {
            lines.add(new Line(target, "not run", "-", "N/A"));
            return;
        }
        double detector = Math.max(0, mapped.getAsDouble() - plain.getAsDouble());
        double adjusted = a.getAsDouble() - detector;
        lines.add(new Line(target, String.format(Locale.ROOT, "(%s - %s) / %s ns", fmt(a.getAsDouble()), fmt(detector),
                fmt(b.getAsDouble())), String.format(Locale.ROOT, "%.2fx", adjusted / b.getAsDouble()), "info"));
    }

    private void alloc(String target, String method, String strategy, String guard, boolean judged) {
        double worst = Double.NaN;
        List<String> seen = new ArrayList<>();
        for (String cls : List.of("HotPathT1", "HotPathT2", "HotPathSharedT2")) {
            OptionalDouble b = results.secondary(Results.ALLOC_NORM, cls + "." + method,
                    "strategy=" + strategy, "guard=" + guard, "invalidateEveryUs=0");
            if (b.isPresent()) {
                seen.add(cls);
                worst = Double.isNaN(worst) ? b.getAsDouble() : Math.max(worst, b.getAsDouble());
            }
        }
        if (seen.isEmpty()) {
            lines.add(new Line(target, "not run", "-", "N/A"));
            return;
        }
        String verdict = !judged ? "info" : worst < ZERO_BYTES ? "MET" : "MISSED";
        lines.add(new Line(target, String.format(Locale.ROOT, "%.3f B/op", worst), "-", verdict));
    }

    private static String threads(int t) {
        return t == 1 ? "1 thread" : t + " threads (each on its own cache)";
    }

    static String fmt(double ns) {
        return ns >= 100 ? String.format(Locale.ROOT, "%.0f", ns) : String.format(Locale.ROOT, "%.2f", ns);
    }
}
