package org.pfncache.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pfncache.host.MemoryAudit;

/**
 * One strategy's soak: what its threads did, what the memory audit found after {@code vm.close()},
 * and the judgement. A failure makes {@code pfncache soak} exit 1: any strategy that hangs, fails
 * with an unexpected exception, loses or tears a write, or verifies nothing; and a strategy that
 * drains readers ({@code drainsReaders()}) with any stale access, write into a freed page, page
 * leaked or kernel mapping left after close. For a strategy that does not drain readers (SEQCOUNT)
 * the audit's findings are hazards: counted and labelled, not failed; so are its lost and torn
 * writes when the audit shows it touching freed pages, which is how they come about
 * ({@link #writeLossExplainedByHazard()}).
 *
 * @param audit          after vm.close(); null if close did not finish
 * @param heapAfterClose heap used after this strategy's Vm was closed and dropped and a GC ran, bytes
 */
record SoakResult(String strategy, boolean drainsReaders, long shareMs, long elapsedNanos, Operations operations,
                  HostCounts host, ReaperCounts reaper, long notifierFailures, long bugReports, long warnReports,
                  String firstSplat, MemoryAudit audit, long heapAfterClose, List<String> hangs,
                  List<ScenarioResult.Failure> errors) {

    /**
     * The vCPUs' counts. {@code verified}: read-backs that found the page's last write;
     * {@code wiped}: read-backs that found a zero page after munmap or an OOM reap legitimately
     * took the contents; {@code lostWrites}: a consistent record other than the last write, or
     * zeroes with no such event; {@code tornWrites}: a record whose halves disagree.
     */
    record Operations(long reads, long writes, long verified, long lostWrites, long tornWrites, long wiped,
                      long faults, long churns) {
        long operations() {
            return reads + writes;
        }
    }

    /** The host thread: steps, page migrations (and those skipped: page reaped), munmap+mmap cycles, memslot updates. */
    record HostCounts(long steps, long migrations, long migrationsSkipped, long munmaps, long memslotUpdates) {
    }

    /** The OOM reaper thread: oomReap calls, complete or not, attempts, VMA ranges reaped and skipped (-EAGAIN). */
    record ReaperCounts(long calls, long complete, long incomplete, long attempts, long rangesReaped,
                        long rangesSkipped) {
    }

    SoakResult {
        hangs = List.copyOf(hangs);
        errors = List.copyOf(errors);
    }

    SoakResult withHeapAfterClose(long bytes) {
        return new SoakResult(strategy, drainsReaders, shareMs, elapsedNanos, operations, host, reaper,
                notifierFailures, bugReports, warnReports, firstSplat, audit, bytes, hangs, errors);
    }

    /** What makes this strategy fail the soak; empty if it passed. */
    List<String> failures() {
        List<String> f = new ArrayList<>();
        for (String h : hangs) {
            f.add("hung: " + h);
        }
        for (ScenarioResult.Failure e : errors) {
            f.add("error: " + e);
        }
        if (!writeLossExplainedByHazard()) {
            if (operations.lostWrites() > 0) {
                f.add(operations.lostWrites() + " lost writes");
            }
            if (operations.tornWrites() > 0) {
                f.add(operations.tornWrites() + " torn writes");
            }
        }
        if (hangs.isEmpty() && errors.isEmpty() && operations.verified() == 0) {
            f.add("no write was verified: the soak tested nothing");
        }
        if (audit == null) {
            if (hangs.isEmpty()) {
                f.add("no audit: vm.close did not finish");
            }
        } else if (drainsReaders) {
            f.addAll(auditFindings());
        }
        return f;
    }

    /** The audit's findings, as failures of a draining strategy or hazards of another. */
    private List<String> auditFindings() {
        List<String> f = new ArrayList<>();
        if (audit.staleAccesses() > 0) {
            f.add(audit.staleAccesses() + " stale accesses");
        }
        if (audit.writesToFreedPages() > 0) {
            f.add(audit.writesToFreedPages() + " writes to freed pages");
        }
        if (audit.pagesLeaked() > 0) {
            f.add(audit.pagesLeaked() + " pages leaked");
        }
        if (audit.pagesMapped() > 0) {
            f.add(audit.pagesMapped() + " kernel mappings left after close");
        }
        return f;
    }

    /**
     * Whether lost or torn writes are the known hazard of a strategy that does not drain readers
     * rather than a failure: the audit caught that strategy's vCPUs touching freed pages (stale
     * accesses or writes into freed pages), and a page freed under a writer is reused (the free
     * list is LIFO) as another page, whose record the late write then clobbers or tears. Without
     * such audit findings the loss has no explanation and fails, whatever the strategy.
     */
    boolean writeLossExplainedByHazard() {
        return !drainsReaders && audit != null && (audit.staleAccesses() > 0 || audit.writesToFreedPages() > 0);
    }

    /** Findings counted but not failed: the audit of a strategy that does not drain readers, and the writes it lost. */
    List<String> hazards() {
        if (drainsReaders || audit == null) {
            return List.of();
        }
        List<String> h = new ArrayList<>();
        String why = " (hazard: " + strategy + " does not drain readers)";
        for (String s : auditFindings()) {
            h.add(s + why);
        }
        if (writeLossExplainedByHazard()) {
            if (operations.lostWrites() > 0) {
                h.add(operations.lostWrites() + " lost writes" + why);
            }
            if (operations.tornWrites() > 0) {
                h.add(operations.tornWrites() + " torn writes" + why);
            }
        }
        return h;
    }

    boolean passed() {
        return failures().isEmpty();
    }

    /** PASS, FAIL, or HAZARDS (passed, with a non-draining strategy's audit findings). */
    String verdict() {
        if (!passed()) {
            return "FAIL";
        }
        return hazards().isEmpty() ? "PASS" : "HAZARDS";
    }

    double operationsPerSecond() {
        return elapsedNanos <= 0 ? 0 : operations.operations() / (elapsedNanos / 1e9);
    }

    /** The one-line summary, as the soak prints it per strategy. */
    String line() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-10s %-7s %s ops/s, %d verified writes, %d lost, %d torn | audit:"
                        + " stale %s, freed-writes %s, mapped %s, leaked %s | reaper: %d complete, %d incomplete,"
                        + " %d ranges skipped | notifier failures %d | guard BUG %d, WARN %d | heap after close %s",
                strategy, verdict(), rate(operationsPerSecond()), operations.verified(), operations.lostWrites(),
                operations.tornWrites(), auditCount(audit == null ? -1 : audit.staleAccesses()),
                auditCount(audit == null ? -1 : audit.writesToFreedPages()),
                auditCount(audit == null ? -1 : audit.pagesMapped()),
                auditCount(audit == null ? -1 : audit.pagesLeaked()), reaper.complete(), reaper.incomplete(),
                reaper.rangesSkipped(), notifierFailures, bugReports, warnReports, mib(heapAfterClose)));
        for (String f : failures()) {
            b.append("\n           FAIL: ").append(f);
        }
        for (String h : hazards()) {
            b.append("\n           ").append(h);
        }
        return b.toString();
    }

    /** The details block the text form prints under the summary table. */
    void printDetails(java.io.PrintStream out) {
        out.printf(Locale.ROOT, "%s (%s readers):%n", strategy, drainsReaders ? "drains" : "does not drain");
        out.printf(Locale.ROOT, "  vcpus:    %d reads, %d writes (%s ops/s over %.1f s), %d verified, %d wiped by munmap"
                        + " or reap, %d lost, %d torn, %d faults, %d activate/deactivate cycles%n",
                operations.reads(), operations.writes(), rate(operationsPerSecond()), elapsedNanos / 1e9,
                operations.verified(), operations.wiped(), operations.lostWrites(), operations.tornWrites(),
                operations.faults(), operations.churns());
        out.printf(Locale.ROOT, "  host:     %d steps: %d migrations (%d skipped: page reaped), %d munmap+mmap,"
                        + " %d memslot updates%n", host.steps(), host.migrations(), host.migrationsSkipped(),
                host.munmaps(), host.memslotUpdates());
        out.printf(Locale.ROOT, "  reaper:   %d reaps: %d complete, %d incomplete; %d attempts, %d ranges reaped,"
                + " %d skipped (-EAGAIN)%n", reaper.calls(), reaper.complete(), reaper.incomplete(), reaper.attempts(),
                reaper.rangesReaped(), reaper.rangesSkipped());
        out.printf(Locale.ROOT, "  notifier failures: %d; guard reports: BUG %d, WARN %d%n", notifierFailures,
                bugReports, warnReports);
        if (audit == null) {
            out.println("  audit:    not taken (vm.close did not finish)");
        } else {
            out.printf(Locale.ROOT, "  audit:    staleAccesses %d, writesToFreedPages %d, pagesMapped %d, pagesLeaked %d%n",
                    audit.staleAccesses(), audit.writesToFreedPages(), audit.pagesMapped(), audit.pagesLeaked());
        }
        out.printf(Locale.ROOT, "  heap used after close: %s%n", mib(heapAfterClose));
        if (firstSplat != null) {
            out.println("  first guard report:");
            for (String l : firstSplat.split("\n")) {
                out.println("    " + l);
            }
        }
    }

    Map<String, Object> toJson() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("strategy", strategy);
        o.put("drainsReaders", drainsReaders);
        o.put("verdict", verdict());
        o.put("failures", new ArrayList<Object>(failures()));
        o.put("hazards", new ArrayList<Object>(hazards()));
        o.put("durationMs", shareMs);
        o.put("elapsedMs", elapsedNanos / 1_000_000);
        o.put("operationsPerSecond", Math.round(operationsPerSecond()));
        Map<String, Object> ops = new LinkedHashMap<>();
        ops.put("reads", operations.reads());
        ops.put("writes", operations.writes());
        ops.put("verified", operations.verified());
        ops.put("lostWrites", operations.lostWrites());
        ops.put("tornWrites", operations.tornWrites());
        ops.put("wiped", operations.wiped());
        ops.put("faults", operations.faults());
        ops.put("churns", operations.churns());
        o.put("operations", ops);
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("steps", host.steps());
        h.put("migrations", host.migrations());
        h.put("migrationsSkipped", host.migrationsSkipped());
        h.put("munmaps", host.munmaps());
        h.put("memslotUpdates", host.memslotUpdates());
        o.put("host", h);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("calls", reaper.calls());
        r.put("complete", reaper.complete());
        r.put("incomplete", reaper.incomplete());
        r.put("attempts", reaper.attempts());
        r.put("rangesReaped", reaper.rangesReaped());
        r.put("rangesSkipped", reaper.rangesSkipped());
        o.put("reaper", r);
        o.put("notifierFailures", notifierFailures);
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("BUG", bugReports);
        g.put("WARN", warnReports);
        o.put("guardReports", g);
        o.put("firstSplat", firstSplat);
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
        o.put("heapUsedAfterCloseBytes", heapAfterClose);
        o.put("hangs", new ArrayList<Object>(hangs));
        List<Object> errs = new ArrayList<>();
        for (ScenarioResult.Failure f : errors) {
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

    static Map<String, Object> toJson(Soak.Report report) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("passed", report.passed());
        o.put("durationMs", report.config().duration().toMillis());
        o.put("elapsedMs", report.elapsedNanos() / 1_000_000);
        o.put("vcpus", report.config().vcpus());
        o.put("cachesPerVcpu", report.config().cachesPerVcpu());
        o.put("preemption", ScenarioConfig.cliName(report.config().preemption()));
        o.put("heapUsedBeforeBytes", report.heapBeforeBytes());
        List<Object> list = new ArrayList<>();
        for (SoakResult r : report.results()) {
            list.add(r.toJson());
        }
        o.put("strategies", list);
        return o;
    }

    private static String auditCount(long n) {
        return n < 0 ? "?" : Long.toString(n);
    }

    static String rate(double perSecond) {
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    /** "10m", "15s", "2.5s", "500ms". */
    static String formatDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos >= 60_000_000_000L && nanos % 60_000_000_000L == 0) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos >= 1_000_000_000L) {
            return BigDecimal.valueOf(nanos, 9).setScale(1, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
                    .toPlainString() + "s";
        }
        return nanos / 1_000_000 + "ms";
    }
}
