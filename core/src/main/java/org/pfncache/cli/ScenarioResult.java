package org.pfncache.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pfncache.VmStats;
import org.pfncache.guard.GuardReport;
import org.pfncache.host.MemoryAudit;

/**
 * What one scenario run measured, its {@link Verdict}, and its two renderings: text for people
 * and a JSON object (the same object is a matrix cell).
 *
 * @param notAvailable why the strategy could not run (its newCacheLock is not implemented), else null
 * @param audit        the memory audit after vm.close(); null if it could not be taken (a hang)
 * @param reports      guard reports of the context under test (they decide BUG)
 * @param restoreReports reports made while the OOM context restored memory with a blockable
 *                     munmap: that is the munmap column's verdict, so they are only counted here
 */
record ScenarioResult(ScenarioConfig config, String notAvailable, long elapsedNanos, Operations operations,
                      Invalidations invalidations, MemoryAudit audit, List<GuardReport> reports,
                      int restoreReports, List<String> hangs, List<Failure> errors, VmStats stats) {
    /** Splats a JSON object carries in full; {@code reportCount} says how many there were. */
    static final int MAX_JSON_REPORTS = 5;
    /** Report sites the text form names. */
    private static final int TEXT_SITES = 4;

    /** The vCPUs' counts: accesses that completed, faults (memory reaped or unmapped), wrong read-backs. */
    record Operations(long reads, long writes, long faults, long mismatches) {
        static final Operations NONE = new Operations(0, 0, 0, 0);
    }

    /**
     * The invalidating thread's counts; the reap fields are summed over its {@code oomReap} calls.
     * {@code stoppedBy} says why it stopped: "deadline", "report budget", "error", "stop".
     */
    record Invalidations(long count, long reapCalls, long reapAttempts, long reapsComplete,
                         long reapsIncomplete, long rangesReaped, long rangesRetried, String stoppedBy) {
        static final Invalidations NONE = new Invalidations(0, 0, 0, 0, 0, 0, 0, "not started");
    }

    /** An unexpected exception of one thread (or of setup or vm.close), with its innermost frames. */
    record Failure(String thread, String type, String message, List<String> at) {
        private static final int FRAMES = 3;

        static Failure of(String thread, Throwable t) {
            List<String> at = new ArrayList<>();
            for (StackTraceElement e : t.getStackTrace()) {
                if (at.size() == FRAMES) {
                    break;
                }
                at.add(e.toString());
            }
            return new Failure(thread, t.getClass().getName(), String.valueOf(t.getMessage()), List.copyOf(at));
        }

        @Override
        public String toString() {
            return thread + ": " + type + ": " + message + (at.isEmpty() ? "" : " (at " + at.get(0) + ")");
        }
    }

    ScenarioResult {
        reports = List.copyOf(reports);
        hangs = List.copyOf(hangs);
        errors = List.copyOf(errors);
    }

    static ScenarioResult notAvailable(ScenarioConfig config, String reason) {
        return new ScenarioResult(config, reason == null ? "not implemented" : reason, 0, Operations.NONE,
                Invalidations.NONE, null, List.of(), 0, List.of(), List.of(), null);
    }

    Verdict verdict() {
        if (notAvailable != null) {
            return Verdict.NOT_AVAILABLE;
        }
        if (reports.stream().anyMatch(r -> !isWarning(r))) {
            return Verdict.BUG;
        }
        if (!reports.isEmpty()) {
            return Verdict.WARN;
        }
        if (!hangs.isEmpty()) {
            return Verdict.HANG;
        }
        if (!errors.isEmpty()) {
            return Verdict.ERROR;
        }
        if (operations.mismatches() > 0
                || audit != null && (audit.staleAccesses() > 0 || audit.writesToFreedPages() > 0)) {
            return Verdict.UNSAFE;
        }
        if (invalidations.rangesRetried() > 0 || invalidations.reapsIncomplete() > 0) {
            return Verdict.RETRY;
        }
        return Verdict.OK;
    }

    static boolean isWarning(GuardReport r) {
        return r.kind() == GuardReport.Kind.WARN;
    }

    /**
     * Where the first BUG splat stands against the seed thread, which shows one splat only:
     * "the seed's splat (a)" for the seed's configuration (PREEMPT_RT, spinlock_t notifier locks,
     * the OOM reaper) at mn_invalidate_lock; "a prediction" for any other BUG, since the seed
     * shows nothing else (R14); "none" without a BUG.
     */
    String splatIs() {
        GuardReport bug = firstBug();
        if (bug == null) {
            return "none";
        }
        boolean seed = config.preemption() == org.pfncache.PreemptionModel.RT
                && config.notifierLock() == org.pfncache.LockKind.SPINLOCK
                && config.context() == InvalidationContext.OOM
                && bug.site().equals("&kvm->mn_invalidate_lock");
        return seed ? "the seed's splat (a)" : "a prediction: the seed thread shows only splat (a)";
    }

    /** The first BUG report (the verdict's site), null if none. */
    GuardReport firstBug() {
        return reports.stream().filter(r -> !isWarning(r)).findFirst().orElse(null);
    }

    /** The verdict with its short counts, as a matrix cell shows it: "WARN(r=12)", "BUG@kvm->mn_invalidate_lock". */
    String summary() {
        Verdict v = verdict();
        return switch (v) {
            // The cache's lock is named after the cache ("gpc3.1->lock"); the cell names the lock only.
            case BUG -> "BUG@" + firstBug().site().replace("&", "");
            case WARN -> "WARN(r=" + invalidations.rangesRetried()
                    + (invalidations.reapsIncomplete() > 0 ? ",inc=" + invalidations.reapsIncomplete() : "") + ")";
            case HANG -> "HANG(" + String.join(",", hangs) + ")";
            case ERROR -> {
                String type = errors.get(0).type();
                yield "ERROR(" + errors.get(0).thread() + ":" + type.substring(type.lastIndexOf('.') + 1) + ")";
            }
            case UNSAFE -> {
                List<String> parts = new ArrayList<>();
                if (audit != null && audit.staleAccesses() > 0) {
                    parts.add("stale=" + audit.staleAccesses());
                }
                if (audit != null && audit.writesToFreedPages() > 0) {
                    parts.add("freed=" + audit.writesToFreedPages());
                }
                if (operations.mismatches() > 0) {
                    parts.add("lost=" + operations.mismatches());
                }
                yield "UNSAFE(" + String.join(",", parts) + ")";
            }
            case RETRY -> "RETRY(r=" + invalidations.rangesRetried()
                    + (invalidations.reapsIncomplete() > 0 ? ",inc=" + invalidations.reapsIncomplete() : "") + ")";
            case OK, NOT_AVAILABLE -> v.label;
        };
    }

    /** Report count per site, most frequent first. */
    Map<String, Long> reportSites() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (GuardReport r : reports) {
            counts.merge(r.site(), 1L, Long::sum);
        }
        return sortedByCount(counts);
    }

    /** One splat per distinct (title, thread, context, locks held), with how often it was seen, most frequent first. */
    Map<String, Long> distinctSplats() {
        Map<String, GuardReport> firstByKey = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        for (GuardReport r : reports) {
            String key = r.title() + '\0' + r.threadName() + '\0' + r.inAtomic() + '\0' + r.nonBlock()
                    + '\0' + r.locksHeld();
            firstByKey.putIfAbsent(key, r);
            counts.merge(key, 1L, Long::sum);
        }
        Map<String, Long> out = new LinkedHashMap<>();
        sortedByCount(counts).forEach((key, n) -> out.put(firstByKey.get(key).format(), n));
        return out;
    }

    private static Map<String, Long> sortedByCount(Map<String, Long> counts) {
        Map<String, Long> out = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEachOrdered(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** The JSON object of this run; with {@code allSplats} it also carries every distinct splat. */
    Map<String, Object> toJson(boolean allSplats) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("strategy", config.strategy().name());
        o.put("preemption", ScenarioConfig.cliName(config.preemption()));
        o.put("notifierLock", ScenarioConfig.cliName(config.notifierLock()));
        o.put("mmuLock", ScenarioConfig.mmuCliName(config.mmuLock()));
        o.put("context", config.context().cliName);
        o.put("readers", config.readers());
        o.put("durationMs", config.duration().toMillis());
        o.put("elapsedMs", elapsedNanos / 1_000_000);
        o.put("verdict", verdict().label);
        o.put("summary", summary());
        o.put("splatIs", splatIs());
        if (notAvailable != null) {
            o.put("reason", notAvailable);
        }
        Map<String, Object> ops = new LinkedHashMap<>();
        ops.put("reads", operations.reads());
        ops.put("writes", operations.writes());
        ops.put("faults", operations.faults());
        ops.put("mismatches", operations.mismatches());
        o.put("operations", ops);
        o.put("invalidations", invalidations.count());
        o.put("invalidatorStoppedBy", invalidations.stoppedBy());
        o.put("retries", invalidations.rangesRetried());
        Map<String, Object> reaps = new LinkedHashMap<>();
        reaps.put("calls", invalidations.reapCalls());
        reaps.put("attempts", invalidations.reapAttempts());
        reaps.put("complete", invalidations.reapsComplete());
        reaps.put("incomplete", invalidations.reapsIncomplete());
        reaps.put("rangesReaped", invalidations.rangesReaped());
        reaps.put("rangesRetried", invalidations.rangesRetried());
        o.put("reaps", reaps);
        if (audit == null) {
            o.put("audit", null);
        } else {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("staleAccesses", audit.staleAccesses());
            a.put("writesToFreedPages", audit.writesToFreedPages());
            a.put("pagesMapped", audit.pagesMapped());
            a.put("pagesLeaked", audit.pagesLeaked());
            o.put("audit", a);
        }
        if (stats != null) {
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("invalidations", stats.invalidations());
            st.put("invalidationFailures", stats.invalidationFailures());
            st.put("cachesCleared", stats.cachesCleared());
            st.put("refreshes", stats.refreshes());
            st.put("refreshRetries", stats.refreshRetries());
            st.put("faults", stats.faults());
            st.put("notifierFailures", stats.notifierFailures());
            st.put("gracePeriods", stats.gracePeriods());
            st.put("memslotWaits", stats.memslotWaits());
            o.put("stats", st);
        }
        o.put("reportCount", reports.size());
        o.put("restoreReports", restoreReports);
        o.put("reportSites", new LinkedHashMap<String, Object>(reportSites()));
        List<Object> splats = new ArrayList<>();
        for (GuardReport r : reports.subList(0, Math.min(MAX_JSON_REPORTS, reports.size()))) {
            splats.add(r.format());
        }
        o.put("reports", splats);
        if (allSplats) {
            List<Object> distinct = new ArrayList<>();
            distinctSplats().forEach((splat, n) -> {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("count", n);
                d.put("splat", splat);
                distinct.add(d);
            });
            o.put("distinctReports", distinct);
        }
        o.put("hangs", new ArrayList<Object>(hangs));
        List<Object> errs = new ArrayList<>();
        for (Failure f : errors) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("thread", f.thread());
            e.put("type", f.type());
            e.put("message", f.message());
            e.put("at", new ArrayList<Object>(f.at()));
            errs.add(e);
        }
        o.put("errors", errs);
        return o;
    }

    /** The text report: configuration, verdict, counts, and the first splat (every distinct one with {@code allSplats}). */
    void printText(PrintStream out, boolean allSplats) {
        out.println("scenario: " + config.describe());
        if (notAvailable != null) {
            out.println("verdict: " + Verdict.NOT_AVAILABLE.label + " (" + notAvailable + ")");
            return;
        }
        Verdict v = verdict();
        out.println("verdict: " + v.label + (v == Verdict.OK ? "" : "  [" + summary() + "]"));
        out.printf("  vcpus:          %d reads, %d writes, %d faults, %d mismatches%n",
                operations.reads(), operations.writes(), operations.faults(), operations.mismatches());
        out.println("  invalidations:  " + describeInvalidations());
        if (invalidations.stoppedBy().equals("report budget")) {
            out.println("                  (stopped early: " + Scenario.REPORT_BUDGET + " guard reports reached)");
        }
        out.println("  retries:        " + invalidations.rangesRetried() + " ranges skipped by the OOM reaper (-EAGAIN)");
        if (audit == null) {
            out.println("  audit:          not taken (vm.close did not finish)");
        } else {
            out.printf("  audit:          staleAccesses %d, writesToFreedPages %d, pagesMapped %d, pagesLeaked %d%n",
                    audit.staleAccesses(), audit.writesToFreedPages(), audit.pagesMapped(), audit.pagesLeaked());
        }
        out.println("  guard reports:  " + reports.size() + describeSites());
        if (restoreReports > 0) {
            out.println("                  (+" + restoreReports + " while restoring memory after the reap with a"
                    + " blockable munmap: see the munmap context)");
        }
        if (!hangs.isEmpty()) {
            out.println("  hung:           " + String.join(", ", hangs));
        }
        for (Failure f : errors) {
            out.println("  error:          " + f);
        }
        out.printf("  elapsed:        %d ms%n", elapsedNanos / 1_000_000);
        if (reports.isEmpty()) {
            return;
        }
        if (allSplats) {
            Map<String, Long> distinct = distinctSplats();
            int i = 0;
            for (Map.Entry<String, Long> e : distinct.entrySet()) {
                out.println();
                out.println("splat " + ++i + " of " + distinct.size() + " distinct (seen " + e.getValue() + " times):");
                out.print(e.getKey());
            }
        } else {
            out.println();
            out.println("first splat (" + splatIs() + "):");
            out.print((firstBug() != null ? firstBug() : reports.get(0)).format());
        }
    }

    /** " (at site xN, site xN, ..., and k more sites)", the most frequent first; "" without reports. */
    private String describeSites() {
        Map<String, Long> sites = reportSites();
        if (sites.isEmpty()) {
            return "";
        }
        List<String> shown = new ArrayList<>();
        sites.entrySet().stream().limit(TEXT_SITES).forEach(e -> shown.add(e.getKey() + " x" + e.getValue()));
        int more = sites.size() - shown.size();
        return " (at " + String.join(", ", shown) + (more > 0 ? ", and " + more + " more sites" : "") + ")";
    }

    private String describeInvalidations() {
        Invalidations i = invalidations;
        return switch (config.context()) {
            case MUNMAP -> i.count() + " munmap+mmap cycles of a cached page";
            case MIGRATE -> i.count() + " page migrations";
            case OOM -> i.reapCalls() + " OOM reaps (" + i.reapsComplete() + " complete, " + i.reapsIncomplete()
                    + " incomplete; " + i.reapAttempts() + " attempts, " + i.rangesReaped() + " ranges reaped)";
        };
    }
}
