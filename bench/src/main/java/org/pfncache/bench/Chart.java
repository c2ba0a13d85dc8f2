package org.pfncache.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * A hand-written SVG of the hot path: ns/op (log scale) as grouped bars, one group per baseline
 * and per strategy, one bar per thread configuration. Baselines are grey and hatched and sit left
 * of a divider; strategies are coloured. One panel per API (guard OFF, no invalidator; baselines
 * with the detector on, as the section has it), so the chart reads the same way as the ratio
 * table. Bars are point estimates: the table's verdicts use the confidence intervals.
 */
final class Chart {
    private static final List<String> BASELINES = List.of("plain", "volatileDesc", "stampedOptimistic",
            "stampedRead", "rrwl", "fencedEpoch", "srcu");
    private static final String[] SERIES = {"1 thread", "2 threads, own caches", "2 threads, one shared cache"};
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#e15759"};
    private static final String[] BASELINE_COLOURS = {"#9a9a9a", "#5f5f5f"};
    private static final int BAR = 16;
    private static final int GROUP_GAP = 18;
    private static final int LEFT = 70;
    private static final int PANEL_HEIGHT = 300;
    private static final int PANEL_GAP = 110;
    private static final int TOP = 70;

    private record Panel(String title, String method, boolean withBaselines) {
    }

    private record Group(String label, boolean baseline, double[] values) {
    }

    private Chart() {
    }

    static String svg(Results r, List<String> strategies, String subtitle) {
        List<Panel> panels = List.of(
                new Panel("check + 8-byte read: enter() / check(8) / khva().getLong(0) / close(), guard OFF",
                        "enterCheckRead", true),
                new Panel("the same through PfnCache.readLong(8, fn), guard OFF", "readLong", false),
                new Panel("PfnCache.write(8, fn), guard OFF", "write", false));
        List<List<Group>> groups = new ArrayList<>();
        double min = Double.MAX_VALUE;
        double max = 0;
        int widest = 0;
        for (Panel p : panels) {
            List<Group> g = groups(r, strategies, p);
            groups.add(g);
            int width = 0;
            for (Group x : g) {
                width += x.values().length * BAR + GROUP_GAP;
                for (double v : x.values()) {
                    if (v > 0) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
            widest = Math.max(widest, width);
        }
        if (max == 0) {
            min = 1;
            max = 10;
        }
        double lo = Math.pow(10, Math.floor(Math.log10(min)));
        double hi = Math.pow(10, Math.ceil(Math.log10(max * 1.05)));
        int width = Math.max(LEFT + widest + 40, 1020);
        int height = TOP + panels.size() * (PANEL_HEIGHT + PANEL_GAP) + 40;

        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        sb.append("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\""
                + " patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#ffffff\""
                + " stroke-width=\"2\" stroke-opacity=\"0.6\"/></pattern></defs>\n");
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
        sb.append(text(LEFT, 24, "pfncache hot path: ns per check + 8-byte read (log scale, lower is better)", 15, "bold"));
        sb.append(text(LEFT, 42, subtitle, 11, "normal"));
        legend(sb, LEFT, 58);
        for (int i = 0; i < panels.size(); i++) {
            int y0 = TOP + 20 + i * (PANEL_HEIGHT + PANEL_GAP);
            panel(sb, panels.get(i), groups.get(i), y0, lo, hi, LEFT + widest);
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static List<Group> groups(Results r, List<String> strategies, Panel p) {
        List<Group> out = new ArrayList<>();
        if (p.withBaselines()) {
            for (String b : BASELINES) {
                out.add(new Group(b, true, new double[] {
                        value(r.nanos("BaselinesT1." + b, "detector=true")),
                        value(r.nanos("BaselinesT2." + b, "detector=true"))}));
            }
        }
        for (String s : strategies) {
            String[] params = {"strategy=" + s};
            out.add(new Group(s, false, new double[] {
                    value(r.nanos("HotPathT1." + p.method(), params)),
                    value(r.nanos("HotPathT2." + p.method(), params)),
                    value(r.nanos("HotPathSharedT2." + p.method(), params))}));
        }
        return out;
    }

    private static double value(OptionalDouble d) {
        return d.isPresent() ? d.getAsDouble() : Double.NaN;
    }

    private static void legend(StringBuilder sb, int x, int y) {
        for (int i = 0; i < SERIES.length; i++) {
            sb.append(rect(x, y - 9, 12, 10, COLOURS[i], false));
            sb.append(text(x + 16, y, SERIES[i], 11, "normal"));
            x += 190;
        }
        sb.append(rect(x, y - 9, 12, 10, BASELINE_COLOURS[0], true));
        sb.append(text(x + 16, y, "baseline, 1 thread", 11, "normal"));
        x += 130;
        sb.append(rect(x, y - 9, 12, 10, BASELINE_COLOURS[1], true));
        sb.append(text(x + 16, y, "baseline, 2 threads (shared structure)", 11, "normal"));
    }

    private static void panel(StringBuilder sb, Panel p, List<Group> groups, int y0, double lo, double hi, int right) {
        sb.append(text(LEFT, y0 - 8, p.title(), 12, "bold"));
        int bottom = y0 + PANEL_HEIGHT;
        // Grid: 1, 2, 5 per decade.
        for (double decade = lo; decade < hi * 1.001; decade *= 10) {
            for (int m : new int[] {1, 2, 5}) {
                double v = decade * m;
                if (v > hi * 1.001) {
                    break;
                }
                int y = y(v, y0, lo, hi);
                sb.append(String.format(Locale.ROOT,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1\"/>%n",
                        LEFT, y, right, y, m == 1 ? "#c8c8c8" : "#ececec"));
                sb.append(textAnchored(LEFT - 6, y + 4, label(v), "end"));
            }
        }
        sb.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>%n", LEFT, bottom, right, bottom));
        sb.append(String.format(Locale.ROOT,
                "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">ns/op</text>%n",
                LEFT - 48, y0 + PANEL_HEIGHT / 2));
        int x = LEFT + GROUP_GAP / 2;
        boolean dividerDrawn = false;
        for (Group g : groups) {
            if (!g.baseline() && !dividerDrawn && groups.get(0).baseline()) {
                int dx = x - GROUP_GAP / 2;
                sb.append(String.format(Locale.ROOT,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\" stroke-dasharray=\"4,3\"/>%n",
                        dx, y0, dx, bottom + 60));
                sb.append(textAnchored(dx - 4, y0 + 12, "baselines", "end"));
                sb.append(textAnchored(dx + 4, y0 + 12, "strategies", "start"));
                dividerDrawn = true;
            }
            int gx = x;
            for (int i = 0; i < g.values().length; i++) {
                double v = g.values()[i];
                String colour = g.baseline() ? BASELINE_COLOURS[i] : COLOURS[i];
                if (Double.isNaN(v)) {
                    sb.append(textAnchored(x + BAR / 2, bottom - 4, "-", "middle"));
                } else {
                    int top = y(Math.max(v, lo), y0, lo, hi);
                    sb.append(rect(x, top, BAR - 2, bottom - top, colour, g.baseline()));
                    sb.append(String.format(Locale.ROOT,
                            "<text transform=\"translate(%d,%d) rotate(-90)\" font-size=\"9\">%s</text>%n",
                            x + BAR / 2 + 3, top - 3, Targets.fmt(v)));
                }
                x += BAR;
            }
            int labelX = gx + (x - gx) / 2;
            sb.append(String.format(Locale.ROOT,
                    "<text transform=\"translate(%d,%d) rotate(-35)\" text-anchor=\"end\"%s>%s</text>%n",
                    labelX, bottom + 14, g.baseline() ? " font-style=\"italic\" fill=\"#555555\"" : " font-weight=\"bold\"",
                    escape(g.label())));
            x += GROUP_GAP;
        }
    }

    private static int y(double v, int y0, double lo, double hi) {
        double f = (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
        return (int) Math.round(y0 + PANEL_HEIGHT - f * PANEL_HEIGHT);
    }

    private static String label(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String rect(int x, int y, int w, int h, String fill, boolean hatched) {
        String r = String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                x, y, w, h, fill);
        if (hatched) {
            r += String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#hatch)\"/>%n",
                    x, y, w, h);
        }
        return r;
    }

    private static String text(int x, int y, String s, int size, String weight) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" font-weight=\"%s\">%s</text>%n",
                x, y, size, weight, escape(s));
    }

    private static String textAnchored(int x, int y, String s, String anchor) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">%s</text>%n",
                x, y, anchor, escape(s));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
