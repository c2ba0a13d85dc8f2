package org.pfncache.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.pfncache.InvalidationStrategy;
import org.pfncache.LockKind;
import org.pfncache.PreemptionModel;

/**
 * The {@code pfncache} command line: {@code scenario} runs one configuration and prints its
 * verdict, {@code matrix} runs every built-in strategy under every configuration, {@code soak}
 * runs every strategy for minutes under everything at once. Exit status: 0 whatever a scenario's
 * or matrix's verdict (the verdict is the result), 1 if a soak failed or for an internal error, 2
 * for a usage error (one line naming it, then "see 'pfncache help'").
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_INTERNAL = 1;
    static final int EXIT_USAGE = 2;
    /** A soak in which some strategy failed (the same status as an internal error: both mean "not good"). */
    static final int EXIT_SOAK_FAILED = 1;

    private static final String SCENARIO_OPTIONS = """
            scenario options:
              --strategy rwlock|rwlock-try|srcu|seqcount   invalidation strategy (default rwlock)
              --preemption none|rt            preemption model (default rt)
              --notifier-lock spinlock|raw    kind of mn_invalidate_lock and gpc_lock (default spinlock)
              --mmu-lock rwlock|raw           kind of kvm->mmu_lock (default rwlock, x86's rwlock_t)
              --context munmap|migrate|oom    who invalidates (default oom, the OOM reaper)
              --readers N                     vCPU threads, 1..64, 4 caches each (default 2)
              --duration D                    how long the host thread invalidates: 500ms, 2s, 1.5s (default 1s)
              --json                          print exactly one JSON object on stdout
              --splats, --splat               print every distinct splat, not only the first
              --jfr FILE                      record the run's JFR events (org.pfncache.*) to FILE
            """;

    private static final String MATRIX_OPTIONS = """
            matrix options:
              --strategies a,b,...            default: every built-in strategy
              --preemptions none,rt           default: both
              --notifier-locks spinlock,raw   with --mmu-locks: every combination of the two lists;
              --mmu-locks rwlock,raw          default rows: spinlock+rwlock (KVM today),
                                              raw+rwlock, raw+raw
              --contexts munmap,migrate,oom   default: all three
              --readers N                     as for scenario (default 2)
              --duration D                    per cell (default 1s)
              --json                          print one JSON object on stdout; progress, one line per
                                              row, goes to stderr
              --splats, --splat               print the first splat of each BUG or WARN cell (with
                                              --json: every distinct splat per cell)
              --html FILE                     also write FILE: a self-contained page, the table
                                              coloured by verdict, each cell's first splat on click
            """;

    private static final String SOAK_OPTIONS = """
            soak options (exit 1 if a strategy fails: see 'soak verdicts' below):
              --duration D                    the whole soak, split evenly between the strategies:
                                              90s, 10m, 1.5h (default 1m, at most 24h)
              --strategies a,b,...            default: every built-in strategy
              --vcpus N                       vCPU threads, 1..16 (default 2)
              --caches N                      caches per vCPU, 1..64 (default 4)
              --preemption none|rt            preemption model (default none)
              --json                          print one JSON object on stdout (progress stays on stderr)
            """;

    private static final String JSON_SHAPE = """
            JSON (--json): one object on one line of stdout.
              scenario: {strategy, preemption, notifierLock, mmuLock, context, readers, durationMs,
                elapsedMs, verdict, summary, splatIs, reason (N/A only),
                operations: {reads, writes, faults, mismatches}, invalidations,
                invalidatorStoppedBy, retries,
                reaps: {calls, attempts, complete, incomplete, rangesReaped, rangesRetried},
                audit: {staleAccesses, writesToFreedPages, pagesMapped, pagesLeaked} or null,
                stats: {invalidations, invalidationFailures, cachesCleared, refreshes,
                refreshRetries, faults, notifierFailures, gracePeriods, memslotWaits},
                reportCount, restoreReports, reportSites: {site: count}, reports: [first 5 splats],
                distinctReports: [{count, splat}] (with --splats), hangs: [thread],
                errors: [{thread, type, message, at: [frame]}]}
              matrix: {cells: [one scenario object per cell], cellDurationMs, durationMs}
              soak: {passed, durationMs, elapsedMs, vcpus, cachesPerVcpu, preemption,
                heapUsedBeforeBytes, strategies: [{strategy, drainsReaders, verdict (PASS, HAZARDS,
                FAIL), failures: [text], hazards: [text], durationMs, elapsedMs, operationsPerSecond,
                operations: {reads, writes, verified, lostWrites, tornWrites, wiped, faults, churns},
                host: {steps, migrations, migrationsSkipped, munmaps, memslotUpdates},
                reaper: {calls, complete, incomplete, attempts, rangesReaped, rangesSkipped},
                notifierFailures, guardReports: {BUG, WARN}, firstSplat (or null),
                audit: {staleAccesses, writesToFreedPages, pagesMapped, pagesLeaked} or null,
                heapUsedAfterCloseBytes, hangs: [thread], errors: [{thread, type, message, at}]}]}
            """;

    private static final String VERDICTS = """
            verdicts, first that applies: BUG (sleeping in an invalid context), WARN (a notifier
            with an end callback failed a non-blockable range), HANG, ERROR, UNSAFE (use after
            invalidate), RETRY (the reaper skipped ranges without a WARN), OK; N/A for an
            unimplemented strategy. Rules R1-R14 and invariants I1-I7: docs/semantics.md.
            """;

    private static final String SOAK_VERDICTS = """
            soak verdicts, per strategy: FAIL if it hangs, throws, loses or tears a write, or
            verifies none; or, for a strategy that drains readers, if the audit after close finds a
            stale access, a write into a freed page, a leaked page or a kernel mapping left. For a
            strategy that does not drain readers (seqcount) those audit findings are hazards:
            counted and labelled (HAZARDS), not failed, and so are its lost or torn writes when the
            audit shows it touching freed pages (a late write into a freed, reused page). PASS
            otherwise.
            """;

    private static final String STRESS_USAGE = """
              stress [quick|ci|full] [jcstress options]
                              the jcstress suites and negative controls (run by the ./pfncache launcher;
                              './pfncache stress --help' prints the runner's own usage)
            """;

    private static final String BENCH_USAGE = """
              bench [quick|full|smoke] [--record] [JMH options]
                              the JMH benchmarks, ratio table and chart (run by the ./pfncache launcher;
                              --record also writes the committed docs/results/bench-<mode>.{md,json};
                              './pfncache bench --help' prints the runner's own usage)
            """;

    static final String USAGE = """
            usage: pfncache <command> [options]
                   pfncache <command> --help      one command's usage

            commands:
              scenario        vCPU threads read through their caches while a host thread invalidates;
                              prints the verdict, the counts and the first splat
              matrix          the scenario for every strategy x preemption x lock kinds x context
              soak            every strategy for minutes: vCPUs writing and verifying, host migrate,
                              munmap and memslot changes, the OOM reaper, cache churn; exit 1 on a failure
              help [command]  this text, or one command's (also --help, -h)
            """ + STRESS_USAGE + BENCH_USAGE + "\n" + SCENARIO_OPTIONS + "\n" + MATRIX_OPTIONS + "\n"
            + SOAK_OPTIONS + "\n" + JSON_SHAPE + "\n" + VERDICTS + "\n" + SOAK_VERDICTS + """

            exit status: 0 with any scenario or matrix verdict, 1 if a soak failed or for an internal
            error, 2 for a usage error.
            """;

    /** One command's usage, as {@code pfncache <command> --help} and {@code pfncache help <command>} print it. */
    static String commandUsage(String command) throws UsageException {
        return switch (command) {
            case "scenario" -> "usage: pfncache scenario [options]\n\n"
                    + "vCPU threads read through their caches while a host thread invalidates; prints the\n"
                    + "verdict, the counts and the first splat. Exit status 0 with any verdict.\n\n"
                    + SCENARIO_OPTIONS + "\n" + jsonShape("scenario") + "\n" + VERDICTS;
            case "matrix" -> "usage: pfncache matrix [options]\n\n"
                    + "The scenario for every strategy x preemption x lock kinds x context, one row at a time.\n"
                    + "Exit status 0 with any verdict.\n\n"
                    + MATRIX_OPTIONS + "\n" + jsonShape("scenario") + jsonShape("matrix").substring(jsonShape("matrix").indexOf('\n') + 1)
                    + "\n" + VERDICTS;
            case "soak" -> "usage: pfncache soak [options]\n\n"
                    + "Each strategy in turn: vCPU threads write sequence numbers through their caches and\n"
                    + "check each on the next read; a host thread migrates pages, munmaps and mmaps them and\n"
                    + "changes memslots; an OOM reaper thread reaps the mm and gives the memory back; caches\n"
                    + "are deactivated and re-activated. Progress on stderr every 5 s; then per strategy the\n"
                    + "rate, verified, lost and torn writes, the audit after close, reaper outcomes, notifier\n"
                    + "failures, guard reports by kind and the heap used after close.\n\n"
                    + SOAK_OPTIONS + "\n" + jsonShape("soak") + "\n" + SOAK_VERDICTS;
            case "stress" -> "usage: pfncache stress [quick|ci|full] [jcstress options]\n\n" + STRESS_USAGE;
            case "bench" -> "usage: pfncache bench [quick|full|smoke] [--record] [JMH options]\n\n" + BENCH_USAGE;
            case "help" -> "usage: pfncache help [command]\n\n"
                    + "Prints every command's usage, or the named command's.\n";
            default -> throw new UsageException("unknown command '" + command + "'");
        };
    }

    /** The JSON section's header line plus the lines about {@code command}'s object. */
    private static String jsonShape(String command) {
        String[] lines = JSON_SHAPE.split("\n");
        StringBuilder b = new StringBuilder(lines[0]).append('\n');
        boolean on = false;
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i];
            if (l.startsWith("  ") && !l.startsWith("    ")) {
                on = l.startsWith("  " + command + ":");
            }
            if (on) {
                b.append(l).append('\n');
            }
        }
        return b.toString();
    }

    private static final Set<String> SCENARIO_VALUED =
            Set.of("strategy", "preemption", "notifier-lock", "mmu-lock", "context", "readers", "duration", "jfr");
    private static final Set<String> MATRIX_VALUED = Set.of("strategies", "preemptions", "notifier-locks",
            "mmu-locks", "contexts", "readers", "duration", "html");
    private static final Set<String> SOAK_VALUED = Set.of("duration", "strategies", "vcpus", "caches", "preemption");
    /** Both spellings, in both commands: scenario had --splat, matrix --splats. */
    private static final Set<String> SPLAT_FLAGS = Set.of("splat", "splats");
    static final String SEE_HELP = "see 'pfncache help'";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs one command line; returns the exit status. Nothing but the result goes to {@code out};
     * progress and usage errors go to {@code err}. {@code --help} or {@code -h} anywhere after a
     * command prints that command's usage and runs nothing, whatever else the line says.
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0 || isHelp(args[0])) {
                if (args.length > 1) {
                    // pfncache help <command>; pfncache help --help is help's own usage.
                    out.print(commandUsage(args[1].startsWith("-") && isHelp(args[1]) ? "help" : args[1]));
                } else {
                    out.print(USAGE);
                }
                return EXIT_OK;
            }
            List<String> rest = List.of(args).subList(1, args.length);
            if (rest.contains("--help") || rest.contains("-h")) {
                out.print(commandUsage(args[0]));
                return EXIT_OK;
            }
            return switch (args[0]) {
                case "scenario" -> {
                    try (HostLog quiet = HostLog.quiet()) {
                        yield scenario(rest, out);
                    }
                }
                case "matrix" -> {
                    try (HostLog quiet = HostLog.quiet()) {
                        yield matrix(rest, out, err);
                    }
                }
                case "soak" -> {
                    try (HostLog quiet = HostLog.quiet()) {
                        yield soak(rest, out, err);
                    }
                }
                case "stress", "bench" -> {
                    err.println("pfncache: '" + args[0] + "' runs from its own jar: use the ./pfncache launcher");
                    err.println(SEE_HELP);
                    yield EXIT_USAGE;
                }
                default -> throw new UsageException("unknown command '" + args[0] + "'");
            };
        } catch (UsageException e) {
            err.println("pfncache: " + e.getMessage());
            err.println(SEE_HELP);
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("pfncache: interrupted");
            return EXIT_INTERNAL;
        } catch (RuntimeException | Error e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.println("pfncache: internal error: " + e);
            err.print(trace);
            return EXIT_INTERNAL;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static boolean isHelp(String arg) {
        return arg.equals("help") || arg.equals("--help") || arg.equals("-h");
    }

    private static boolean splats(Options o) {
        return o.flag("splat") || o.flag("splats");
    }

    private static int scenario(List<String> args, PrintStream out) throws UsageException, InterruptedException {
        Set<String> flags = new java.util.HashSet<>(SPLAT_FLAGS);
        flags.add("json");
        Options o = Options.parse("scenario", args, SCENARIO_VALUED, flags);
        ScenarioConfig seed = ScenarioConfig.seed();
        ScenarioConfig config = new ScenarioConfig(
                o.value("strategy", seed.strategy(), InvalidationStrategy::byName),
                o.value("preemption", seed.preemption(), ScenarioConfig::preemptionByName),
                o.value("notifier-lock", seed.notifierLock(), ScenarioConfig::notifierLockByName),
                o.value("mmu-lock", seed.mmuLock(), ScenarioConfig::mmuLockByName),
                o.value("context", seed.context(), InvalidationContext::byName),
                o.intValue("readers", seed.readers(), 1, ScenarioConfig.MAX_READERS),
                o.duration("duration", seed.duration()),
                seed.hangTimeout());
        String jfr = o.value("jfr", null, s -> s);
        ScenarioResult result = jfr == null ? Scenario.run(config) : recorded(config, java.nio.file.Path.of(jfr));
        if (o.flag("json")) {
            out.println(Json.write(result.toJson(splats(o))));
        } else {
            result.printText(out, splats(o));
        }
        return EXIT_OK;
    }

    /** Runs {@code config} under a JFR recording of the org.pfncache events, dumped to {@code file}. */
    private static ScenarioResult recorded(ScenarioConfig config, java.nio.file.Path file) throws InterruptedException {
        try (jdk.jfr.Recording r = new jdk.jfr.Recording()) {
            r.setName("pfncache scenario");
            for (String e : List.of("Invalidation", "Refresh", "GracePeriod", "OomReap", "GuardReport")) {
                r.enable("org.pfncache." + e);
            }
            r.start();
            ScenarioResult result = Scenario.run(config);
            r.stop();
            try {
                r.dump(file);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write the JFR recording to " + file, e);
            }
            return result;
        }
    }

    /** The default rows, or every combination of the given notifier and mmu_lock kinds. */
    private static List<ScenarioConfig.LockPair> lockPairs(Options o) throws UsageException {
        if (!o.has("notifier-locks") && !o.has("mmu-locks")) {
            return ScenarioConfig.LockPair.DEFAULTS;
        }
        List<ScenarioConfig.LockPair> pairs = new java.util.ArrayList<>();
        for (LockKind n : o.list("notifier-locks", List.of(LockKind.values()), ScenarioConfig::notifierLockByName)) {
            for (LockKind m : o.list("mmu-locks", List.of(LockKind.values()), ScenarioConfig::mmuLockByName)) {
                pairs.add(new ScenarioConfig.LockPair(n, m));
            }
        }
        return pairs;
    }

    private static int matrix(List<String> args, PrintStream out, PrintStream err)
            throws UsageException, InterruptedException {
        Set<String> flags = new java.util.HashSet<>(SPLAT_FLAGS);
        flags.add("json");
        Options o = Options.parse("matrix", args, MATRIX_VALUED, flags);
        ScenarioConfig seed = ScenarioConfig.seed();
        ScenarioConfig base = new ScenarioConfig(seed.strategy(), seed.preemption(), seed.notifierLock(),
                seed.mmuLock(), seed.context(), o.intValue("readers", seed.readers(), 1, ScenarioConfig.MAX_READERS),
                o.duration("duration", Matrix.DEFAULT_CELL_DURATION), seed.hangTimeout());
        Matrix matrix = new Matrix(
                o.list("strategies", InvalidationStrategy.builtIns(), InvalidationStrategy::byName),
                o.list("preemptions", List.of(PreemptionModel.values()), ScenarioConfig::preemptionByName),
                lockPairs(o),
                o.list("contexts", List.of(InvalidationContext.values()), InvalidationContext::byName),
                base);
        Path html = o.has("html") ? o.value("html", null, Main::outputFile) : null;
        boolean json = o.flag("json");
        long start = System.nanoTime();
        // The table goes to stdout as it is made; with --json stdout carries only the object, so
        // the rows go to stderr as progress.
        List<ScenarioResult> cells = json ? matrix.run(err, true) : matrix.run(out, false);
        long elapsed = System.nanoTime() - start;
        if (html != null) {
            try {
                MatrixHtml.write(html, matrix, cells, elapsed);
            } catch (java.io.IOException e) {
                err.println("pfncache: matrix: cannot write " + html + ": " + e.getMessage());
                return EXIT_INTERNAL;
            }
            err.println("matrix: wrote " + html);
        }
        if (json) {
            out.println(Json.write(Matrix.toJson(cells, elapsed, base, splats(o))));
            return EXIT_OK;
        }
        matrix.printLegend(out);
        if (splats(o)) {
            matrix.printSplats(out, cells);
        }
        out.println();
        out.printf("matrix: %d cells in %.1f s%n", cells.size(), elapsed / 1e9);
        return EXIT_OK;
    }

    /** A file to write: its directory must exist (the file is created or replaced). */
    private static Path outputFile(String name) {
        if (name.isBlank()) {
            throw new IllegalArgumentException("empty file name");
        }
        Path p = Path.of(name).toAbsolutePath();
        if (Files.isDirectory(p)) {
            throw new IllegalArgumentException("is a directory");
        }
        Path dir = p.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no such directory " + dir);
        }
        return p;
    }

    private static int soak(List<String> args, PrintStream out, PrintStream err)
            throws UsageException, InterruptedException {
        Options o = Options.parse("soak", args, SOAK_VALUED, Set.of("json"));
        Soak.Config d = Soak.Config.defaults();
        Soak.Config config = new Soak.Config(
                o.list("strategies", d.strategies(), InvalidationStrategy::byName),
                o.duration("duration", d.duration(), Soak.MAX_DURATION),
                o.intValue("vcpus", d.vcpus(), 1, Soak.MAX_VCPUS),
                o.intValue("caches", d.cachesPerVcpu(), 1, Soak.MAX_CACHES),
                o.value("preemption", d.preemption(), ScenarioConfig::preemptionByName),
                d.progressEvery(), d.hangTimeout());
        return soak(config, o.flag("json"), out, err);
    }

    /** Runs a soak; prints the report (text or JSON) on {@code out}, progress on {@code err}; 0 if every strategy passed, else 1. */
    static int soak(Soak.Config config, boolean json, PrintStream out, PrintStream err) throws InterruptedException {
        Soak.Report report = Soak.run(config, err);
        if (json) {
            out.println(Json.write(SoakResult.toJson(report)));
        } else {
            out.println("soak: " + SoakResult.formatDuration(config.duration()) + " over "
                    + config.strategies().size() + " strategies, " + config.vcpus() + " vCPUs x "
                    + config.cachesPerVcpu() + " caches, preemption " + ScenarioConfig.cliName(config.preemption())
                    + "; heap used before " + SoakResult.mib(report.heapBeforeBytes()));
            for (SoakResult r : report.results()) {
                out.println(r.line());
            }
            for (SoakResult r : report.results()) {
                out.println();
                r.printDetails(out);
            }
            out.println();
            out.printf("soak: %s in %.1f s%n", report.passed() ? "passed" : "FAILED", report.elapsedNanos() / 1e9);
        }
        if (!report.passed()) {
            err.println("pfncache: soak failed: " + report.results().stream().filter(r -> !r.passed())
                    .map(r -> r.strategy() + " (" + String.join("; ", r.failures()) + ")")
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        return report.passed() ? EXIT_OK : EXIT_SOAK_FAILED;
    }
}
