package org.pfncache.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line's polish (issue 11): both splat spellings in both commands, help listing every
 * JSON field and every command, matrix --json progress on stderr, one-line usage errors, and
 * --help for every subcommand without running anything.
 */
class HelpTest {
    private static MainTest.Result run(String... args) {
        return MainTest.run(args);
    }

    // ---- --help for every subcommand, with no side effect ----

    @ParameterizedTest
    @ValueSource(strings = {"scenario", "matrix", "soak", "stress", "bench", "help"})
    void subcommandHelp_printsThatCommandsUsage_runsNothing(String command) {
        for (String flag : List.of("--help", "-h")) {
            long start = System.nanoTime();
            MainTest.Result r = run(command, flag);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().startsWith("usage: pfncache " + command), r.out());
            assertEquals("", r.err());
            // A scenario takes 1 s, a soak 1 min, by default: printing usage takes neither.
            assertTrue(ms < 500, command + " " + flag + " took " + ms + " ms: did it run?");
        }
        MainTest.Result viaHelp = run("help", command);
        assertEquals(0, viaHelp.status());
        assertEquals(run(command, "--help").out(), viaHelp.out());
    }

    @Test
    void help_winsOverEverythingElse_noFileWritten(@TempDir Path dir) {
        Path html = dir.resolve("m.html");
        MainTest.Result r = run("matrix", "--html", html.toString(), "--duration", "5s", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("usage: pfncache matrix"), r.out());
        assertFalse(Files.exists(html), "--help must not run the matrix nor write the page");
        // Even a bad option does not stop --help.
        MainTest.Result bad = run("soak", "--vcpus", "0", "--duration", "1h", "-h");
        assertEquals(0, bad.status(), bad.err());
        assertTrue(bad.out().startsWith("usage: pfncache soak"), bad.out());
    }

    @Test
    void helpOfUnknownCommand_isAUsageError() {
        MainTest.assertOneLineUsageError(run("help", "frobnicate"));
    }

    @Test
    void help_listsSoakAndBenchRecord() {
        String usage = run("help").out();
        assertTrue(Pattern.compile("(?m)^  soak +").matcher(usage).find(), usage);
        assertTrue(usage.contains("bench [quick|full|smoke] [--record]"), usage);
        assertTrue(usage.contains("soak options"), usage);
        assertTrue(usage.contains("--html FILE"), usage);
        assertTrue(usage.contains("--splats, --splat"), usage);
    }

    // ---- usage errors: one line plus the pointer ----

    @ParameterizedTest
    @ValueSource(strings = {"scenario --bogus", "matrix --readers 0", "soak --duration forever", "frobnicate",
        "scenario extra", "stress", "bench --record"})
    void usageError_isOneLinePlusPointerToHelp(String line) {
        MainTest.assertOneLineUsageError(run(line.split(" ")));
    }

    // ---- both splat spellings in both commands ----

    @Test
    void scenario_acceptsSplatsToo() {
        MainTest.Result splat = run("scenario", "--splat", "--readers", "1", "--duration", "200ms");
        MainTest.Result splats = run("scenario", "--splats", "--readers", "1", "--duration", "200ms");
        for (MainTest.Result r : List.of(splat, splats)) {
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("splat 1 of "), r.out());
        }
        Map<String, Object> json = MiniJson.parseObject(
                run("scenario", "--json", "--splats", "--readers", "1", "--duration", "200ms").out());
        assertTrue(json.containsKey("distinctReports"), json.keySet().toString());
    }

    @Test
    void matrix_acceptsSplatToo() {
        for (String flag : List.of("--splat", "--splats")) {
            MainTest.Result r = run("matrix", "--strategies", "rwlock", "--preemptions", "rt", "--notifier-locks",
                    "spinlock", "--mmu-locks", "rwlock", "--contexts", "oom", "--duration", "200ms", flag);
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("== rwlock rt notifier=spinlock mmu_lock=rwlock oom: first of "), r.out());
        }
    }

    // ---- matrix --json: progress on stderr, one line per row; stdout only the object ----

    @Test
    void matrixJson_progressOnStderr_oneLinePerRow() {
        MainTest.Result r = run("matrix", "--json", "--strategies", "rwlock", "--preemptions", "none", "--contexts",
                "munmap,oom", "--duration", "150ms");
        assertEquals(0, r.status(), r.err());
        assertEquals(1, r.out().lines().count(), "stdout is the one JSON object: " + r.out());
        Map<String, Object> o = MiniJson.parseObject(r.out());
        assertEquals(6, ((List<?>) o.get("cells")).size());
        List<String> progress = r.err().lines().toList();
        assertEquals(3, progress.size(), "one line per row (3 lock rows): " + r.err());
        for (int i = 0; i < 3; i++) {
            String l = progress.get(i);
            assertTrue(l.startsWith("matrix: row " + (i + 1) + "/3: rwlock none "), l);
            assertTrue(l.matches(".*\\| OK OK$"), l);
        }
    }

    // ---- the help's JSON section names every field the JSON has ----

    @Test
    void helpJsonSection_namesEveryFieldOfEveryCommandsJson() throws InterruptedException {
        String usage = run("help").out();
        int from = usage.indexOf("JSON (--json)");
        assertTrue(from >= 0, usage);
        int to = usage.indexOf("\n\n", from);
        String section = usage.substring(from, to);

        Set<String> keys = new TreeSet<>();
        MainTest.Result scenario = run("scenario", "--json", "--splats", "--readers", "1", "--duration", "200ms");
        collectKeys(MiniJson.parse(scenario.out()), keys);
        MainTest.Result matrix = run("matrix", "--json", "--strategies", "srcu", "--preemptions", "none",
                "--notifier-locks", "raw", "--mmu-locks", "raw", "--contexts", "oom", "--duration", "150ms");
        collectKeys(MiniJson.parse(matrix.out()), keys);
        // N/A only: the reason.
        ScenarioConfig seed = ScenarioConfig.seed();
        collectKeys(MiniJson.parse(Json.write(ScenarioResult.notAvailable(seed, "todo").toJson(false))), keys);
        // A cell with an error: the error's fields.
        MainTest.Result soak = run("soak", "--json", "--strategies", "srcu", "--duration", "300ms");
        collectKeys(MiniJson.parse(soak.out()), keys);
        Map<String, Object> withError = new SoakResultFixture().withError().toJson();
        collectKeys(withError, keys);

        assertTrue(keys.containsAll(List.of("cells", "strategies", "distinctReports", "reason", "message",
                "heapUsedAfterCloseBytes")), keys.toString());
        for (String k : keys) {
            assertTrue(Pattern.compile("\\b" + Pattern.quote(k) + "\\b").matcher(section).find(),
                    "the help's JSON section does not name '" + k + "':\n" + section);
        }
    }

    /** Every object key, recursively, except under reportSites (whose keys are lock sites, not fields). */
    @SuppressWarnings("unchecked")
    private static void collectKeys(Object v, Set<String> keys) {
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                keys.add(e.getKey());
                if (!e.getKey().equals("reportSites")) {
                    collectKeys(e.getValue(), keys);
                }
            }
        } else if (v instanceof List<?> l) {
            for (Object o : l) {
                collectKeys(o, keys);
            }
        }
    }

    /** A SoakResult with an error in it, for the JSON shape of {@code errors}. */
    private static final class SoakResultFixture {
        SoakResult withError() {
            return new SoakResult("x", true, 1, 1, new SoakResult.Operations(0, 0, 0, 0, 0, 0, 0, 0),
                    new SoakResult.HostCounts(0, 0, 0, 0, 0), new SoakResult.ReaperCounts(0, 0, 0, 0, 0, 0), 0, 0, 0,
                    null, null, 0, List.of("vcpu0"),
                    List.of(ScenarioResult.Failure.of("vcpu0", new IllegalStateException("boom"))));
        }
    }
}
