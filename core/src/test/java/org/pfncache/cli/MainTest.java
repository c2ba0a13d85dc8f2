package org.pfncache.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line: usage and exit statuses, option errors naming the option, the scenario's
 * JSON and text forms, and the seed's verdicts (R14). Runs are kept to a few hundred ms each.
 */
class MainTest {
    private static final String SHORT = "300ms";

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) assertInstanceOf(Map.class, o);
    }

    private static List<?> list(Object o) {
        return assertInstanceOf(List.class, o);
    }

    // ---- usage ----

    @ParameterizedTest
    @ValueSource(strings = {"help", "--help", "-h"})
    void help_printsUsageOnStdout_exit0(String arg) {
        Result r = run(arg);
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("usage: pfncache"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void noArguments_printsUsage_exit0() {
        Result r = run();
        assertEquals(0, r.status());
        assertTrue(r.out().contains("scenario"), r.out());
    }

    @Test
    void subcommandHelp_exit0() {
        assertEquals(0, run("scenario", "--help").status());
        assertEquals(0, run("matrix", "-h").status());
    }

    @Test
    void unknownCommand_exit2_namesIt() {
        Result r = run("frobnicate");
        assertEquals(2, r.status());
        assertEquals("pfncache: unknown command 'frobnicate'\nsee 'pfncache help'\n", r.err().replace("\r", ""));
        assertEquals("", r.out());
    }

    /** A usage error is one line naming it, then the pointer to help: never the whole usage text. */
    static void assertOneLineUsageError(Result r) {
        assertEquals(2, r.status(), r.err());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("pfncache: "), r.err());
        assertEquals("see 'pfncache help'", lines.get(1));
        assertFalse(r.err().contains("usage:"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"stress", "bench"})
    void reservedCommands_notBuiltYet_exit2(String cmd) {
        Result r = run(cmd);
        assertEquals(2, r.status());
        assertTrue(r.err().contains("launcher"), r.err());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "scenario --strategy nosuch             | --strategy | nosuch",
        "scenario --preemption full             | --preemption | full",
        "scenario --notifier-lock mutex         | --notifier-lock | mutex",
        "scenario --context fork                | --context | fork",
        "scenario --readers 0                   | --readers | 0",
        "scenario --readers many                | --readers | many",
        "scenario --readers 65                  | --readers | 65",
        "scenario --duration 5                  | --duration | 5",
        "scenario --duration 0ms                | --duration | 0ms",
        "scenario --duration 2h                 | --duration | 2h",
        "scenario --duration=-1s                | --duration | -1s",
        "scenario --duration                    | --duration | needs a value",
        "scenario --bogus                       | --bogus | unknown option",
        "scenario --json=yes                    | --json | takes no value",
        "scenario extra                         | extra | unexpected argument",
        "scenario --splatz                      | --splatz | unknown option",
        "matrix --strategies rwlock,,srcu       | --strategies | empty list element",
        "matrix --contexts oom,fork             | --contexts | fork",
        "matrix --preemptions rt,lazy           | --preemptions | lazy",
        "matrix --splatz                        | --splatz | unknown option",
        "matrix --html                          | --html | needs a value",
        "matrix --html /no/such/dir/m.html      | --html | no such directory",
        "soak --duration 25h                    | --duration | at most 24 hours",
        "soak --duration 10x                    | --duration | 10x",
        "soak --vcpus 0                         | --vcpus | 0",
        "soak --caches 65                       | --caches | 65",
        "soak --strategies rwlock,nosuch        | --strategies | nosuch",
        "soak --preemption lazy                 | --preemption | lazy",
        "soak --splats                          | --splats | unknown option",
        "soak --json=1                          | --json | takes no value",
    })
    void badOption_exit2_namesOptionAndValue(String line, String option, String detail) {
        Result r = run(line.trim().split("\\s+"));
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains(option.trim()), r.err());
        assertTrue(r.err().contains(detail.trim()), r.err());
        assertOneLineUsageError(r);
    }

    @ParameterizedTest
    @CsvSource({"500ms, 500", "2s, 2000", "1.5s, 1500", "0.25s, 250", "1500ms, 1500", "1m, 60000", "1.5m, 90000",
        "1h, 3600000"})
    void durations_parseWithUnits(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Options.parseDuration(text));
        assertEquals(Duration.ofMillis(millis), Options.parseDuration(Options.formatDuration(Duration.ofMillis(millis))));
    }

    // ---- scenario ----

    /** R14(a): the seed (RWLOCK, RT, spinlock_t notifier locks, OOM reaper) reports at mn_invalidate_lock. */
    @Test
    void scenarioJson_R14a_seedIsBugByOomReaperWithNonBlock() {
        Result r = run("scenario", "--json", "--duration", SHORT);
        assertEquals(0, r.status(), r.err());
        String out = r.out().strip();
        assertFalse(out.contains("\n"), "one line, one object");
        Map<String, Object> o = MiniJson.parseObject(out);

        assertEquals("rwlock", o.get("strategy"));
        assertEquals("rt", o.get("preemption"));
        assertEquals("spinlock", o.get("notifierLock"));
        assertEquals("rwlock", o.get("mmuLock"));
        assertEquals("oom", o.get("context"));
        assertEquals(2L, o.get("readers"));
        assertEquals(300L, o.get("durationMs"));
        assertEquals("BUG", o.get("verdict"));
        assertEquals("BUG@kvm->mn_invalidate_lock", o.get("summary"));

        long reportCount = (Long) o.get("reportCount");
        List<?> reports = list(o.get("reports"));
        assertTrue(reportCount >= 1);
        assertEquals(Math.min(5, reportCount), reports.size());
        String first = (String) reports.get(0);
        // The kernel's site for an RT spinlock_t acquisition; the Java site is in the Java extras.
        assertTrue(first.startsWith("BUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48"), first);
        assertTrue(first.contains("\nsite: &kvm->mn_invalidate_lock\n"), first);
        assertTrue(first.contains("4 locks held by oom_reaper/"), first);
        assertTrue(first.contains("name: oom_reaper"), first);
        assertTrue(first.contains("non_block: 1"), first);
        assertTrue(first.contains("in_atomic(): 0"), first);
        assertTrue(first.contains("mmap_lock"), "the locks held are listed: " + first);

        Map<String, Object> reaps = map(o.get("reaps"));
        assertTrue((Long) reaps.get("attempts") >= 1);
        assertEquals(reaps.get("calls"), (Long) reaps.get("complete") + (Long) reaps.get("incomplete"));
        assertInstanceOf(Long.class, o.get("retries"));
        Map<String, Object> audit = map(o.get("audit"));
        for (String k : List.of("staleAccesses", "writesToFreedPages", "pagesMapped", "pagesLeaked")) {
            assertEquals(0L, audit.get(k), k);
        }
        Map<String, Object> ops = map(o.get("operations"));
        // Counts only: on a loaded machine a vCPU may get little time in 300 ms.
        assertTrue((Long) ops.get("writes") >= (Long) ops.get("reads"));
        assertInstanceOf(Long.class, ops.get("faults"));
        assertEquals(0L, ops.get("mismatches"));
        assertEquals(List.of(), o.get("hangs"));
        assertEquals(List.of(), o.get("errors"));
    }

    /** R14: the seed's configuration prints the seed's splat (a); any other BUG is labelled a prediction. */
    @Test
    void scenarioJson_splatIsTheSeedsOrAPrediction_andCarriesVmStats() {
        Map<String, Object> seed = MiniJson.parseObject(run("scenario", "--json", "--duration", SHORT).out());
        assertEquals("the seed's splat (a)", seed.get("splatIs"));
        Map<String, Object> stats = map(seed.get("stats"));
        assertTrue((Long) stats.get("invalidations") > 0, stats.toString());
        assertTrue((Long) stats.get("refreshes") > 0, stats.toString());
        Map<String, Object> b = MiniJson.parseObject(run("scenario", "--json", "--notifier-lock", "raw",
                "--duration", SHORT).out());
        assertEquals("a prediction: the seed thread shows only splat (a)", b.get("splatIs"));
        Map<String, Object> ok = MiniJson.parseObject(run("scenario", "--json", "--preemption", "none",
                "--duration", SHORT).out());
        assertEquals("none", ok.get("splatIs"));
    }

    @Test
    void scenarioJfr_recordsTheRunsEvents() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("pfncache-scenario", ".jfr");
        try {
            Result r = run("scenario", "--strategy", "srcu", "--preemption", "none", "--context", "migrate",
                    "--duration", SHORT, "--jfr", f.toString());
            assertEquals(0, r.status(), r.err());
            List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(f);
            assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("org.pfncache.Invalidation")),
                    "no invalidation recorded");
            assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("org.pfncache.Refresh")),
                    "no refresh recorded");
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void scenarioJson_preemptNone_isOk() {
        Result r = run("scenario", "--json", "--preemption", "none", "--duration", SHORT);
        assertEquals(0, r.status(), r.err());
        Map<String, Object> o = MiniJson.parseObject(r.out());
        assertEquals("OK", o.get("verdict"), r.out());
        assertEquals(0L, o.get("reportCount"));
        assertEquals(List.of(), o.get("reports"));
        assertTrue((Long) o.get("invalidations") > 0);
    }

    /** R14(b): with the notifier-path locks raw, RT still reports, at the cache's rwlock read side in the walk (R8). */
    @Test
    void scenarioJson_R14b_rawNotifierLocks_reportAtCacheReadSideInTheWalk() {
        Result r = run("scenario", "--json", "--notifier-lock", "raw", "--duration", SHORT);
        Map<String, Object> o = MiniJson.parseObject(r.out());
        assertEquals("BUG@gpc->lock (read)", o.get("summary"), r.out());
        String first = (String) list(o.get("reports")).get(0);
        assertTrue(first.contains("name: oom_reaper"), first);
        assertTrue(first.contains("(&kvm->gpc_lock){....}-{2:2}, at: gfn_to_pfn_cache_invalidate_start"), first);
    }

    /** Item 3 of the kernel verdicts: raw notifier locks do not save the reaper while mmu_lock is an rwlock_t. */
    @Test
    void scenarioJson_kvm_handle_hva_range_rawNotifierLocksStillSleepAtMmuLock() {
        Result r = run("scenario", "--json", "--strategy", "srcu", "--notifier-lock", "raw", "--duration", SHORT);
        Map<String, Object> o = MiniJson.parseObject(r.out());
        assertEquals("BUG@kvm->mmu_lock (write)", o.get("summary"), r.out());
        Result raw = run("scenario", "--json", "--strategy", "srcu", "--notifier-lock", "raw", "--mmu-lock", "raw",
                "--duration", SHORT);
        Map<String, Object> o2 = MiniJson.parseObject(raw.out());
        assertTrue(List.of("OK", "WARN").contains(o2.get("verdict")), raw.out());
        assertEquals("raw", o2.get("mmuLock"));
    }

    @Test
    void scenarioText_default_showsVerdictCountsAndFirstSplat() {
        Result r = run("scenario", "--duration", SHORT);
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("scenario: strategy=rwlock preemption=rt notifier-lock=spinlock mmu-lock=rwlock context=oom"), out);
        assertTrue(out.contains("\nverdict: BUG"), out);
        assertTrue(out.contains("OOM reaps"), out);
        assertTrue(out.contains("audit:"), out);
        assertTrue(out.contains("guard reports:"), out);
        assertTrue(out.contains("first splat (the seed's splat (a)):\nBUG: sleeping function called from invalid context at kernel/locking/spinlock_rt.c:48"), out);
        assertTrue(out.contains("name: oom_reaper"), out);
    }

    @Test
    void scenarioText_splat_printsEveryDistinctSplat() {
        Result r = run("scenario", "--splat", "--readers", "1", "--duration", SHORT);
        assertTrue(r.out().contains("splat 1 of "), r.out());
        assertTrue(r.out().contains("\nsite: &kvm->mn_invalidate_lock\n"), r.out());
        assertTrue(r.out().contains("\nsite: &kvm->gpc_lock\n"), r.out());
    }

    // ---- matrix ----

    @Test
    void matrixJson_oneCellPerConfiguration() {
        Result r = run("matrix", "--json", "--strategies", "rwlock", "--contexts", "oom", "--duration", "200ms");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> o = MiniJson.parseObject(r.out());
        List<?> cells = list(o.get("cells"));
        assertEquals(6, cells.size(), "2 preemption models x 3 default lock rows");
        assertInstanceOf(Long.class, o.get("durationMs"));
        for (Object c : cells) {
            Map<String, Object> cell = map(c);
            assertEquals("rwlock", cell.get("strategy"));
            String expected = cell.get("preemption").equals("rt") ? "BUG" : "OK";
            assertEquals(expected, cell.get("verdict"), cell.toString());
        }
    }

    @Test
    void matrixText_tableRowsAndLegend() {
        Result r = run("matrix", "--strategies", "rwlock-try", "--preemptions", "rt", "--notifier-locks", "spinlock",
                "--mmu-locks", "rwlock", "--contexts", "munmap,oom", "--duration", "200ms", "--splats");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.contains("| munmap"), out);
        assertTrue(out.matches("(?s).*\nrwlock-try +rt +spinlock +rwlock +\\| OK +BUG@kvm->mn_invalidate_lock\n.*"), out);
        assertTrue(out.contains("verdicts (first that applies):"), out);
        assertTrue(out.contains("RETRY"), out);
        assertTrue(out.contains("BLOCKABLE_ONLY"), out);
        assertTrue(out.contains("WARN"), out);
        assertTrue(out.contains("== rwlock-try rt notifier=spinlock mmu_lock=rwlock oom: first of "), out);
        assertTrue(out.contains("matrix: 2 cells in "), out);
    }

    // ---- JSON writer ----

    @Test
    void json_escapesAndRoundTrips() {
        Map<String, Object> o = new java.util.LinkedHashMap<>();
        o.put("s", "a\"b\\c\nd\te\u0001\u00e9");
        o.put("n", 42L);
        o.put("l", List.of(1, true, "x"));
        o.put("z", null);
        String text = Json.write(o);
        assertTrue(text.chars().allMatch(c -> c >= 0x20 && c < 0x7f), text);
        Map<String, Object> back = MiniJson.parseObject(text);
        assertEquals(o.get("s"), back.get("s"));
        assertEquals(42L, back.get("n"));
        assertEquals(List.of(1L, true, "x"), back.get("l"));
        assertTrue(back.containsKey("z") && back.get("z") == null);
    }
}
