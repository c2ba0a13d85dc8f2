package org.pfncache.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.GuardReport;
import org.pfncache.host.MemoryAudit;

/**
 * {@code pfncache matrix --html FILE}: the matrix as one self-contained page (inline style and
 * script, nothing fetched). Each cell is a {@code <td class="cell v-<verdict>">} with
 * {@code data-verdict}; a cell with guard reports holds its first splat in a {@code <details>}
 * element (click the cell's summary to open it) and in its {@code title} (hover). Cells without a
 * splat hold their counts the same way. A link to {@code FILE#<cell id>} opens that cell. Under the
 * table: the legend (verdict colours and meanings), the contexts and the strategies' declared
 * properties.
 */
final class MatrixHtml {
    private MatrixHtml() {
    }

    /** Writes the page to {@code file} (through a temporary file beside it, then a move). */
    static void write(Path file, Matrix matrix, List<ScenarioResult> cells, long elapsedNanos) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, render(matrix, cells, elapsedNanos), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The CSS class of a verdict: "v-bug", "v-unsafe", "v-na". */
    static String cssClass(Verdict v) {
        return v == Verdict.NOT_AVAILABLE ? "v-na" : "v-" + v.name().toLowerCase(Locale.ROOT);
    }

    /** The id of a cell's element: "cell-rwlock-rt-spinlock-rwlock-oom". */
    static String cellId(ScenarioConfig c) {
        return "cell-" + (c.strategy().name() + "-" + ScenarioConfig.cliName(c.preemption()) + "-"
                + ScenarioConfig.cliName(c.notifierLock()) + "-" + ScenarioConfig.mmuCliName(c.mmuLock()) + "-"
                + c.context().cliName).replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** The first splat a cell shows: its first BUG report, else its first report; null without reports. */
    static String firstSplat(ScenarioResult r) {
        if (r.reports().isEmpty()) {
            return null;
        }
        GuardReport first = r.firstBug() != null ? r.firstBug() : r.reports().get(0);
        return first.format();
    }

    static String render(Matrix matrix, List<ScenarioResult> cells, long elapsedNanos) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>pfncache matrix</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        b.append("<h1>pfncache matrix</h1>\n<p class=\"meta\">").append(cells.size()).append(" cells (")
                .append(matrix.strategies().size()).append(" strategies &times; ").append(matrix.preemptions().size())
                .append(" preemption &times; ").append(matrix.locks().size()).append(" lock configurations &times; ")
                .append(matrix.contexts().size()).append(" contexts), ")
                .append(esc(Options.formatDuration(matrix.base().duration()))).append(" per cell, ")
                .append(matrix.base().readers()).append(" vCPUs &times; ").append(Scenario.CACHES_PER_VCPU)
                .append(" caches; ").append(String.format(Locale.ROOT, "%.1f", elapsedNanos / 1e9))
                .append(" s in all. Click a cell for its first splat (or its counts); hover for the same as a tooltip.")
                .append("</p>\n");
        b.append("<p><label><input type=\"checkbox\" id=\"open-all\"> open every cell</label></p>\n");

        b.append("<table id=\"matrix\">\n<thead><tr><th>strategy</th><th>preempt</th><th>notifier</th><th>mmu_lock</th>");
        for (InvalidationContext c : matrix.contexts()) {
            b.append("<th>").append(esc(c.cliName)).append("</th>");
        }
        b.append("</tr></thead>\n<tbody>\n");
        int i = 0;
        for (InvalidationStrategy s : matrix.strategies()) {
            for (PreemptionModel m : matrix.preemptions()) {
                for (ScenarioConfig.LockPair k : matrix.locks()) {
                    b.append("<tr><th>").append(esc(s.name())).append("</th><td class=\"key\">")
                            .append(ScenarioConfig.cliName(m)).append("</td><td class=\"key\">")
                            .append(ScenarioConfig.cliName(k.notifier())).append("</td><td class=\"key\">")
                            .append(ScenarioConfig.mmuCliName(k.mmu())).append("</td>");
                    for (int c = 0; c < matrix.contexts().size() && i < cells.size(); c++) {
                        cell(b, cells.get(i++));
                    }
                    b.append("</tr>\n");
                }
            }
        }
        b.append("</tbody>\n</table>\n");

        b.append("<h2>Verdicts</h2>\n<p>The first that applies.</p>\n<table class=\"legend\">\n");
        for (Verdict v : Verdict.values()) {
            b.append("<tr><td class=\"cell ").append(cssClass(v)).append("\" data-verdict=\"").append(esc(v.label))
                    .append("\">").append(esc(v.label)).append("</td><td>").append(esc(v.meaning)).append("</td></tr>\n");
        }
        b.append("</table>\n<h2>Contexts</h2>\n<table class=\"legend\">\n");
        for (InvalidationContext c : matrix.contexts()) {
            b.append("<tr><th>").append(esc(c.cliName)).append("</th><td>").append(esc(Matrix.describe(c)))
                    .append(" (thread <code>").append(esc(c.threadName)).append("</code>)</td></tr>\n");
        }
        b.append("</table>\n<h2>Strategies (declared properties)</h2>\n<table class=\"legend\">\n")
                .append("<tr><th></th><th>drains readers</th><th>may sleep in invalidation</th>")
                .append("<th>non-block outcome</th><th>read path</th></tr>\n");
        for (InvalidationStrategy s : matrix.strategies()) {
            b.append("<tr><th>").append(esc(s.name())).append("</th><td>").append(s.drainsReaders() ? "yes" : "no")
                    .append("</td><td>").append(esc(String.valueOf(s.maySleepInInvalidation()))).append("</td><td>")
                    .append(esc(String.valueOf(s.nonBlockableOutcome()))).append("</td><td>")
                    .append(esc(s.readPathCost())).append("</td></tr>\n");
        }
        b.append("</table>\n<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void cell(StringBuilder b, ScenarioResult r) {
        Verdict v = r.verdict();
        String splat = firstSplat(r);
        String body = splat != null ? splat : counts(r);
        b.append("<td id=\"").append(cellId(r.config())).append("\" class=\"cell ").append(cssClass(v))
                .append("\" data-verdict=\"").append(esc(v.label)).append("\" title=\"").append(esc(body))
                .append("\"><details><summary>").append(esc(r.summary())).append("</summary><pre class=\"")
                .append(splat != null ? "splat" : "counts").append("\">").append(esc(body)).append("</pre></details></td>");
    }

    /** What a cell without a splat shows when opened: the counts behind its verdict. */
    private static String counts(ScenarioResult r) {
        if (r.notAvailable() != null) {
            return "not available: " + r.notAvailable();
        }
        StringBuilder b = new StringBuilder();
        ScenarioResult.Operations o = r.operations();
        b.append("vcpus: ").append(o.reads()).append(" reads, ").append(o.writes()).append(" writes, ")
                .append(o.faults()).append(" faults, ").append(o.mismatches()).append(" mismatches\n");
        ScenarioResult.Invalidations inv = r.invalidations();
        b.append("invalidations: ").append(inv.count());
        if (r.config().context() == InvalidationContext.OOM) {
            b.append(" (reaps: ").append(inv.reapsComplete()).append(" complete, ").append(inv.reapsIncomplete())
                    .append(" incomplete, ").append(inv.rangesRetried()).append(" ranges skipped)");
        }
        b.append('\n');
        MemoryAudit a = r.audit();
        if (a == null) {
            b.append("audit: not taken (vm.close did not finish)\n");
        } else {
            b.append("audit: staleAccesses ").append(a.staleAccesses()).append(", writesToFreedPages ")
                    .append(a.writesToFreedPages()).append(", pagesMapped ").append(a.pagesMapped())
                    .append(", pagesLeaked ").append(a.pagesLeaked()).append('\n');
        }
        for (String h : r.hangs()) {
            b.append("hung: ").append(h).append('\n');
        }
        for (ScenarioResult.Failure f : r.errors()) {
            b.append("error: ").append(f).append('\n');
        }
        return b.toString();
    }

    /** HTML-escapes text for element content and double-quoted attributes. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String STYLE = """
            body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
            h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
            .meta { color: #555; }
            table { border-collapse: collapse; }
            th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
            thead th { background: #eee; }
            td.key { color: #444; font-family: monospace; }
            th { white-space: nowrap; }
            td.cell { font-family: monospace; min-width: 14em; position: relative; white-space: nowrap; }
            td.cell summary { cursor: pointer; }
            /* An opened cell's splat floats over the table, so the table keeps its shape. */
            td.cell pre { position: absolute; z-index: 10; left: 0; top: 100%; font-size: 11px;
                          white-space: pre; background: #fff; color: #222; border: 1px solid #666;
                          box-shadow: 2px 2px 6px rgba(0, 0, 0, 0.3); padding: 4px 6px; margin: 0; }
            td.cell:last-child pre { left: auto; right: 0; }
            td.cell.target { outline: 3px solid #1f78b4; }
            .v-bug { background: #e34a33; color: #fff; }
            .v-warn { background: #fdae61; }
            .v-hang { background: #8e5ea2; color: #fff; }
            .v-error { background: #444; color: #fff; }
            .v-unsafe { background: #c51b7d; color: #fff; }
            .v-retry { background: #fee08b; }
            .v-ok { background: #a6d96a; }
            .v-na { background: #ddd; color: #555; }
            table.legend td.cell { min-width: 5em; }
            """;

    /** Opens the cell named by the URL's fragment, and every cell with the checkbox. */
    private static final String SCRIPT = """
            function openTarget() {
              var id = decodeURIComponent(location.hash.slice(1));
              var el = id ? document.getElementById(id) : null;
              if (el && el.classList.contains('cell')) {
                var d = el.querySelector('details');
                if (d) { d.open = true; }
                el.classList.add('target');
              }
            }
            window.addEventListener('hashchange', openTarget);
            openTarget();
            document.getElementById('open-all').addEventListener('change', function (e) {
              document.querySelectorAll('#matrix td.cell details').forEach(function (d) { d.open = e.target.checked; });
            });
            """;
}
