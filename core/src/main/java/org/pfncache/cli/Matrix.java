package org.pfncache.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pfncache.InvalidationStrategy;
import org.pfncache.guard.GuardReport;
import org.pfncache.PreemptionModel;
import org.pfncache.cli.ScenarioConfig.LockPair;

/**
 * Every chosen strategy x preemption model x lock configuration (notifier locks, mmu_lock) x
 * context, each cell one real
 * {@link Scenario} run. The text form prints one row per strategy x preemption x lock as soon as
 * its cells are done, then a legend; the JSON form is {@code {"cells": [...], "durationMs": n}}
 * with each cell the scenario's own object.
 */
final class Matrix {
    /**
     * Per cell. 72 cells of 1 s plus set-up and close take about 80 s on 2 cores, inside the
     * 2-minute budget.
     */
    static final Duration DEFAULT_CELL_DURATION = Duration.ofSeconds(1);

    private static final String ROW_FORMAT = "%-11s %-7s %-8s %-8s";
    private static final int CELL_WIDTH = 34;

    private final List<InvalidationStrategy> strategies;
    private final List<PreemptionModel> preemptions;
    private final List<LockPair> locks;
    private final List<InvalidationContext> contexts;
    private final ScenarioConfig base;

    Matrix(List<InvalidationStrategy> strategies, List<PreemptionModel> preemptions, List<LockPair> locks,
           List<InvalidationContext> contexts, ScenarioConfig base) {
        this.strategies = List.copyOf(strategies);
        this.preemptions = List.copyOf(preemptions);
        this.locks = List.copyOf(locks);
        this.contexts = List.copyOf(contexts);
        this.base = base;
    }

    int cellCount() {
        return strategies.size() * preemptions.size() * locks.size() * contexts.size();
    }

    List<InvalidationStrategy> strategies() {
        return strategies;
    }

    List<PreemptionModel> preemptions() {
        return preemptions;
    }

    List<LockPair> locks() {
        return locks;
    }

    List<InvalidationContext> contexts() {
        return contexts;
    }

    ScenarioConfig base() {
        return base;
    }

    int rowCount() {
        return strategies.size() * preemptions.size() * locks.size();
    }

    /** Runs every cell in table order, printing the table to {@code table} (if non-null) as each row completes. */
    List<ScenarioResult> run(PrintStream table) throws InterruptedException {
        return run(table, false);
    }

    /**
     * Runs every cell in table order. With {@code progress} false, prints the table to
     * {@code out} (if non-null): a header, then each row as it completes. With {@code progress}
     * true, prints only one line per completed row, "matrix: row i/n: ..." (what --json puts on stderr).
     */
    List<ScenarioResult> run(PrintStream out, boolean progress) throws InterruptedException {
        PrintStream table = progress ? null : out;
        int rowIndex = 0;
        if (table != null) {
            table.printf("matrix: %d cells (%d strategies x %d preemption x %d lock configurations x %d contexts),"
                            + " %s per cell, %d vCPUs x %d caches%n%n", cellCount(), strategies.size(),
                    preemptions.size(), locks.size(), contexts.size(), Options.formatDuration(base.duration()),
                    base.readers(), Scenario.CACHES_PER_VCPU);
            StringBuilder header = new StringBuilder(String.format(ROW_FORMAT, "strategy", "preempt", "notifier",
                    "mmu_lock") + " |");
            for (InvalidationContext c : contexts) {
                header.append(' ').append(pad(c.cliName));
            }
            table.println(header.toString().stripTrailing());
            table.println("-".repeat(header.toString().stripTrailing().length()));
            table.flush();
        }
        List<ScenarioResult> cells = new ArrayList<>(cellCount());
        for (InvalidationStrategy s : strategies) {
            for (PreemptionModel m : preemptions) {
                for (LockPair k : locks) {
                    StringBuilder row = new StringBuilder(String.format(ROW_FORMAT, s.name(),
                            ScenarioConfig.cliName(m), ScenarioConfig.cliName(k.notifier()),
                            ScenarioConfig.mmuCliName(k.mmu())) + " |");
                    for (InvalidationContext c : contexts) {
                        ScenarioResult r = Scenario.run(base.with(s, m, k, c));
                        cells.add(r);
                        row.append(' ').append(pad(r.summary()));
                    }
                    rowIndex++;
                    if (table != null) {
                        table.println(row.toString().stripTrailing());
                        table.flush();
                    } else if (progress && out != null) {
                        out.println("matrix: row " + rowIndex + "/" + rowCount() + ": "
                                + row.toString().replaceAll(" +", " ").strip());
                        out.flush();
                    }
                }
            }
        }
        return cells;
    }

    /** The legend under the table: verdicts, contexts, and each strategy's declared properties. */
    void printLegend(PrintStream out) {
        out.println();
        out.println("verdicts (first that applies):");
        for (Verdict v : Verdict.values()) {
            out.printf("  %-7s %s%n", v.label, v.meaning);
        }
        out.println();
        out.println("splats: the seed thread shows one splat, (a): PREEMPT_RT, spinlock_t notifier locks, the");
        out.println("  oom column, BUG@kvm->mn_invalidate_lock. Every other BUG cell is a prediction.");
        out.println();
        out.println("contexts:");
        for (InvalidationContext c : contexts) {
            out.printf("  %-8s %s (thread %s)%n", c.cliName, describe(c), c.threadName);
        }
        out.println();
        out.println("strategies (declared properties):");
        out.printf("  %-11s %-8s %-15s %-11s %s%n", "", "drains", "may sleep in", "non-block", "read path");
        out.printf("  %-11s %-8s %-15s %-11s %s%n", "", "readers", "invalidation", "outcome", "");
        for (InvalidationStrategy s : strategies) {
            out.printf("  %-11s %-8s %-15s %-11s %s%n", s.name(), s.drainsReaders() ? "yes" : "no",
                    s.maySleepInInvalidation(), s.nonBlockableOutcome(), s.readPathCost());
        }
    }

    /** The first splat of every BUG cell. */
    void printSplats(PrintStream out, List<ScenarioResult> cells) {
        for (ScenarioResult r : cells) {
            if (r.verdict() == Verdict.BUG || r.verdict() == Verdict.WARN) {
                out.println();
                out.println("== " + r.config().strategy().name() + " " + ScenarioConfig.cliName(r.config().preemption())
                        + " notifier=" + ScenarioConfig.cliName(r.config().notifierLock())
                        + " mmu_lock=" + ScenarioConfig.mmuCliName(r.config().mmuLock()) + " " + r.config().context().cliName
                        + ": first of " + r.reports().size() + " reports, " + r.splatIs() + " ==");
                GuardReport first = r.firstBug() != null ? r.firstBug() : r.reports().get(0);
                out.print(first.format());
            }
        }
    }

    static Map<String, Object> toJson(List<ScenarioResult> cells, long elapsedNanos, ScenarioConfig base) {
        return toJson(cells, elapsedNanos, base, false);
    }

    /** {@code {"cells": [...], "cellDurationMs": n, "durationMs": n}}; with {@code allSplats} each cell carries its distinct splats. */
    static Map<String, Object> toJson(List<ScenarioResult> cells, long elapsedNanos, ScenarioConfig base,
                                      boolean allSplats) {
        Map<String, Object> o = new LinkedHashMap<>();
        List<Object> list = new ArrayList<>(cells.size());
        for (ScenarioResult r : cells) {
            list.add(r.toJson(allSplats));
        }
        o.put("cells", list);
        o.put("cellDurationMs", base.duration().toMillis());
        o.put("durationMs", elapsedNanos / 1_000_000);
        return o;
    }

    static String describe(InvalidationContext c) {
        return switch (c) {
            case MUNMAP -> "munmap one cached page and mmap it again (blockable)";
            case MIGRATE -> "migrate the cached pages round-robin (blockable)";
            case OOM -> "OOM-reap the whole mm (non-blockable), then munmap and mmap it again";
        };
    }

    private static String pad(String s) {
        return s.length() >= CELL_WIDTH ? s : s + " ".repeat(CELL_WIDTH - s.length());
    }
}
