package org.pfncache.bench;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.pfncache.InvalidationStrategy;

/**
 * Runs the benchmarks in-process through JMH's {@link Runner} and turns the run into the files a
 * reader needs: the run's JSON, an SVG chart, and the verdict table against the targets.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar org.pfncache.bench.BenchRunner [quick|full|smoke] [--record] [JMH options]
 * java -cp bench/target/benchmarks.jar org.pfncache.bench.BenchRunner --help
 * </pre>
 * <ul>
 * <li>{@code smoke}: every benchmark once, to prove they run: 1 fork, no warmup, one 100 ms
 *     iteration, C1 only, one value of {@code caches}, {@code detector} and {@code readers}, fail
 *     on error. No profiler, no judgement. Used by the bench module's {@code verify} phase; about
 *     2 minutes on 2 cores.</li>
 * <li>{@code quick} (the default): two passes. The benchmarks that decide a target
 *     ({@link #TARGET_BENCHMARKS}) with 3 forks, 3 x 1 s warmup and 5 x 1 s measurement, then
 *     everything else, for information, with 1 fork, 2 x 500 ms warmup, 3 x 500 ms; the gc profiler
 *     on. A benchmark regex makes it one pass, with the target settings.</li>
 * <li>{@code full}: everything with 3 forks, 5 x 1 s warmup, 5 x 1 s measurement, the gc profiler on.</li>
 * </ul>
 * Any other first word is a usage error (exit 2), as is an unknown option; {@code --help},
 * {@code -h} and {@code help} print the usage and exit 0 without running anything. JMH options
 * after the mode override the passes' settings (e.g. {@code -f 2}, {@code -prof stack}, a
 * benchmark regex such as {@code 'HotPathT1|BaselinesT1'}). Unless {@code -p strategy=...} is
 * given, the {@code strategy} parameter is every strategy {@link InvalidationStrategy#builtIns()}
 * lists, so a new built-in is benchmarked without touching this module. Benchmarks that cannot run
 * here are left out: {@link ArenaBaseline} below JDK 22, {@link HotPathMemoryChecks} when the core
 * has no {@code Vm.Builder.memoryChecks}.
 *
 * <p>Verdicts ({@link Targets}): from 99.9% confidence intervals, never point estimates; every
 * line is INCONCLUSIVE, with the reason, when its figures come from fewer than 3 forks x 5 x 1 s
 * or when the 1-minute load average exceeds 0.5 x CPUs ({@code -Dbench.loadFactor}) at start or
 * at end (the runner waits up to {@code -Dbench.settleSeconds}, 120 s, for the load its own forks
 * left to decay before reading the end).
 *
 * <p>Files: a plain run (mode only) writes {@code <results>/<yyyyMMdd-HHmmss>-<mode>.json} (the
 * run's JSON: command, commit, CPUs, CPU model, the runner's and the forks' JDK, load averages at
 * start and end, passes, verdict policy, and JMH's JSON of every pass under {@code "jmh"}),
 * {@code .svg} (chart) and {@code .md} (verdict table); quick and full runs also copy them to
 * {@code latest.*}. A run with any JMH option writes {@code <results>/run-<stamp>-<mode>.*} and
 * leaves {@code latest.*} alone. {@code <results>} is {@code -Dbench.results=DIR} if set, else
 * {@code bench/results} next to the {@code bench/target} the jar was built in.
 *
 * <p>{@code --record} (plain quick or full runs only) also writes the committed copy
 * {@code docs/results/bench-<mode>.md} and {@code .json} in the repository the jar was built in
 * ({@code -Dbench.record.dir=DIR} to put them elsewhere), headed by the command that made them
 * ({@code -Dbench.command}, which the launcher sets) and the commit.
 */
public final class BenchRunner {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private BenchRunner() {
    }

    enum RunMode {
        SMOKE(false),
        QUICK(true),
        FULL(true);

        final boolean gcProfiler;

        RunMode(boolean gcProfiler) {
            this.gcProfiler = gcProfiler;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String USAGE = """
            usage: ./pfncache bench [quick|full|smoke] [--record] [--jdk PATH] [JMH options]
                   ./pfncache bench --help

            modes (times measured on 2 idle cores):
              quick    the default. Two passes: the benchmarks that decide a target (3 forks,
                       3 x 1 s warmup, 5 x 1 s measurement, -prof gc), then everything else, for
                       information (1 fork, 2 x 500 ms warmup, 3 x 500 ms): about 30 minutes
              smoke    every benchmark once (1 fork, no warmup, one 100 ms iteration, C1 only,
                       -p caches=100 -p detector=true -p readers=1), no judgement: what
                       mvn -B verify runs, about 2 minutes
              full     everything with 3 forks, 5 x 1 s warmup, 5 x 1 s measurement: about 1.5 hours

            verdicts: MET / MISSED / INCONCLUSIVE from 99.9% confidence intervals (JMH's score error;
            percentiles from the per-iteration data): MET when the interval of the ratio lies within the
            target, MISSED when it lies wholly outside, INCONCLUSIVE otherwise, or for every line when the
            figures come from fewer than 3 forks x 5 x 1 s or when the 1-minute load average exceeds
            0.5 x CPUs at start or end. At the end the runner waits up to 120 s for its own forks' load
            to decay. ./pfncache bench -Dbench.loadFactor=F -Dbench.settleSeconds=S ... change both.

            files, in bench/results/ (-Dbench.results=DIR elsewhere):
              <stamp>-<mode>.json/.svg/.md    the run's JSON (machine, JDKs, load averages, passes,
                                              JMH's JSON under "jmh"), chart, verdict table; a plain
                                              quick or full run also copies them to latest.*
              run-<stamp>-<mode>.*            a run with any JMH option (a benchmark regex, -p, -f,
                                              -prof ...): latest.* is left alone

            --record   (plain quick or full run only) also write docs/results/bench-<mode>.md and .json (-jdk<N> added off JDK 17),
                       the committed figures README quotes
            --jdk PATH (launcher) run under the JDK at PATH (else $JAVA_HOME, else java on the PATH);
                       the forks' JDK is recorded in the results

            JMH options after the mode override the mode's (e.g. -f 2, -prof stack, -p strategy=srcu,
            a benchmark regex such as 'HotPathT1|BaselinesT1'; a regex makes quick a single pass with
            the target settings); JMH lists them with java -jar bench/target/benchmarks.jar -h.
            -l lists the benchmarks.
            exit status: 0 after a run, 1 if a benchmark failed or none ran, 2 for a usage error.
            """;

    /** A bad command line: the message and exit status 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** What the command line asked for. */
    record Invocation(RunMode mode, boolean record, String[] jmhArgs) {
        /** A run with any JMH option is not the mode's plain run: it must not replace latest.*. */
        boolean custom() {
            return jmhArgs.length > 0;
        }
    }

    public static void main(String[] args) throws Exception {
        if (wantsHelp(args)) {
            System.out.print(USAGE);
            return;
        }
        Invocation inv;
        CommandLineOptions cmd;
        try {
            inv = parse(args);
            try {
                cmd = new CommandLineOptions(inv.jmhArgs());
            } catch (CommandLineOptionException e) {
                throw new UsageException(e.getMessage());
            }
        } catch (UsageException e) {
            System.err.println("pfncache bench: " + e.getMessage());
            System.err.println("usage: ./pfncache bench [quick|full|smoke] [--record] [JMH options]; --help for more");
            System.exit(2);
            return;
        }
        if (cmd.shouldHelp() || cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers()
                || cmd.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(inv.jmhArgs());
            return;
        }
        System.exit(run(inv, cmd, args));
    }

    /** {@code --help}, {@code -help} or {@code help} as the first word: print the usage, run nothing. */
    static boolean wantsHelp(String[] args) {
        return args.length > 0 && (args[0].equals("--help") || args[0].equals("-help") || args[0].equals("help")
                || args[0].equals("-h"));
    }

    static Invocation parse(String[] args) throws UsageException {
        RunMode mode = RunMode.QUICK;
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        if (!rest.isEmpty() && !rest.get(0).startsWith("-")) {
            String word = rest.remove(0);
            mode = null;
            for (RunMode m : RunMode.values()) {
                if (m.label().equals(word)) {
                    mode = m;
                }
            }
            if (mode == null) {
                throw new UsageException("unknown mode '" + word + "'; the modes are quick, full and smoke"
                        + " (a benchmark regex goes after the mode, e.g. ./pfncache bench quick '" + word + "')");
            }
        }
        boolean record = rest.remove("--record");
        if (rest.contains("--record")) {
            throw new UsageException("--record given twice");
        }
        for (String a : rest) {
            if (a.equals("--help")) {
                throw new UsageException("--help goes alone: ./pfncache bench --help");
            }
        }
        if (record && mode == RunMode.SMOKE) {
            throw new UsageException("--record records a quick or full run; a smoke run measures nothing");
        }
        if (record && !rest.isEmpty()) {
            throw new UsageException("--record records the plain " + mode.label() + " run, so it takes no JMH options"
                    + " (got: " + String.join(" ", rest) + ")");
        }
        return new Invocation(mode, record, rest.toArray(new String[0]));
    }

    /**
     * The benchmarks whose figures decide a target (Targets): in quick mode they run with
     * {@link RunMode#targetForks} forks and 5 x 1 s measurement, everything else (information
     * only) in a short second pass. Regexes as JMH matches them (find on the full name).
     */
    static final List<String> TARGET_BENCHMARKS = List.of(
            "\\.HotPathT1\\.(enterCheckRead|readLong|write)$",
            "\\.BaselinesT1\\.(plain|fencedEpoch)$",
            "\\.HotPathSharedT2\\.enterCheckRead$",
            "\\.BaselinesT2\\.rrwl$",
            "\\.ReaderStall\\.",
            "\\.ActivationScaling\\.",
            "\\.HotPathMemoryChecks\\.",
            "\\.ArenaBaseline\\.");

    /** One JMH run of a mode: which benchmarks, how long, with which extra parameters. */
    record Pass(String name, List<String> includes, List<String> excludes, int forks, int warmupIterations,
            TimeValue warmupTime, int iterations, TimeValue iterationTime, List<String[]> params) {
        String describe() {
            return String.format(Locale.ROOT, "%s: %d fork(s), %d x %s warmup, %d x %s measurement%s", name, forks,
                    warmupIterations, warmupTime, iterations, iterationTime,
                    params.isEmpty() ? "" : ", " + String.join(", ",
                            params.stream().map(p -> "-p " + p[0] + "=" + p[1]).toList()));
        }
    }

    /** The passes of a run: the mode's, narrowed to the user's selection if there is one. */
    static List<Pass> passes(RunMode mode, CommandLineOptions cmd) {
        String all = BenchRunner.class.getPackageName() + "\\.";
        List<String> excludes = new ArrayList<>();
        if (!ArenaBaseline.available()) {
            excludes.add("\\.ArenaBaseline\\.");
        }
        boolean narrowed = !cmd.getIncludes().isEmpty();
        List<String> includes = narrowed ? new ArrayList<>(cmd.getIncludes()) : List.of(all);
        List<Pass> passes = switch (mode) {
            case SMOKE -> List.of(new Pass("smoke", includes, excludes, 1, 0, TimeValue.milliseconds(100), 1,
                    TimeValue.milliseconds(100), List.of(new String[] {"caches", "100"}, new String[] {"detector", "true"},
                    new String[] {"readers", "1"})));
            case FULL -> List.of(new Pass("full", includes, excludes, 3, 5, TimeValue.seconds(1), 5, TimeValue.seconds(1),
                    List.of()));
            case QUICK -> {
                Pass targets = new Pass("targets", narrowed ? includes : TARGET_BENCHMARKS, excludes, 3, 3,
                        TimeValue.seconds(1), 5, TimeValue.seconds(1), List.of());
                if (narrowed) {
                    yield List.of(targets); // a selection runs with the settings that can judge
                }
                List<String> infoExcludes = new ArrayList<>(excludes);
                infoExcludes.addAll(TARGET_BENCHMARKS);
                yield List.of(targets, new Pass("info", List.of(all), infoExcludes, 1, 2, TimeValue.milliseconds(500), 3,
                        TimeValue.milliseconds(500), List.<String[]>of(new String[] {"detector", "true"})));
            }
        };
        // The user's JMH options win over the pass's, and the pass says what actually ran.
        return passes.stream().map(p -> new Pass(p.name(), p.includes(), p.excludes(),
                cmd.getForkCount().orElse(p.forks()), cmd.getWarmupIterations().orElse(p.warmupIterations()),
                cmd.getWarmupTime().orElse(p.warmupTime()), cmd.getMeasurementIterations().orElse(p.iterations()),
                cmd.getMeasurementTime().orElse(p.iterationTime()),
                p.params().stream().filter(kv -> !cmd.getParameter(kv[0]).hasValue()).toList())).toList();
    }

    static int run(Invocation inv, CommandLineOptions cmd, String[] args) throws IOException, RunnerException {
        RunMode mode = inv.mode();
        Path recordDir = null;
        if (inv.record()) {
            recordDir = recordDir();
            if (recordDir == null) {
                System.err.println("pfncache bench: --record: cannot tell which repository this jar was built in;"
                        + " give -Dbench.record.dir=DIR");
                return 2;
            }
        }
        Path dir = resultsDir();
        Files.createDirectories(dir);
        String base = (inv.custom() ? "run-" : "") + LocalDateTime.now().format(STAMP) + "-" + mode.label();
        Path json = dir.resolve(base + ".json");
        List<String> strategies = strategies(cmd);
        String command = command(args);
        Machine.Load loadAtStart = Machine.load();

        List<Pass> passes = passes(mode, cmd);
        System.out.println("BenchRunner " + mode.label() + ": results in " + dir
                + (inv.custom() ? " as " + base + ".* (a run with JMH options: latest.* is left alone)" : ""));
        System.out.print(Machine.describe(loadAtStart));
        for (Pass p : passes) {
            System.out.println("pass " + p.describe());
        }
        long t0 = System.nanoTime();
        List<RunResult> runs = new ArrayList<>();
        List<String> jmhArrays = new ArrayList<>();
        for (Pass pass : passes) {
            Path passJson = dir.resolve(base + "." + pass.name() + ".jmh.json");
            ChainedOptionsBuilder b = new OptionsBuilder().parent(cmd);
            if (cmd.getIncludes().isEmpty()) {
                pass.includes().forEach(b::include);
            }
            pass.excludes().forEach(b::exclude);
            if (!cmd.getForkCount().hasValue()) {
                b.forks(pass.forks());
            }
            if (!cmd.getWarmupIterations().hasValue()) {
                b.warmupIterations(pass.warmupIterations());
            }
            if (!cmd.getWarmupTime().hasValue()) {
                b.warmupTime(pass.warmupTime());
            }
            if (!cmd.getMeasurementIterations().hasValue()) {
                b.measurementIterations(pass.iterations());
            }
            if (!cmd.getMeasurementTime().hasValue()) {
                b.measurementTime(pass.iterationTime());
            }
            if (!cmd.shouldFailOnError().hasValue()) {
                b.shouldFailOnError(true);
            }
            if (mode == RunMode.SMOKE && !cmd.getJvmArgsPrepend().hasValue()) {
                // C1 only: a smoke run proves the benchmarks run; it saves a quarter of its time on 2 cores.
                b.jvmArgsPrepend("-XX:TieredStopAtLevel=1");
            }
            if (mode.gcProfiler && cmd.getProfilers().isEmpty()) {
                b.addProfiler("gc");
            }
            if (!cmd.getParameter("strategy").hasValue()) {
                b.param("strategy", strategies.toArray(new String[0]));
            }
            for (String[] p : pass.params()) {
                if (!cmd.getParameter(p[0]).hasValue()) {
                    b.param(p[0], p[1]);
                }
            }
            b.resultFormat(ResultFormatType.JSON).result(passJson.toString());
            System.out.println("\n=== pass " + pass.describe());
            Collection<RunResult> got;
            try {
                got = new Runner(b.build()).run();
            } catch (RunnerException e) {
                if (e.getMessage() != null && e.getMessage().contains("No matching benchmarks")) {
                    System.out.println("pass " + pass.name() + ": no benchmark of the selection is in it");
                    continue;
                }
                throw e;
            }
            runs.addAll(got);
            if (Files.exists(passJson)) {
                String a = Files.readString(passJson, StandardCharsets.UTF_8).strip();
                if (a.startsWith("[") && a.endsWith("]") && a.length() > 2) {
                    jmhArrays.add(a.substring(1, a.length() - 1).strip());
                }
                Files.delete(passJson);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Machine.Load loadAtFinish = Machine.load();
        Results results = new Results(runs);
        String jmhJson = "[\n" + String.join(",\n", jmhArrays) + "\n]";
        System.out.printf(Locale.ROOT, "%n%s: %d benchmark runs in %.0f s%n", mode.label(), results.size(), seconds);
        if (results.isEmpty()) {
            System.err.println("BenchRunner: no benchmark ran (check the include pattern)");
            return 1;
        }

        Path svg = dir.resolve(base + ".svg");
        String subtitle = mode.label() + " run " + base + " - " + Machine.oneLine(loadAtStart);
        Files.writeString(svg, Chart.svg(results, strategies, subtitle), StandardCharsets.UTF_8);
        if (mode == RunMode.SMOKE) {
            Files.writeString(json, wrapJson(command, passes, loadAtStart, loadAtFinish, loadAtFinish,
                    "a smoke run judges nothing", results,
                    jmhJson), StandardCharsets.UTF_8);
            System.out.println("JSON: " + json + "\nchart: " + svg);
            System.out.println("smoke: every selected benchmark ran; no targets are judged on a smoke run.");
            return 0;
        }

        // Judging: refused on a loaded machine, at start or at end. The 1-minute load average at
        // the end includes this run's own busy threads, so when some line could be judged we
        // wait (up to bench.settleSeconds, 120 by default) for it to fall to the limit.
        double limit = Machine.loadLimit();
        String refusal = null;
        if (loadAtStart.one() > limit) {
            refusal = String.format(Locale.ROOT, "load average %.2f at start > %.2f (%s x %d CPUs)", loadAtStart.one(),
                    limit, Machine.loadFactor(), Runtime.getRuntime().availableProcessors());
        }
        List<Targets.Line> lines = Targets.evaluate(results, strategies, refusal);
        Machine.Load loadAtEnd = loadAtFinish;
        if (refusal == null && Targets.count(lines, "MET") + Targets.count(lines, "MISSED") > 0) {
            loadAtEnd = Machine.settle(limit);
            if (loadAtEnd.one() > limit) {
                refusal = String.format(Locale.ROOT, "load average %.2f at end (%.0f s after the last fork) > %.2f"
                        + " (%s x %d CPUs)", loadAtEnd.one(), loadAtEnd.secondsAfter(), limit, Machine.loadFactor(),
                        Runtime.getRuntime().availableProcessors());
                lines = Targets.evaluate(results, strategies, refusal);
            }
        }
        Files.writeString(json, wrapJson(command, passes, loadAtStart, loadAtFinish, loadAtEnd, refusal, results,
                jmhJson), StandardCharsets.UTF_8);
        String table = Targets.markdown(lines);
        String machine = Machine.describe(loadAtStart) + "load average at the last fork's end: " + loadAtFinish.text()
                + "\nload average at end (judged): " + loadAtEnd.text()
                + (loadAtEnd.secondsAfter() > 0 ? String.format(Locale.ROOT, " (%.0f s later)", loadAtEnd.secondsAfter()) : "")
                + "\nforks ran on: " + String.join("; ", results.jvms()) + "\n";
        StringBuilder passText = new StringBuilder();
        for (Pass p : passes) {
            passText.append("- pass ").append(p.describe()).append('\n');
        }
        String verdicts = "Verdicts: MET when the 99.9% confidence interval of the ratio (or difference) lies within"
                + " the target, MISSED when it lies wholly outside, INCONCLUSIVE otherwise or when the figures come"
                + " from fewer than 3 forks x 5 x 1 s or a loaded machine (load average above "
                + String.format(Locale.ROOT, "%.2f", limit) + " at start or end). A ratio's interval is"
                + " [lo(a)/hi(b), hi(a)/lo(b)], a difference's [lo(a)-hi(b), hi(a)-lo(b)].\n\n"
                + (refusal == null ? "" : "**Not judged: " + refusal + ".**\n\n");
        String extra = Targets.stallTable(results, strategies) + "\n" + Targets.partsTable(results, strategies) + "\n"
                + Targets.invalidationTables(results, strategies);
        String report = "# pfncache benchmarks: targets (" + mode.label() + " run)\n\n" + "```\n" + machine + "```\n\n"
                + passText + "\n" + String.format(Locale.ROOT, "%d benchmark runs in %.0f s. JSON: `%s`, chart: `%s`.%n%n",
                results.size(), seconds, json.getFileName(), svg.getFileName()) + verdicts + table + "\n" + extra;
        Path md = dir.resolve(base + ".md");
        Files.writeString(md, report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(verdicts);
        System.out.print(table);
        System.out.println();
        System.out.print(extra);
        System.out.printf(Locale.ROOT, "%ntargets: %d MET, %d MISSED, %d INCONCLUSIVE, %d N/A; table: %s%n",
                Targets.count(lines, "MET"), Targets.count(lines, "MISSED"), Targets.count(lines, "INCONCLUSIVE"),
                Targets.count(lines, "N/A"), md);
        if (inv.custom()) {
            System.out.println("a run with JMH options (" + String.join(" ", inv.jmhArgs()) + "): its files are "
                    + dir.resolve(base) + ".{json,svg,md}; " + dir.resolve("latest") + ".* is left as it was");
        } else {
            for (Path p : List.of(json, svg, md)) {
                String name = p.getFileName().toString();
                Files.copy(p, dir.resolve("latest" + name.substring(name.lastIndexOf('.'))),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            System.out.println("also copied to " + dir.resolve("latest") + ".{json,svg,md}");
        }
        if (recordDir != null) {
            record(recordDir, mode, command, report, json);
        }
        return 0;
    }

    /**
     * The run's JSON: what made it and on what, the passes, the verdict policy and refusal, then
     * JMH's own JSON of every pass, concatenated, under {@code "jmh"}.
     */
    static String wrapJson(String command, List<Pass> passes, Machine.Load start, Machine.Load finish,
            Machine.Load end, String refusal, Results results, String jmhJson) {
        StringBuilder p = new StringBuilder("[");
        for (int i = 0; i < passes.size(); i++) {
            p.append(i == 0 ? "" : ", ").append(jsonString(passes.get(i).describe()));
        }
        p.append(']');
        StringBuilder jvms = new StringBuilder("[");
        int i = 0;
        for (String j : results.jvms()) {
            jvms.append(i++ == 0 ? "" : ", ").append(jsonString(j));
        }
        jvms.append(']');
        return "{\n"
                + "  \"command\": " + jsonString(command) + ",\n"
                + "  \"commit\": " + jsonString(Machine.commit()) + ",\n"
                + "  \"recorded\": " + jsonString(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).withNano(0)
                        .toString()) + ",\n"
                + "  \"machine\": {\n"
                + "    \"cpus\": " + Runtime.getRuntime().availableProcessors() + ",\n"
                + "    \"cpuModel\": " + jsonString(Machine.cpuModel()) + ",\n"
                + "    \"os\": " + jsonString(Machine.os()) + ",\n"
                + "    \"runnerJdk\": " + jsonString(Machine.jdk()) + ",\n"
                + "    \"forkJvms\": " + jvms + ",\n"
                + "    \"loadAverageAtStart\": " + jsonString(start.text()) + ",\n"
                + "    \"loadAverageAtLastFork\": " + jsonString(finish.text()) + ",\n"
                + "    \"loadAverageAtEnd\": " + jsonString(end.text()) + ",\n"
                + "    \"secondsWaitedForLoadAtEnd\": " + Math.round(end.secondsAfter()) + ",\n"
                + "    \"loadLimit\": " + String.format(Locale.ROOT, "%.2f", Machine.loadLimit()) + "\n"
                + "  },\n"
                + "  \"verdicts\": {\n"
                + "    \"confidence\": " + Results.CONFIDENCE + ",\n"
                + "    \"minForks\": " + Targets.MIN_FORKS + ",\n"
                + "    \"minIterationsPerFork\": " + Targets.MIN_ITERATIONS + ",\n"
                + "    \"minIterationSeconds\": " + Targets.MIN_ITERATION_NANOS / 1_000_000_000L + ",\n"
                + "    \"refusal\": " + (refusal == null ? "null" : jsonString(refusal)) + "\n"
                + "  },\n"
                + "  \"passes\": " + p + ",\n"
                + "  \"jmh\": " + jmhJson + "\n"
                + "}\n";
    }

    /**
     * Writes {@code bench-<mode>.md} and {@code .json} into {@code dir}: the report headed by
     * what made it, and the run's JSON (which already says on what).
     */
    static void record(Path dir, RunMode mode, String command, String report, Path runJson) throws IOException {
        Files.createDirectories(dir);
        // The baseline JDK's run is bench-<mode>; a run on another JDK (the forks run on the
        // runner's) is bench-<mode>-jdk<N>, so that recording it keeps the JDK 17 figures.
        int feature = Runtime.version().feature();
        String stem = "bench-" + mode.label() + (feature == 17 ? "" : "-jdk" + feature);
        String header = "# pfncache benchmarks: " + mode.label() + " run, recorded\n\n"
                + "- command: `" + command + "`\n"
                + "- commit: " + Machine.commit() + "\n"
                + "- recorded: " + java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).withNano(0) + "\n\n"
                + "Written by `--record`; `" + stem + ".json` beside it holds the same run's JSON"
                + " (machine, passes, verdict policy, and JMH's JSON under `\"jmh\"`).\n\n";
        // The report's own title gives way to the header above.
        String body = report.startsWith("# ") ? report.substring(report.indexOf('\n') + 1).stripLeading() : report;
        Path md = dir.resolve(stem + ".md");
        Files.writeString(md, header + body, StandardCharsets.UTF_8);
        Path js = dir.resolve(stem + ".json");
        Files.copy(runJson, js, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("recorded: " + md + " and " + js + " (commit them; README quotes the .md)");
    }

    /** The command that made this run: {@code -Dbench.command} (the launcher's), else the java command. */
    static String command(String[] args) {
        String c = System.getProperty("bench.command");
        if (c != null && !c.isBlank()) {
            return c.strip();
        }
        StringBuilder sb = new StringBuilder("java -cp bench/target/benchmarks.jar ").append(BenchRunner.class.getName());
        for (String a : args) {
            sb.append(' ').append(a);
        }
        return sb.toString();
    }

    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * {@code -Dbench.record.dir}, else {@code docs/results} in the repository whose
     * {@code bench/target} holds this class; null if there is none.
     */
    static Path recordDir() {
        String configured = System.getProperty("bench.record.dir");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath();
        }
        Path bench = moduleDir();
        Path root = bench == null ? null : bench.getParent();
        if (root == null || !Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("bench"))) {
            return null;
        }
        return root.resolve("docs").resolve("results");
    }

    /** The module directory ({@code bench}) whose {@code target} holds this class, or null. */
    private static Path moduleDir() {
        try {
            Path p = Paths.get(BenchRunner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path q = p; q != null; q = q.getParent()) {
                if (q.getFileName() != null && q.getFileName().toString().equals("target")) {
                    return q.getParent();
                }
            }
        } catch (URISyntaxException | SecurityException e) {
            // no module directory
        }
        return null;
    }

    private static List<String> strategies(CommandLineOptions cmd) {
        if (cmd.getParameter("strategy").hasValue()) {
            return new ArrayList<>(cmd.getParameter("strategy").get());
        }
        return InvalidationStrategy.builtIns().stream().map(InvalidationStrategy::name).toList();
    }

    /** {@code -Dbench.results}, else {@code bench/results} beside the {@code target} holding this class. */
    static Path resultsDir() {
        String configured = System.getProperty("bench.results");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath();
        }
        Path bench = moduleDir();
        return bench != null ? bench.resolve("results") : Paths.get("bench-results").toAbsolutePath();
    }

    /** The machine a run came from, for the report header (the README quotes it). */
    static final class Machine {
        private Machine() {
        }

        /** The load averages at one moment; {@code secondsAfter}: how long after the last fork it was read. */
        record Load(double one, double five, double fifteen, double secondsAfter) {
            String text() {
                return Double.isNaN(one) ? "unknown"
                        : String.format(Locale.ROOT, "%.2f %.2f %.2f", one, five, fifteen);
            }
        }

        static String describe(Load start) {
            StringBuilder sb = new StringBuilder();
            sb.append("cpus (available to the JVM): ").append(Runtime.getRuntime().availableProcessors()).append('\n');
            sb.append("cpu: ").append(cpuModel()).append('\n');
            sb.append("runner JDK: ").append(jdk()).append(" at ").append(System.getProperty("java.home")).append('\n');
            sb.append("os: ").append(os()).append('\n');
            // The forks inherit this JVM's options (the launcher's --enable-native-access), so
            // they choose their readers as this JVM did.
            sb.append("SRCU readers and the RWLOCK reader bias (runner JVM; forks choose alike): ")
                    .append(org.pfncache.sync.AsymmetricFence.get().describe()).append('\n');
            sb.append("reader flavour per strategy (InvalidationStrategy.readerFlavour()):");
            for (InvalidationStrategy st : InvalidationStrategy.builtIns()) {
                sb.append(' ').append(st.name()).append('=').append(st.readerFlavour().map(Enum::name).orElse("unsaid"));
            }
            sb.append('\n');
            sb.append("load average (1, 5, 15 min) at start: ").append(start.text())
                    .append(String.format(Locale.ROOT, "; judging needs <= %.2f at start and end%n", loadLimit()));
            return sb.toString();
        }

        static String oneLine(Load start) {
            return Runtime.getRuntime().availableProcessors() + " cpus, " + cpuModel() + ", Java "
                    + System.getProperty("java.runtime.version") + ", load average at start " + start.text();
        }

        static double loadFactor() {
            try {
                return Double.parseDouble(System.getProperty("bench.loadFactor", "0.5"));
            } catch (NumberFormatException e) {
                return 0.5;
            }
        }

        /** The highest 1-minute load average at which a run may judge: loadFactor x CPUs. */
        static double loadLimit() {
            return loadFactor() * Runtime.getRuntime().availableProcessors();
        }

        static Load load() {
            try {
                String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
                return new Load(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]), 0);
            } catch (IOException | RuntimeException e) {
                return new Load(Double.NaN, Double.NaN, Double.NaN, 0);
            }
        }

        /**
         * Waits, up to {@code -Dbench.settleSeconds} (120), for the 1-minute load average to fall
         * to {@code limit}: at the last fork's end it still counts this run's own busy threads
         * (on an idle 2-CPU machine it decays from 2 to 1 in about 42 s). Returns the last reading.
         */
        static Load settle(double limit) {
            long budget;
            try {
                budget = Long.parseLong(System.getProperty("bench.settleSeconds", "120"));
            } catch (NumberFormatException e) {
                budget = 120;
            }
            long t0 = System.nanoTime();
            Load l = load();
            if (!(l.one() > limit)) {
                return l;
            }
            System.out.printf(Locale.ROOT, "load average %.2f > %.2f: waiting up to %d s for this run's own load to"
                    + " decay before judging%n", l.one(), limit, budget);
            while (l.one() > limit && System.nanoTime() - t0 < budget * 1_000_000_000L) {
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                l = load();
            }
            return new Load(l.one(), l.five(), l.fifteen(), (System.nanoTime() - t0) / 1e9);
        }

        static String jdk() {
            return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                    + System.getProperty("java.vendor") + ")";
        }

        static String os() {
            return System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch");
        }

        /** The checked-out commit of the working directory's repository (with "+ changes" if dirty), or "unknown". */
        static String commit() {
            try {
                String head = git("rev-parse", "--short=12", "HEAD");
                if (head.isEmpty()) {
                    return "unknown";
                }
                String dirty = git("status", "--porcelain", "--untracked-files=no");
                return dirty.isEmpty() ? head : head + " + uncommitted changes";
            } catch (IOException | RuntimeException e) {
                return "unknown";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        }

        private static String git(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>();
            cmd.add("git");
            cmd.addAll(Arrays.asList(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? out : "";
        }

        static String cpuModel() {
            try (Stream<String> lines = Files.lines(Paths.get("/proc/cpuinfo"))) {
                return lines.filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
            } catch (IOException | RuntimeException e) {
                return "unknown";
            }
        }

    }
}
