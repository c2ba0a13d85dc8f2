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
 * reader needs: the JMH JSON, an SVG chart, and the ratio table against the targets.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar org.pfncache.bench.BenchRunner [quick|full|smoke] [JMH options]
 * </pre>
 * <ul>
 * <li>{@code smoke}: every benchmark once, to prove they run: 1 fork, no warmup, one 100 ms
 *     iteration, fail on error. No profiler, no ratio judgement. Used by the bench module's
 *     {@code verify} phase.</li>
 * <li>{@code quick} (the default): the whole suite in about ten minutes on 2 cores: 1 fork,
 *     2 x 500 ms warmup, 3 x 500 ms measurement, the gc profiler on.</li>
 * <li>{@code full}: 3 forks, 5 x 1 s warmup, 5 x 1 s measurement, the gc profiler on (about
 *     90 minutes on 2 cores).</li>
 * </ul>
 * JMH options after the mode override the mode's defaults (e.g. {@code -f 2}, {@code -prof stack},
 * a benchmark regex such as {@code 'HotPathT1|BaselinesT1'}). Unless {@code -p strategy=...} is
 * given, the {@code strategy} parameter is every strategy {@link InvalidationStrategy#builtIns()}
 * lists, so a new built-in is benchmarked without touching this module.
 *
 * <p>Files: {@code <results>/<yyyyMMdd-HHmmss>-<mode>.json} (JMH JSON), {@code .svg} (chart) and
 * {@code .md} (ratio table); quick and full runs also copy them to {@code latest.json},
 * {@code latest.svg} and {@code latest.md}. {@code <results>} is {@code -Dbench.results=DIR} if
 * set, else {@code bench/results} next to the {@code bench/target} the jar was built in.
 */
public final class BenchRunner {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private BenchRunner() {
    }

    enum RunMode {
        SMOKE(1, 0, TimeValue.milliseconds(100), 1, TimeValue.milliseconds(100), false),
        QUICK(1, 2, TimeValue.milliseconds(500), 3, TimeValue.milliseconds(500), true),
        FULL(3, 5, TimeValue.seconds(1), 5, TimeValue.seconds(1), true);

        final int forks;
        final int warmupIterations;
        final TimeValue warmupTime;
        final int iterations;
        final TimeValue iterationTime;
        final boolean gcProfiler;

        RunMode(int forks, int warmupIterations, TimeValue warmupTime, int iterations, TimeValue iterationTime,
                boolean gcProfiler) {
            this.forks = forks;
            this.warmupIterations = warmupIterations;
            this.warmupTime = warmupTime;
            this.iterations = iterations;
            this.iterationTime = iterationTime;
            this.gcProfiler = gcProfiler;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static void main(String[] args) throws Exception {
        RunMode mode = RunMode.QUICK;
        String[] jmhArgs = args;
        if (args.length > 0 && !args[0].startsWith("-")) {
            for (RunMode m : RunMode.values()) {
                if (m.label().equals(args[0])) {
                    mode = m;
                    jmhArgs = Arrays.copyOfRange(args, 1, args.length);
                }
            }
        }
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(jmhArgs);
        } catch (CommandLineOptionException e) {
            System.err.println("BenchRunner: " + e.getMessage());
            System.err.println("usage: BenchRunner [quick|full|smoke] [JMH options]");
            System.exit(2);
            return;
        }
        if (cmd.shouldHelp() || cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers()
                || cmd.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(jmhArgs);
            return;
        }
        System.exit(run(mode, cmd));
    }

    static int run(RunMode mode, CommandLineOptions cmd) throws IOException, RunnerException {
        Path dir = resultsDir();
        Files.createDirectories(dir);
        String base = LocalDateTime.now().format(STAMP) + "-" + mode.label();
        Path json = dir.resolve(base + ".json");
        List<String> strategies = strategies(cmd);
        String machine = Machine.describe();
        String machineLine = Machine.oneLine();

        ChainedOptionsBuilder b = new OptionsBuilder().parent(cmd);
        if (cmd.getIncludes().isEmpty()) {
            b.include(BenchRunner.class.getPackageName() + "\\..*");
        }
        if (cmd.getForkCount().hasValue() == false) {
            b.forks(mode.forks);
        }
        if (cmd.getWarmupIterations().hasValue() == false) {
            b.warmupIterations(mode.warmupIterations);
        }
        if (cmd.getWarmupTime().hasValue() == false) {
            b.warmupTime(mode.warmupTime);
        }
        if (cmd.getMeasurementIterations().hasValue() == false) {
            b.measurementIterations(mode.iterations);
        }
        if (cmd.getMeasurementTime().hasValue() == false) {
            b.measurementTime(mode.iterationTime);
        }
        if (cmd.shouldFailOnError().hasValue() == false) {
            b.shouldFailOnError(true);
        }
        if (mode == RunMode.SMOKE && !cmd.getJvmArgsPrepend().hasValue()) {
            // C1 only: a smoke run proves the benchmarks run; it saves a quarter of its time on 2 cores.
            b.jvmArgsPrepend("-XX:TieredStopAtLevel=1");
        }
        if (mode.gcProfiler && cmd.getProfilers().isEmpty()) {
            b.addProfiler("gc");
        }
        if (cmd.getParameter("strategy").hasValue() == false) {
            b.param("strategy", strategies.toArray(new String[0]));
        }
        b.resultFormat(ResultFormatType.JSON).result(json.toString());

        System.out.println("BenchRunner " + mode.label() + ": results in " + dir);
        System.out.println(machine);
        long t0 = System.nanoTime();
        Collection<RunResult> runs = new Runner(b.build()).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Results results = new Results(runs);
        System.out.printf(Locale.ROOT, "%n%s: %d benchmark runs in %.0f s; JMH JSON: %s%n",
                mode.label(), results.size(), seconds, json);
        if (results.isEmpty()) {
            System.err.println("BenchRunner: no benchmark ran (check the include pattern)");
            return 1;
        }

        Path svg = dir.resolve(base + ".svg");
        String subtitle = mode.label() + " run " + base + " - " + machineLine;
        Files.writeString(svg, Chart.svg(results, strategies, subtitle), StandardCharsets.UTF_8);
        System.out.println("chart: " + svg);
        if (mode == RunMode.SMOKE) {
            System.out.println("smoke: every selected benchmark ran; no ratios are judged on a smoke run.");
            return 0;
        }

        List<Targets.Line> lines = Targets.evaluate(results, strategies);
        String table = Targets.markdown(lines);
        String report = "# pfncache benchmarks: targets (" + mode.label() + " run)\n\n" + "```\n" + machine
                + "load average at end: " + Machine.loadAverage() + "\n```\n\n" + String.format(Locale.ROOT, "%d benchmark runs in %.0f s. JSON: `%s`, chart: `%s`.%n%n",
                results.size(), seconds, json.getFileName(), svg.getFileName()) + table + "\n"
                + Targets.partsTable(results, strategies) + "\n" + Targets.invalidationTables(results, strategies)
                + "\n" + Targets.invalidatorTable(results, strategies);
        Path md = dir.resolve(base + ".md");
        Files.writeString(md, report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(table);
        System.out.println();
        System.out.print(Targets.partsTable(results, strategies));
        System.out.println();
        System.out.print(Targets.invalidationTables(results, strategies));
        System.out.println();
        System.out.print(Targets.invalidatorTable(results, strategies));
        long met = lines.stream().filter(l -> l.verdict().equals("MET")).count();
        long missed = lines.stream().filter(l -> l.verdict().equals("MISSED")).count();
        System.out.printf(Locale.ROOT, "%ntargets: %d MET, %d MISSED; table: %s%n", met, missed, md);
        for (Path p : List.of(json, svg, md)) {
            String name = p.getFileName().toString();
            Files.copy(p, dir.resolve("latest" + name.substring(name.lastIndexOf('.'))),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        return 0;
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
        try {
            Path p = Paths.get(BenchRunner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path q = p; q != null; q = q.getParent()) {
                if (q.getFileName() != null && q.getFileName().toString().equals("target")) {
                    return q.getParent().resolve("results");
                }
            }
        } catch (URISyntaxException | SecurityException e) {
            // fall through to the working directory
        }
        return Paths.get("bench-results").toAbsolutePath();
    }

    /** The machine a run came from, for the report header (the README quotes it). */
    static final class Machine {
        private Machine() {
        }

        static String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append("cpus (available to the JVM): ").append(Runtime.getRuntime().availableProcessors()).append('\n');
            sb.append("cpu: ").append(cpuModel()).append('\n');
            sb.append("java: ").append(System.getProperty("java.vm.name")).append(' ')
                    .append(System.getProperty("java.runtime.version")).append('\n');
            sb.append("os: ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                    .append(' ').append(System.getProperty("os.arch")).append('\n');
            sb.append("load average at start: ").append(loadAverage()).append('\n');
            return sb.toString();
        }

        static String oneLine() {
            return Runtime.getRuntime().availableProcessors() + " cpus, " + cpuModel() + ", Java "
                    + System.getProperty("java.runtime.version") + ", load average at start " + loadAverage();
        }

        private static String cpuModel() {
            try (Stream<String> lines = Files.lines(Paths.get("/proc/cpuinfo"))) {
                return lines.filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
            } catch (IOException | RuntimeException e) {
                return "unknown";
            }
        }

        /** 1, 5 and 15 minute load averages: other work on the machine skews every figure. */
        static String loadAverage() {
            try {
                String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
                return f[0] + " " + f[1] + " " + f[2];
            } catch (IOException | RuntimeException e) {
                return "unknown";
            }
        }
    }
}
