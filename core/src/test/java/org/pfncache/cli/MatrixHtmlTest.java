package org.pfncache.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pfncache matrix --html FILE} (issue 11): a real matrix run writes the page, and a real
 * headless Chromium loads it. The DOM it builds must have one cell per configuration, each with
 * its verdict's class, the first splat inside the cell's {@code <details>} (escaped: the kernel's
 * {@code <TASK>} is text, not an element), and a link to a cell ({@code #cell-...}) must open that
 * cell's details and no other. The same checks on the page's source run without a browser.
 *
 * <p>The browser is {@code $PFNCACHE_CHROMIUM}, else the first of chromium, chromium-browser,
 * google-chrome on the PATH ({@code PFNCACHE_CHROMIUM=none}: as if there were none). Without one
 * the browser tests are skipped, with a loud message on stderr; .ci/run installs Debian's
 * chromium so that CI runs them.
 */
class MatrixHtmlTest {
    private static final long BROWSER_TIMEOUT_S = 90;
    private static final Pattern CELL = Pattern.compile(
            "<td id=\"(cell-[^\"]+)\" class=\"cell (v-[a-z]+)( target)?\" data-verdict=\"([^\"]+)\"[^>]*>(.*?)</td>",
            Pattern.DOTALL);

    @TempDir
    static Path dir;
    private static Path page;
    /** The run's cells as its JSON has them: id -> cell object. */
    private static final Map<String, Map<String, Object>> cells = new LinkedHashMap<>();

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void runMatrix() {
        page = dir.resolve("matrix.html");
        // 2 strategies x RT x 3 lock rows x 2 contexts = 12 cells: OK, BUG and UNSAFE among them.
        MainTest.Result r = MainTest.run("matrix", "--json", "--html", page.toString(), "--strategies",
                "rwlock,seqcount", "--preemptions", "rt", "--contexts", "munmap,oom", "--duration", "150ms");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("matrix: wrote " + page), r.err());
        for (Object c : (List<Object>) MiniJson.parseObject(r.out()).get("cells")) {
            Map<String, Object> cell = (Map<String, Object>) c;
            String id = "cell-" + cell.get("strategy") + "-" + cell.get("preemption") + "-" + cell.get("notifierLock")
                    + "-" + cell.get("mmuLock") + "-" + cell.get("context");
            cells.put(id, cell);
        }
        assertEquals(12, cells.size());
        assertTrue(cells.values().stream().anyMatch(c -> c.get("verdict").equals("BUG")), cells.toString());
    }

    private static String cssClass(String verdict) {
        return verdict.equals("N/A") ? "v-na" : "v-" + verdict.toLowerCase(Locale.ROOT);
    }

    /** Checks a document (the page's source or the browser's DOM); returns each cell's inner HTML by id. */
    private static Map<String, String> assertCells(String html) {
        int table = html.indexOf("<table id=\"matrix\">");
        int tableEnd = html.indexOf("</table>", table);
        assertTrue(table >= 0 && tableEnd > table, html);
        Matcher m = CELL.matcher(html.substring(table, tableEnd));
        Map<String, String> seen = new LinkedHashMap<>();
        while (m.find()) {
            String id = m.group(1);
            assertFalse(seen.containsKey(id), "duplicate cell " + id);
            Map<String, Object> cell = cells.get(id);
            assertNotNull(cell, "a cell the run did not make: " + id);
            assertEquals(cssClass((String) cell.get("verdict")), m.group(2), id);
            assertEquals(cell.get("verdict"), m.group(4), id);
            String inner = m.group(5);
            assertTrue(inner.contains("<summary>" + MatrixHtml.esc((String) cell.get("summary")) + "</summary>"),
                    id + ": " + inner);
            seen.put(id, inner);
        }
        assertEquals(cells.keySet(), seen.keySet(), "one cell per configuration");
        for (Map.Entry<String, String> e : seen.entrySet()) {
            Map<String, Object> cell = cells.get(e.getKey());
            if ((Long) cell.get("reportCount") > 0) {
                String inner = e.getValue();
                assertTrue(inner.contains("<pre class=\"splat\">"), e.getKey() + ": " + inner);
                String first = cell.get("verdict").equals("BUG")
                        ? "BUG: sleeping function called from invalid context" : "WARNING:";
                assertTrue(inner.contains(first), e.getKey() + ": " + inner);
                // The kernel's <TASK> markers are text, escaped, never an element.
                assertTrue(inner.contains("&lt;TASK&gt;"), e.getKey() + ": " + inner);
                assertFalse(inner.toLowerCase(Locale.ROOT).contains("<task>"), e.getKey());
            } else {
                assertTrue(e.getValue().contains("<pre class=\"counts\">"), e.getKey() + ": " + e.getValue());
            }
        }
        return seen;
    }

    // ---- without a browser ----

    @Test
    void pageSource_oneCellPerConfiguration_verdictClasses_escapedSplats_legend() throws IOException {
        String html = Files.readString(page);
        assertCells(html);
        assertTrue(html.startsWith("<!DOCTYPE html>"), html);
        assertFalse(html.contains("src=\"http") || html.contains("href=\"http") || html.contains("@import"),
                "self-contained: nothing fetched");
        for (Verdict v : Verdict.values()) {
            assertTrue(html.contains("<td class=\"cell " + MatrixHtml.cssClass(v) + "\" data-verdict=\"" + v.label
                    + "\">"), "legend entry for " + v.label);
            assertTrue(html.contains("." + MatrixHtml.cssClass(v) + " {"), "a colour for " + v.label);
        }
    }

    // ---- in a real browser ----

    private static String chromium() {
        String env = System.getenv("PFNCACHE_CHROMIUM");
        if ("none".equals(env)) {
            return null; // as on a machine without one
        }
        if (env != null && !env.isBlank()) {
            return env;
        }
        String path = System.getenv("PATH");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String d : (path == null ? "" : path).split(File.pathSeparator)) {
                Path p = Path.of(d, name);
                if (!d.isEmpty() && Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    private static String requireChromium() {
        String c = chromium();
        if (c == null) {
            System.err.println("""
                    ************************************************************************
                    MatrixHtmlTest: NO CHROMIUM FOUND (PATH, $PFNCACHE_CHROMIUM): the browser
                    tests of 'pfncache matrix --html' are SKIPPED. Install one (Debian:
                    apt-get install chromium) to run them; .ci/run does.
                    ************************************************************************""");
        }
        assumeTrue(c != null, "no Chromium on this machine: browser tests of matrix --html skipped");
        return c;
    }

    /** Runs headless Chromium on {@code url} with {@code action} (--dump-dom, --screenshot=...); returns stdout. */
    private static String chromium(String binary, String action, String url, Path profile)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--window-size=1300,1400", action, url));
        Path out = Files.createTempFile(dir, "chromium", ".out");
        Path err = Files.createTempFile(dir, "chromium", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(BROWSER_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within " + BROWSER_TIMEOUT_S + " s: " + cmd);
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "chromium failed: " + cmd + "\n" + Files.readString(err));
        return stdout;
    }

    @Test
    void browser_domHasOneCellPerConfiguration_withVerdictClass_andSplatInDetails() throws Exception {
        String browser = requireChromium();
        String dom = chromium(browser, "--dump-dom", page.toUri().toString(), Files.createTempDirectory(dir, "profile"));
        Map<String, String> inner = assertCells(dom);
        // Nothing open until asked.
        for (Map.Entry<String, String> e : inner.entrySet()) {
            assertTrue(e.getValue().startsWith("<details><summary>"), e.getKey() + ": " + e.getValue());
        }
    }

    @Test
    void browser_linkToACell_opensItsSplat_andNoOther() throws Exception {
        String browser = requireChromium();
        String target = cells.entrySet().stream().filter(e -> e.getValue().get("verdict").equals("BUG"))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
        String dom = chromium(browser, "--dump-dom", page.toUri() + "#" + target,
                Files.createTempDirectory(dir, "profile"));
        Map<String, String> inner = assertCells(dom);
        for (Map.Entry<String, String> e : inner.entrySet()) {
            boolean open = e.getValue().startsWith("<details open=\"\">");
            assertEquals(e.getKey().equals(target), open, e.getKey() + ": " + e.getValue());
        }
        assertTrue(dom.contains("id=\"" + target + "\" class=\"cell v-bug target\""), "the linked cell is marked");
        // And the page renders: a screenshot of the opened splat, kept for people under target/.
        Path png = Path.of("target", "matrix-html-test.png").toAbsolutePath();
        Files.deleteIfExists(png);
        chromium(browser, "--screenshot=" + png, page.toUri() + "#" + target, Files.createTempDirectory(dir, "profile"));
        assertTrue(Files.size(png) > 10_000, "screenshot " + png + " is " + Files.size(png) + " bytes");
    }
}
