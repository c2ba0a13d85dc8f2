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
 * java -cp bench/target/benchmarks.jar org.pfncache.bench.BenchRunner [quick|full|smoke] [--record] [JMH options]
 * java -cp bench/target/benchmarks.jar org.pfncache.bench.BenchRunner --help
 * </pre>
 * <ul>
 * <li>{@code smoke}: every benchmark once, to prove they run: 1 fork, no warmup, one 100 ms
 *     iteration, fail on error. No profiler, no ratio judgement. Used by the bench module's
 *     {@code verify} phase.</li>
 * <li>{@code quick} (the default): the whole suite in about 11 minutes on 2 cores: 1 fork,
 *     2 x 500 ms warmup, 3 x 500 ms measurement, the gc profiler on.</li>
 * <li>{@code full}: 3 forks, 5 x 1 s warmup, 5 x 1 s measurement, the gc profiler on (about
 *     90 minutes on 2 cores).</li>
 * </ul>
 * Any other first word is a usage error (exit 2), as is an unknown option; {@code --help},
 * {@code -h} and {@code help} print the usage and exit 0 without running anything. JMH options
 * after the mode override the mode's defaults (e.g. {@code -f 2}, {@code -prof stack}, a benchmark
 * regex such as {@code 'HotPathT1|BaselinesT1'}). Unless {@code -p strategy=...} is given, the
 * {@code strategy} parameter is every strategy {@link InvalidationStrategy#builtIns()} lists, so a
 * new built-in is benchmarked without touching this module.
 *
 * <p>Files: a plain run (mode only) writes {@code <results>/<yyyyMMdd-HHmmss>-<mode>.json} (JMH
 * JSON), {@code .svg} (chart) and {@code .md} (ratio table); quick and full runs also copy them to
 * {@code latest.json}, {@code latest.svg} and {@code latest.md}. A run with any JMH option (a
 * narrowed selection, {@code -p}, other forks or profilers) is not the suite's figure: it writes
 * {@code <results>/run-<yyyyMMdd-HHmmss>-<mode>.*} and leaves {@code latest.*} alone.
 * {@code <results>} is {@code -Dbench.results=DIR} if set, else {@code bench/results} next to the
 * {@code bench/target} the jar was built in.
 *
 * <p>{@code --record} (plain quick or full runs only) also writes the committed copy
 * {@code docs/results/bench-<mode>.md} and {@code .json} in the repository the jar was built in
 * ({@code -Dbench.record.dir=DIR} to put them elsewhere), headed by the command that made them
 * ({@code -Dbench.command}, which the launcher sets), the commit, the JDK, the CPU model and count
 * and the load averages. The JSON is {@code {"command", "recorded", "commit", "machine", "jmh"}}
 * with JMH's own JSON array under {@code "jmh"}.
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

    static final String USAGE = """
            usage: ./pfncache bench [quick|full|smoke] [--record] [JMH options]
                   ./pfncache bench --help

            modes (measured on 2 cores):
              quick    every benchmark, short (1 fork, 2 x 500 ms warmup, 3 x 500 ms): about 11 minutes;
                       the default
              smoke    every benchmark once, no judgement (what mvn -B verify runs)
              full     3 forks, 5 x 1 s warmup, 5 x 1 s measurement: about 90 minutes

            files, in bench/results/ (-Dbench.results=DIR elsewhere):
              <stamp>-<mode>.json/.svg/.md    JMH JSON, chart, ratio table; a plain quick or full run
                                              also copies them to latest.json/.svg/.md
              run-<stamp>-<mode>.*            a run with any JMH option (a benchmark regex, -p, -f,
                                              -prof ...): latest.* is left alone

            --record   (plain quick or full run only) also write docs/results/bench-<mode>.md and .json,
                       the committed figures README quotes, headed by this command, the commit, the
                       JDK, the CPU and the load average

            JMH options after the mode override the mode's (e.g. -f 2, -prof stack, -p strategy=srcu,
            a benchmark regex such as 'HotPathT1|BaselinesT1'); JMH lists them with
            java -jar bench/target/benchmarks.jar -h. -l lists the benchmarks.
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
        String machine = Machine.describe();
        String machineLine = Machine.oneLine();
        String loadAtStart = Machine.loadAverage();
        String command = command(args);

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

        System.out.println("BenchRunner " + mode.label() + ": results in " + dir
                + (inv.custom() ? " as " + base + ".* (a run with JMH options: latest.* is left alone)" : ""));
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
            record(recordDir, mode, command, machine, loadAtStart, report, json);
        }
        return 0;
    }

    /**
     * Writes {@code bench-<mode>.md} and {@code .json} into {@code dir}: the report and JMH's JSON,
     * headed by what made them (command, commit, date) and on what (JDK, CPU, load averages).
     */
    static void record(Path dir, RunMode mode, String command, String machine, String loadAtStart, String report,
            Path jmhJson) throws IOException {
        Files.createDirectories(dir);
        String recorded = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).withNano(0).toString();
        String commit = Machine.commit();
        String loadAtEnd = Machine.loadAverage();
        String header = "# pfncache benchmarks: " + mode.label() + " run, recorded\n\n"
                + "- command: `" + command + "`\n"
                + "- commit: " + commit + "\n"
                + "- recorded: " + recorded + "\n"
                + "- JDK: " + Machine.jdk() + "\n"
                + "- CPU: " + Machine.cpuModel() + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs available to the JVM\n"
                + "- load average (1, 5, 15 min): " + loadAtStart + " at start, " + loadAtEnd + " at end\n\n"
                + "Written by `--record`; `bench-" + mode.label() + ".json` beside it holds the same run's JMH JSON"
                + " (under `\"jmh\"`).\n\n";
        // The report's own title gives way to the header above.
        String body = report.startsWith("# ") ? report.substring(report.indexOf('\n') + 1).stripLeading() : report;
        Path md = dir.resolve("bench-" + mode.label() + ".md");
        Files.writeString(md, header + body, StandardCharsets.UTF_8);
        String jmh = Files.readString(jmhJson, StandardCharsets.UTF_8).strip();
        String json = "{\n"
                + "  \"command\": " + jsonString(command) + ",\n"
                + "  \"commit\": " + jsonString(commit) + ",\n"
                + "  \"recorded\": " + jsonString(recorded) + ",\n"
                + "  \"machine\": {\n"
                + "    \"jdk\": " + jsonString(Machine.jdk()) + ",\n"
                + "    \"cpuModel\": " + jsonString(Machine.cpuModel()) + ",\n"
                + "    \"cpus\": " + Runtime.getRuntime().availableProcessors() + ",\n"
                + "    \"os\": " + jsonString(Machine.os()) + ",\n"
                + "    \"loadAverageAtStart\": " + jsonString(loadAtStart) + ",\n"
                + "    \"loadAverageAtEnd\": " + jsonString(loadAtEnd) + "\n"
                + "  },\n"
                + "  \"jmh\": " + jmh + "\n"
                + "}\n";
        Path js = dir.resolve("bench-" + mode.label() + ".json");
        Files.writeString(js, json, StandardCharsets.UTF_8);
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
