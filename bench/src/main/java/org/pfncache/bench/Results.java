package org.pfncache.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.ListStatistics;

/**
 * The results of one JMH run, looked up by benchmark ({@code "Class.method"}, the class's simple
 * name) and parameters, with every time converted to nanoseconds per operation.
 */
final class Results {
    /** JMH's gc profiler's normalised allocation, bytes per operation. */
    static final String ALLOC_NORM = "gc.alloc.rate.norm";

    private final List<RunResult> runs;

    Results(Collection<RunResult> runs) {
        this.runs = new ArrayList<>(runs);
    }

    int size() {
        return runs.size();
    }

    boolean isEmpty() {
        return runs.isEmpty();
    }

    /** True if any run carries the gc profiler's allocation figure. */
    boolean hasAllocation() {
        return runs.stream().anyMatch(r -> secondary(r, ALLOC_NORM) != null);
    }

    /** True if any benchmark whose simple name starts with {@code prefix} ran. */
    boolean ran(String prefix) {
        return runs.stream().anyMatch(r -> simpleName(r.getParams()).startsWith(prefix));
    }

    /** The run of {@code benchmark} whose parameters include every {@code key=value} given. */
    RunResult find(String benchmark, String... params) {
        for (RunResult r : runs) {
            if (simpleName(r.getParams()).equals(benchmark) && matches(r.getParams(), params)) {
                return r;
            }
        }
        return null;
    }

    /** Score in ns/op, if that run exists. */
    OptionalDouble nanos(String benchmark, String... params) {
        RunResult r = find(benchmark, params);
        return r == null ? OptionalDouble.empty() : OptionalDouble.of(nanos(r));
    }

    /** A secondary result's score (e.g. {@link #ALLOC_NORM}), if that run has it. */
    OptionalDouble secondary(String label, String benchmark, String... params) {
        RunResult r = find(benchmark, params);
        Result<?> s = r == null ? null : secondary(r, label);
        return s == null ? OptionalDouble.empty() : OptionalDouble.of(s.getScore());
    }

    List<RunResult> all() {
        return runs;
    }

    static double nanos(RunResult r) {
        Result<?> p = r.getPrimaryResult();
        return p.getScore() * nanosPer(p.getScoreUnit());
    }

    /**
     * A figure with its confidence interval, in ns (or B/op for allocation): {@code point} is
     * JMH's score, [{@code lo}, {@code hi}] its interval at {@link #CONFIDENCE} (NaN when there
     * are fewer than two measured iterations), {@code forks} and {@code iterations} how many
     * forks and measured iterations in all went into it, {@code iterationNanos} how long each was.
     */
    record Interval(double point, double lo, double hi, int forks, int iterations, long iterationNanos) {
        boolean hasCi() {
            return !Double.isNaN(lo) && !Double.isNaN(hi) && !Double.isInfinite(lo) && !Double.isInfinite(hi);
        }
    }

    /** The confidence level of every interval: JMH's own default for its score error. */
    static final double CONFIDENCE = 0.999;

    /** The primary score in ns/op with JMH's 99.9% interval (Student's t over every measured iteration of every fork). */
    Interval interval(String benchmark, String... params) {
        RunResult r = find(benchmark, params);
        if (r == null) {
            return null;
        }
        Result<?> p = r.getPrimaryResult();
        double k = nanosPer(p.getScoreUnit());
        double[] ci = p.getStatistics().getConfidenceIntervalAt(CONFIDENCE);
        // A time cannot be negative: a wide interval is cut at 0.
        return new Interval(p.getScore() * k, Math.max(0, ci[0] * k), ci[1] * k, forks(r), iterations(r),
                iterationNanos(r));
    }

    /**
     * A percentile of a SampleTime run in ns, with a 99.9% interval computed from the raw
     * iteration data: the percentile of each measured iteration of each fork, their mean and
     * Student's t interval. (JMH's score error is the mean's, not a percentile's.)
     */
    Interval percentile(double pct, String benchmark, String... params) {
        RunResult r = find(benchmark, params);
        if (r == null) {
            return null;
        }
        ListStatistics perIteration = new ListStatistics();
        double k = nanosPer(r.getPrimaryResult().getScoreUnit());
        for (BenchmarkResult b : r.getBenchmarkResults()) {
            for (IterationResult i : b.getIterationResults()) {
                perIteration.addValue(i.getPrimaryResult().getStatistics().getPercentile(pct) * k);
            }
        }
        double[] ci = perIteration.getN() < 2 ? new double[] {Double.NaN, Double.NaN}
                : perIteration.getConfidenceIntervalAt(CONFIDENCE);
        return new Interval(perIteration.getMean(), Math.max(0, ci[0]), ci[1], forks(r), iterations(r),
                iterationNanos(r));
    }

    /** A secondary result (e.g. {@link #ALLOC_NORM}) with its 99.9% interval, in its own unit. */
    Interval secondaryInterval(String label, String benchmark, String... params) {
        RunResult r = find(benchmark, params);
        Result<?> s = r == null ? null : secondary(r, label);
        if (s == null) {
            return null;
        }
        double[] ci = s.getStatistics().getN() < 2 ? new double[] {Double.NaN, Double.NaN}
                : s.getStatistics().getConfidenceIntervalAt(CONFIDENCE);
        return new Interval(s.getScore(), Math.max(0, ci[0]), ci[1], forks(r), iterations(r), iterationNanos(r));
    }

    static int forks(RunResult r) {
        return r.getBenchmarkResults().size();
    }

    static int iterations(RunResult r) {
        int n = 0;
        for (BenchmarkResult b : r.getBenchmarkResults()) {
            n += b.getIterationResults().size();
        }
        return n;
    }

    static long iterationNanos(RunResult r) {
        return r.getParams().getMeasurement().getTime().convertTo(TimeUnit.NANOSECONDS);
    }

    /** Every distinct JVM the forks ran on: "vm name, jdk version, vm version (path)". */
    java.util.Set<String> jvms() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (RunResult r : runs) {
            BenchmarkParams p = r.getParams();
            out.add(p.getVmName() + " " + p.getVmVersion() + ", JDK " + p.getJdkVersion() + " (" + p.getJvm() + ")");
        }
        return out;
    }

    /** The lowest feature release (17, 21, 25 ...) any fork ran on, or -1 if none ran. */
    int jdkFeature() {
        int min = Integer.MAX_VALUE;
        for (RunResult r : runs) {
            String v = r.getParams().getJdkVersion();
            try {
                String head = v.startsWith("1.") ? v.substring(2) : v;
                int end = 0;
                while (end < head.length() && Character.isDigit(head.charAt(end))) {
                    end++;
                }
                min = Math.min(min, Integer.parseInt(head.substring(0, end)));
            } catch (RuntimeException e) {
                // an unparsable version does not lower the minimum
            }
        }
        return min == Integer.MAX_VALUE ? -1 : min;
    }

    static double errorNanos(RunResult r) {
        Result<?> p = r.getPrimaryResult();
        double e = p.getScoreError();
        return Double.isNaN(e) ? Double.NaN : e * nanosPer(p.getScoreUnit());
    }

    static Result<?> secondary(RunResult r, String label) {
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().equals(label) || e.getKey().endsWith("·" + label) || e.getKey().endsWith(":" + label)) {
                return e.getValue();
            }
        }
        return null;
    }

    /**
     * A secondary result summed over every measured iteration of every fork, and the number of
     * those iterations: {@code {sum, iterations}}, or null if the run does not have it. (JMH's
     * aggregate of an EVENTS counter is a sum over iterations, not a per-iteration figure.)
     */
    static double[] perIteration(RunResult r, String label) {
        double sum = 0;
        int n = 0;
        for (BenchmarkResult b : r.getBenchmarkResults()) {
            for (IterationResult i : b.getIterationResults()) {
                for (Map.Entry<String, Result> e : i.getSecondaryResults().entrySet()) {
                    if (e.getKey().equals(label)) {
                        sum += e.getValue().getScore();
                        n++;
                    }
                }
            }
        }
        return n == 0 ? null : new double[] {sum, n};
    }

    /** "HotPathT1.read" for org.pfncache.bench.HotPathT1.read. */
    static String simpleName(BenchmarkParams p) {
        String b = p.getBenchmark();
        int method = b.lastIndexOf('.');
        int cls = b.lastIndexOf('.', method - 1);
        return b.substring(cls + 1);
    }

    private static boolean matches(BenchmarkParams p, String[] params) {
        for (String kv : params) {
            int eq = kv.indexOf('=');
            String value = p.getParam(kv.substring(0, eq));
            if (!kv.substring(eq + 1).equals(value)) {
                return false;
            }
        }
        return true;
    }

    private static double nanosPer(String unit) {
        String u = unit.substring(0, unit.indexOf('/'));
        TimeUnit tu = switch (u) {
            case "ns" -> TimeUnit.NANOSECONDS;
            case "us" -> TimeUnit.MICROSECONDS;
            case "ms" -> TimeUnit.MILLISECONDS;
            case "s" -> TimeUnit.SECONDS;
            default -> throw new IllegalArgumentException("not a time per operation: " + unit);
        };
        return tu.toNanos(1);
    }
}
