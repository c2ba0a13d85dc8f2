package org.pfncache.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import org.pfncache.InvalidationStrategy;
import org.pfncache.LockKind;
import org.pfncache.PreemptionModel;

/**
 * The {@code pfncache} command line: {@code scenario} runs one configuration and prints its
 * verdict, {@code matrix} runs every built-in strategy under every configuration. Exit status:
 * 0 whatever the verdict (the verdict is the result), 2 for a usage error, 1 for an internal error.
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_INTERNAL = 1;
    static final int EXIT_USAGE = 2;

    static final String USAGE = """
            usage: pfncache <command> [options]

            commands:
              scenario        vCPU threads read through their caches while a host thread invalidates;
                              prints the verdict, the counts and the first splat
              matrix          the scenario for every strategy x preemption x lock kinds x context
              help            this text (also --help, -h)
              stress [quick|full|ci] [jcstress options]
                              the jcstress suites and negative controls (run by the ./pfncache launcher)
              bench [quick|full|smoke] [JMH options]
                              the JMH benchmarks, ratio table and chart (run by the ./pfncache launcher)

            scenario options:
              --strategy rwlock|rwlock-try|srcu|seqcount   invalidation strategy (default rwlock)
              --preemption none|rt            preemption model (default rt)
              --notifier-lock spinlock|raw    kind of mn_invalidate_lock and gpc_lock (default spinlock)
              --mmu-lock rwlock|raw           kind of kvm->mmu_lock (default rwlock, x86's rwlock_t)
              --context munmap|migrate|oom    who invalidates (default oom, the OOM reaper)
              --readers N                     vCPU threads, 1..64, 4 caches each (default 2)
              --duration D                    how long the host thread invalidates: 500ms, 2s, 1.5s (default 1s)
              --json                          print exactly one JSON object on stdout
              --splat                         print every distinct splat, not only the first

            matrix options:
              --strategies a,b,...            default: every built-in strategy
              --preemptions none,rt           default: both
              --notifier-locks spinlock,raw   with --mmu-locks: every combination of the two lists;
              --mmu-locks rwlock,raw          default rows: spinlock+rwlock (KVM today),
                                              raw+rwlock, raw+raw
              --contexts munmap,migrate,oom   default: all three
              --readers N                     as for scenario (default 2)
              --duration D                    per cell (default 1s)
              --json                          print {"cells": [...], "durationMs": n} on stdout
              --splats                        print the first splat of each BUG or WARN cell

            verdicts, first that applies: BUG (sleeping in an invalid context), WARN (a notifier
            with an end callback failed a non-blockable range), HANG, ERROR, UNSAFE (use after
            invalidate), RETRY (the reaper skipped ranges without a WARN), OK; N/A for an
            unimplemented strategy. Rules R1-R14 and invariants I1-I7: docs/semantics.md.
            exit status: 0 with any verdict, 2 for a usage error, 1 for an internal error.
            """;

    private static final Set<String> SCENARIO_VALUED =
            Set.of("strategy", "preemption", "notifier-lock", "mmu-lock", "context", "readers", "duration");
    private static final Set<String> MATRIX_VALUED =
            Set.of("strategies", "preemptions", "notifier-locks", "mmu-locks", "contexts", "readers", "duration");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line; returns the exit status. Nothing but the result goes to {@code out}. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0 || isHelp(args[0])) {
                out.print(USAGE);
                return EXIT_OK;
            }
            List<String> rest = List.of(args).subList(1, args.length);
            return switch (args[0]) {
                case "scenario" -> scenario(rest, out);
                case "matrix" -> matrix(rest, out);
                case "stress", "bench" -> {
                    err.println("pfncache: '" + args[0] + "' runs from its own jar: use the ./pfncache launcher");
                    yield EXIT_USAGE;
                }
                default -> throw new UsageException("unknown command '" + args[0] + "'");
            };
        } catch (UsageException e) {
            err.println("pfncache: " + e.getMessage());
            err.println();
            err.print(USAGE);
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

    private static int scenario(List<String> args, PrintStream out) throws UsageException, InterruptedException {
        Options o = Options.parse("scenario", args, SCENARIO_VALUED, Set.of("json", "splat"));
        if (o.flag("help")) {
            out.print(USAGE);
            return EXIT_OK;
        }
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
        ScenarioResult result = Scenario.run(config);
        if (o.flag("json")) {
            out.println(Json.write(result.toJson(o.flag("splat"))));
        } else {
            result.printText(out, o.flag("splat"));
        }
        return EXIT_OK;
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

    private static int matrix(List<String> args, PrintStream out) throws UsageException, InterruptedException {
        Options o = Options.parse("matrix", args, MATRIX_VALUED, Set.of("json", "splats"));
        if (o.flag("help")) {
            out.print(USAGE);
            return EXIT_OK;
        }
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
        boolean json = o.flag("json");
        long start = System.nanoTime();
        List<ScenarioResult> cells = matrix.run(json ? null : out);
        long elapsed = System.nanoTime() - start;
        if (json) {
            out.println(Json.write(Matrix.toJson(cells, elapsed, base)));
            return EXIT_OK;
        }
        matrix.printLegend(out);
        if (o.flag("splats")) {
            matrix.printSplats(out, cells);
        }
        out.println();
        out.printf("matrix: %d cells in %.1f s%n", cells.size(), elapsed / 1e9);
        return EXIT_OK;
    }
}
