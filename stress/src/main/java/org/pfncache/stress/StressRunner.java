package org.pfncache.stress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.infra.TestInfo;
import org.openjdk.jcstress.infra.runners.TestList;
import org.pfncache.stress.negative.NegativeControl;

/**
 * Runs the jcstress suite in one of three modes and judges the run: every correctness test must
 * pass and every negative control the mode expects to be caught must be caught.
 *
 * <pre>
 * java -cp stress/target/jcstress.jar org.pfncache.stress.StressRunner [quick|full|ci] [jcstress options]
 * </pre>
 *
 * <p><b>How.</b> The runner selects the tests itself (from jcstress's own test list, the mode's
 * subset and any {@code -t} the user gave, with jcstress's find() semantics) and passes jcstress
 * an exact {@code -t ^(name|...)$}, so it knows which results to expect: a selected test with no
 * result (never run) is a failure, and so is an empty selection. A test with more actors than the
 * machine has CPUs (jcstress would skip it silently) is left out of the run and reported as
 * "needs N CPUs". jcstress runs as a subprocess ({@code java -jar} of this same jar) with
 * {@code -v}, its working directory and report ({@code -r}) in {@code stress/results/<mode>/}
 * (where it drops its {@code jcstress-results-*.bin.gz}; older ones are deleted first). Its whole
 * output is saved to {@code jcstress-output.txt} there and streamed in short ({@link Echo}); the
 * verdicts are parsed from its "RUN RESULTS" section: one status line per test ({@code [OK]},
 * {@code [FAILED]}, {@code [ERROR]}, ...), then the outcome rows (id, samples, expectation).
 * Nested tests are named {@code Outer.Inner} by jcstress; their classes are found through
 * jcstress's binary name.
 *
 * <p><b>Verdicts.</b> A correctness test PASSED on {@code [OK]} and FAILED otherwise; a passed
 * test with a {@link Witness} whose outcomes were never observed is NO WINDOW ("window not
 * reached": the race it guards was not hit, so passing proves little). A negative control (class
 * name ending in {@code _Broken}) is CAUGHT only when one of its own FORBIDDEN outcomes
 * ({@link NegativeControl#outcome()}) has samples; a control that failed otherwise, errored or
 * timed out proves nothing about its bug. One with a Lincheck twin
 * ({@link NegativeControl#lincheckTwin()}) is allowed not to be caught, since the twin catches it
 * on every run of core's tests; in ci mode only controls marked {@link NegativeControl#ci()} run.
 * A missed window and a test that needs more CPUs fail a full run and are warnings in quick and
 * ci runs, whose iterations are short. Exit status: 0 when every verdict holds, 1 otherwise, 2 on
 * a usage error; {@code -h}/{@code --help} prints the usage and exits 0 without running anything.
 *
 * <p><b>Modes</b>, measured on 2 cores: quick, the whole suite with {@link #SHORT_OPTIONS} and two
 * forks; ci, the same with one fork and without the controls that have Lincheck twins or are not
 * marked for ci; full, jcstress's default mode (every auto-detected JVM configuration, 5
 * iterations of 1 s each), hours. The README's jcstress section has the measured times. Options
 * given after the mode override the mode's (same option name), except {@code -t}, which narrows
 * the mode's selection, and {@code -v}, which is always on. On a bigger machine, jcstress runs
 * several tests at once (each needs 2 CPUs), so the wall time shrinks with the core count.
 */
public final class StressRunner {
    /**
     * Options of the quick and ci modes. One JVM configuration ({@code -jvmArgs} turns off
     * jcstress's flag auto-detection; it still runs it with and without biased locking) with the
     * parallel collector (every state allocates a whole Vm), unified compilation, and a stride of
     * one state: each state starts with its two actors released together, which the heavy states
     * (actors of very different lengths) need to overlap at all; on the drain test it raises the
     * use-after-invalidate rate of SEQCOUNT about fifteen-fold over the default stride of 256. Native
 * access is granted so that, in a jar built on JDK 22+, Srcu's readers may use membarrier(2)
 * (JDK 17 accepts the option and ignores it for this code). Two
     * forks per configuration: the SRCU fence control shows its reordering in a fork only once C2
     * has compiled it the right way, and a single fork occasionally has none.
     */
    static final List<String> SHORT_OPTIONS = List.of(
            "-m", "quick", "-jvmArgs", "-XX:+UseParallelGC --enable-native-access=ALL-UNNAMED", "-sc", "false", "-strideSize", "1", "-f", "2");
    /**
     * The ci mode's options: {@link #SHORT_OPTIONS} with one fork per configuration, which halves
     * the time (most of it is JVM start-up and warm-up per fork) to keep {@code mvn -B verify}'s
     * jcstress run within its budget. Every configuration still runs once with and once without
     * biased locking, so each test gets two JVMs.
     */
    static final List<String> CI_OPTIONS = List.of(
            "-m", "quick", "-jvmArgs", "-XX:+UseParallelGC --enable-native-access=ALL-UNNAMED", "-sc", "false", "-strideSize", "1", "-f", "1");
    /** jcstress's default mode, nothing else. */
    static final List<String> FULL_OPTIONS = List.of("-m", "default");

    private static final String CONTROL_SUFFIX = "_Broken";
    private static final Pattern STATUS = Pattern.compile(
            "^\\s*\\.*\\s*\\[(OK|FAILED|ERROR|SKIPPED|TIMEOUT|VM ERROR)]\\s+(\\S+)\\s*$");
    private static final Pattern ROW = Pattern.compile(
            "^\\s*(.*?)\\s+([0-9][0-9,]*)\\s+(<?[0-9.]+%)\\s+(Acceptable|Forbidden|Interesting|Unknown)\\b.*$");
    /** jcstress options that take a value (required or optional); the others are flags. */
    private static final Set<String> VALUED = Set.of("r", "p", "t", "strideSize", "strideCount", "time", "iters",
            "c", "hs", "spinStyle", "m", "jvmArgs", "jvmArgsPrepend", "f", "fsm", "sc", "af", "pth", "l");

    private StressRunner() {
    }

    enum Mode {
        QUICK(SHORT_OPTIONS),
        CI(CI_OPTIONS),
        FULL(FULL_OPTIONS);

        final List<String> options;

        Mode(List<String> options) {
            this.options = options;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What one test's run showed: jcstress's status, the samples of its FORBIDDEN/INTERESTING
     * outcomes, and every outcome row (id → samples, and the ids jcstress graded FORBIDDEN).
     */
    record Result(String status, long forbidden, long interesting, Map<String, Long> samples, Set<String> forbiddenIds) {
        /** Samples of the rows whose id matches one of {@code ids} (whole-id regexes); only FORBIDDEN rows if asked. */
        long observed(String[] ids, boolean forbiddenOnly) {
            long n = 0;
            for (Map.Entry<String, Long> e : samples.entrySet()) {
                if (forbiddenOnly && !forbiddenIds.contains(e.getKey())) {
                    continue;
                }
                for (String id : ids) {
                    if (e.getKey().equals(id) || Pattern.compile(id).matcher(e.getKey()).matches()) {
                        n += e.getValue();
                        break;
                    }
                }
            }
            return n;
        }
    }

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: java -cp stress/target/jcstress.jar " + StressRunner.class.getName() + " [quick|ci|full] [jcstress options]",
            "       ./pfncache stress [quick|ci|full] [jcstress options]",
            "",
            "Runs the pfncache jcstress suite and judges it: every test must pass, every negative control",
            "(class name ending in _Broken) must show its own FORBIDDEN outcome, every test's window",
            "witness (@Witness) must be observed, and no selected test may need more CPUs than there are.",
            "",
            "modes:",
            "  quick  the whole suite, short iterations (the default); missed witnesses and tests that",
            "         need more CPUs are warnings",
            "  ci     what mvn -B verify runs: quick without the controls that have a Lincheck twin",
            "  full   jcstress's default mode (hours); missed witnesses and CPU shortfalls fail the run",
            "",
            "options: any jcstress option overrides the mode's; -t REGEX narrows the mode's selection",
            "         (find() over test names, as jcstress's -t); -v is always on.",
            "  -h, --help  print this and exit",
            "",
            "The report and jcstress's output go to stress/results/<mode>/.");

    public static void main(String[] args) {
        int status;
        try {
            status = run(args);
        } catch (UsageException e) {
            System.err.println("StressRunner: " + e.getMessage());
            System.err.println(USAGE);
            status = 2;
        }
        System.exit(status);
    }

    static int run(String[] args) {
        if (List.of(args).contains("-h") || List.of(args).contains("--help") || List.of(args).contains("help")) {
            System.out.println(USAGE);
            return 0;
        }
        Mode mode = Mode.QUICK;
        List<String> extra = new ArrayList<>(List.of(args));
        if (!extra.isEmpty() && !extra.get(0).startsWith("-")) {
            String m = extra.remove(0);
            try {
                mode = Mode.valueOf(m.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UsageException("unknown mode '" + m + "'; the modes are quick, full and ci");
            }
        }
        Map<String, String> options = new LinkedHashMap<>();
        parseOptions(mode.options, options);
        Map<String, String> user = new LinkedHashMap<>();
        parseOptions(extra, user);
        String userFilter = user.remove("t");
        if (user.containsKey("l") || user.containsKey("p") || user.containsKey("h")) {
            throw new UsageException("-l, -p and -h are not runs; use java -jar jcstress.jar for them");
        }
        options.putAll(user);

        Path jar = ownJar();
        Path resultsRoot = System.getProperty("pfncache.stress.results") != null
                ? Paths.get(System.getProperty("pfncache.stress.results"))
                : jar.toAbsolutePath().getParent().getParent().resolve("results");
        Path results = options.containsKey("r") ? Paths.get(options.get("r")) : resultsRoot.resolve(mode.label());
        options.put("r", results.toAbsolutePath().toString());
        options.put("v", null);

        int cpus = options.containsKey("c") && options.get("c") != null
                ? Integer.parseInt(options.get("c")) : Runtime.getRuntime().availableProcessors();
        List<String> all = select(mode, userFilter);
        // jcstress skips a test with more actors than CPUs; say so instead of letting it vanish.
        Map<String, Integer> tooBig = new TreeMap<>();
        List<String> selected = new ArrayList<>();
        for (String name : all) {
            int threads = TestList.getInfo(name).threads();
            if (threads > cpus) {
                tooBig.put(name, threads);
            } else {
                selected.add(name);
            }
        }
        if (selected.isEmpty() && !tooBig.isEmpty()) {
            System.out.println("StressRunner: every selected test needs more than " + cpus + " CPUs: " + tooBig);
            return mode == Mode.FULL ? 1 : 0;
        }
        if (selected.isEmpty()) {
            System.out.println("StressRunner: no test matches" + (userFilter == null ? "" : " -t " + userFilter)
                    + " in mode " + mode.label() + ": nothing ran.");
            return 1;
        }
        options.put("t", "^(" + selected.stream().map(Pattern::quote).collect(Collectors.joining("|")) + ")$");

        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar.toString());
        options.forEach((k, v) -> {
            command.add("-" + k);
            if (v != null) {
                command.add(v);
            }
        });

        System.out.println("StressRunner: mode " + mode.label() + ", " + selected.size() + " tests, report in " + results
                + (tooBig.isEmpty() ? "" : " (" + tooBig.size() + " more need more than " + cpus + " CPUs)"));
        long start = System.nanoTime();
        RunOutput out = runJcstress(command, results);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        return judge(mode, selected, tooBig, cpus, out, took, results);
    }

    // ---- selection ----

    /** The mode's tests that match {@code userFilter} (find(), as jcstress's -t), sorted. */
    static List<String> select(Mode mode, String userFilter) {
        Pattern filter = userFilter == null ? null : Pattern.compile(userFilter);
        List<String> out = new ArrayList<>();
        for (String name : TestList.tests()) {
            if (filter != null && !filter.matcher(name).find()) {
                continue;
            }
            if (mode == Mode.CI && isControl(name) && !control(name).ci()) {
                continue;
            }
            out.add(name);
        }
        out.sort(null);
        return out;
    }

    static boolean isControl(String test) {
        return test.endsWith(CONTROL_SUFFIX);
    }

    /** The control's annotation; every {@code _Broken} class must carry one. */
    static NegativeControl control(String test) {
        NegativeControl c = testClass(test).getAnnotation(NegativeControl.class);
        if (c == null) {
            throw new IllegalStateException("negative control " + test + " has no @NegativeControl: say what is"
                    + " broken, which FORBIDDEN outcome is the bug, and who must catch it");
        }
        return c;
    }

    /** The test's window witness: on its class, else on the class its {@code @JCStressMeta} names; null if none. */
    static Witness witness(String test) {
        Class<?> c = testClass(test);
        Witness w = c.getAnnotation(Witness.class);
        if (w == null && c.getAnnotation(JCStressMeta.class) != null) {
            w = c.getAnnotation(JCStressMeta.class).value().getAnnotation(Witness.class);
        }
        return w;
    }

    /** The class of a test: jcstress names a nested test Outer.Inner, the class loader wants Outer$Inner. */
    private static Class<?> testClass(String test) {
        TestInfo info = TestList.getInfo(test);
        String binary = info == null ? test : info.binaryName();
        try {
            return Class.forName(binary, false, StressRunner.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("test " + test + " is in jcstress's list but not on the class path", e);
        }
    }

    // ---- running ----

    record RunOutput(int exitCode, List<String> lines) {
    }

    private static RunOutput runJcstress(List<String> command, Path results) {
        try {
            Files.createDirectories(results);
            try (DirectoryStream<Path> old = Files.newDirectoryStream(results, "jcstress-results-*.bin.gz")) {
                for (Path p : old) {
                    Files.delete(p);
                }
            }
            ProcessBuilder pb = new ProcessBuilder(command).directory(results.toFile()).redirectErrorStream(true);
            Process p = pb.start();
            // Interrupted (Ctrl-C, a CI timeout): take jcstress and the test VMs it forked down with us.
            Thread killer = new Thread(() -> {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }, "stress-runner-shutdown");
            Runtime.getRuntime().addShutdownHook(killer);
            List<String> lines = new ArrayList<>();
            Echo echo = new Echo();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter log = new PrintWriter(Files.newBufferedWriter(results.resolve("jcstress-output.txt")))) {
                String line;
                while ((line = in.readLine()) != null) {
                    echo.accept(line);
                    log.println(line);
                    lines.add(line);
                }
            }
            int code = p.waitFor();
            Runtime.getRuntime().removeShutdownHook(killer);
            return new RunOutput(code, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("running jcstress: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while jcstress ran", e);
        }
    }

    /**
     * What of jcstress's -v output reaches the console (all of it goes to jcstress-output.txt): the
     * banner and configuration, one status line per fork, every line of a fork or final result that
     * is not OK (its outcome rows), and the progress counts; not the outcome tables of OK results,
     * nor the closing list of failures, which the summary replaces.
     */
    static final class Echo {
        private boolean started;
        private boolean verbose = true;
        private boolean done;

        void accept(String line) {
            if (done) {
                return;
            }
            if (line.startsWith("  HTML report generated at")) {
                System.out.println(line);
                done = true;
                return;
            }
            Matcher s = STATUS.matcher(line);
            if (s.matches()) {
                started = true;
                verbose = !s.group(1).equals("OK");
                System.out.println(line);
            } else if (!started || line.startsWith("(Results:") || line.startsWith("RUN RESULTS:")
                    || line.contains("No matching tests")) {
                System.out.println(line);
            } else if (verbose && !line.startsWith("(")) {
                System.out.println(line);
            }
        }
    }

    // ---- parsing and judging ----

    /** Test name → result, from the "RUN RESULTS:" section of jcstress's -v output. */
    static Map<String, Result> parse(List<String> lines) {
        Map<String, Result> results = new TreeMap<>();
        boolean inResults = false;
        String test = null;
        String status = null;
        long forbidden = 0;
        long interesting = 0;
        Map<String, Long> samples = new LinkedHashMap<>();
        Set<String> forbiddenIds = new java.util.HashSet<>();
        for (String line : lines) {
            if (line.startsWith("RUN RESULTS:")) {
                inResults = true;
                continue;
            }
            if (!inResults) {
                continue;
            }
            Matcher s = STATUS.matcher(line);
            if (s.matches()) {
                if (test != null) {
                    results.put(test, new Result(status, forbidden, interesting, samples, forbiddenIds));
                }
                status = s.group(1);
                test = s.group(2);
                forbidden = 0;
                interesting = 0;
                samples = new LinkedHashMap<>();
                forbiddenIds = new java.util.HashSet<>();
                continue;
            }
            Matcher r = ROW.matcher(line);
            if (test != null && r.matches()) {
                long n = Long.parseLong(r.group(2).replace(",", ""));
                String id = r.group(1);
                samples.merge(id, n, Long::sum);
                if (r.group(4).equals("Forbidden")) {
                    forbidden += n;
                    forbiddenIds.add(id);
                } else if (r.group(4).equals("Interesting")) {
                    interesting += n;
                }
            }
        }
        if (test != null) {
            results.put(test, new Result(status, forbidden, interesting, samples, forbiddenIds));
        }
        return results;
    }

    private static int judge(Mode mode, List<String> selected, Map<String, Integer> tooBig, int cpus, RunOutput out,
                             Duration took, Path results) {
        Map<String, Result> byTest = parse(out.lines());
        boolean noMatch = out.lines().stream().anyMatch(l -> l.contains("No matching tests"));
        List<String> tests = new ArrayList<>();
        List<String> controls = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        // Full mode runs long enough that a missed window or a missing CPU is a failure; quick and
        // ci runs are short, so there they are warnings.
        List<String> strictOrWarn = mode == Mode.FULL ? problems : warnings;
        for (String name : selected) {
            Result r = byTest.get(name);
            if (!isControl(name)) {
                String verdict;
                if (r == null || r.status().equals("SKIPPED")) {
                    verdict = "NOT RUN";
                } else if (r.status().equals("OK")) {
                    verdict = "PASSED";
                } else {
                    verdict = "FAILED";
                }
                if (!verdict.equals("PASSED")) {
                    problems.add(name + ": " + verdict);
                }
                String note = r == null ? "" : r.status().equals("FAILED")
                        ? "  (" + r.forbidden() + " forbidden samples)"
                        : r.status().equals("OK") ? (r.interesting() > 0 ? "  (" + r.interesting() + " interesting samples)" : "")
                        : "  (" + r.status() + ")";
                Witness w = witness(name);
                if (w != null && verdict.equals("PASSED")) {
                    long seen = r.observed(w.value(), false);
                    if (seen == 0) {
                        verdict = "NO WINDOW";
                        note += "  (window not reached: no sample of " + String.join(" | ", w.value()) + ", " + w.what() + ")";
                        strictOrWarn.add(name + ": window not reached (" + w.what() + ")");
                    } else {
                        note += "  (window: " + seen + " samples)";
                    }
                }
                tests.add(String.format("  %-11s %s%s", verdict, name, note));
            } else {
                NegativeControl c = control(name);
                boolean twin = !c.lincheckTwin().isEmpty();
                String own = String.join(" | ", c.outcome());
                String verdict;
                String note;
                long caught = r == null ? 0 : r.observed(c.outcome(), true);
                if (r == null || r.status().equals("SKIPPED")) {
                    verdict = "NOT RUN";
                    note = "";
                    problems.add(name + ": control not run");
                } else if (caught > 0) {
                    verdict = "CAUGHT";
                    note = "  (" + caught + " samples of " + own + ")";
                } else if (r.status().equals("OK") || r.status().equals("FAILED")) {
                    verdict = "NOT CAUGHT";
                    String other = r.status().equals("FAILED") ? "failed, but not on its own outcome " + own + "; " : "";
                    if (twin) {
                        note = "  (" + other + "allowed: caught every run by the Lincheck twin " + c.lincheckTwin() + ")";
                    } else {
                        note = "  (" + other + "jcstress must catch it on " + own + ")";
                        problems.add(name + ": control not caught on " + own);
                    }
                } else {
                    verdict = "ERROR";
                    note = "  (" + r.status() + ": a control that errors proves nothing)";
                    problems.add(name + ": control " + r.status());
                }
                controls.add(String.format("  %-11s %s%s%n              %s", verdict, name, note, c.value()));
            }
        }
        tooBig.forEach((name, threads) -> {
            tests.add(String.format("  %-11s %s  (needs %d CPUs, this machine has %d)", "NOT RUN", name, threads, cpus));
            strictOrWarn.add(name + ": needs " + threads + " CPUs, has " + cpus);
        });
        if (noMatch || byTest.isEmpty()) {
            problems.add(0, "jcstress ran no test" + (noMatch ? " (\"No matching tests\")" : " (no RUN RESULTS section)"));
        } else if (out.exitCode() != 0 && byTest.values().stream().allMatch(r -> r.status().equals("OK"))) {
            problems.add("jcstress exited with " + out.exitCode() + " and no failed test explains it");
        }

        System.out.println();
        System.out.println("==== pfncache stress summary: mode " + mode.label() + ", " + selected.size() + " tests, "
                + format(took) + ", jcstress exit " + out.exitCode());
        System.out.println("Tests:");
        tests.forEach(System.out::println);
        if (!controls.isEmpty()) {
            System.out.println("Negative controls:");
            controls.forEach(System.out::println);
        }
        System.out.println("Report: " + results.resolve("index.html") + "  (output: " + results.resolve("jcstress-output.txt") + ")");
        if (!warnings.isEmpty()) {
            System.out.println("WARNINGS (failures in full mode):");
            warnings.forEach(w -> System.out.println("  - " + w));
        }
        if (problems.isEmpty()) {
            System.out.println("RESULT: OK");
            return 0;
        }
        System.out.println("RESULT: FAILED");
        problems.forEach(p -> System.out.println("  - " + p));
        return 1;
    }

    private static String format(Duration d) {
        return d.toMinutes() + "m" + String.format("%02d", d.toSecondsPart()) + "s";
    }

    // ---- helpers ----

    /** Option name → value (null for a flag); a value is the next token unless it starts with '-'. */
    private static void parseOptions(List<String> args, Map<String, String> into) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("-") || a.length() < 2) {
                throw new UsageException("expected a jcstress option, got '" + a + "'");
            }
            String name = a.substring(1);
            String value = null;
            if (VALUED.contains(name) && i + 1 < args.size() && !args.get(i + 1).startsWith("-")) {
                value = args.get(++i);
            } else if (VALUED.contains(name) && i + 1 < args.size() && name.startsWith("jvmArgs")) {
                value = args.get(++i); // JVM flags start with '-' themselves
            }
            into.remove(name); // a later occurrence wins, and keeps its place
            into.put(name, value);
        }
    }

    private static Path ownJar() {
        try {
            Path p = Paths.get(StressRunner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(p)) {
                throw new UsageException("run me from the jcstress jar (java -cp stress/target/jcstress.jar ...), not from " + p);
            }
            return p;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
