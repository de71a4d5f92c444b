package io.meridian.drills;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The drill's report: {@code report.json} (settings, checks, events, per-second series) and a
 * self-contained {@code report.html} (inline SVG charts and a few lines of script; no network needed)
 * with requests/s and errors per region, traffic share per region, p99 latency, and replication lag per
 * region pair over time, each with the event timeline marked on it.
 */
final class Report {

    record Files(Path json, Path html) {
    }

    /** One chart: series name → points (seconds since start, value). */
    record Chart(String title, String unit, Map<String, List<double[]>> series) {
    }

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"};

    private Report() { }

    static Files write(Path dir, Drill.Settings s, History history, Timeline timeline, List<Drill.Check> checks, boolean passed,
            long t0) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        List<Chart> charts = charts(history, timeline, t0);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("scenario", s.scenario().label());
        root.put("target", s.target().name());
        root.put("passed", passed);
        root.put("seed", s.seed());
        root.put("durationSeconds", s.duration().toSeconds());
        root.put("ratePerRegion", s.ratePerRegion());
        root.put("startedAt", t0);
        root.put("operations", history.ops().size());
        root.put("failed", history.ops().stream().filter(o -> !o.ok()).count());
        ArrayNode cs = root.putArray("checks");
        checks.forEach(c -> cs.addObject().put("name", c.name()).put("passed", c.passed()).put("figure", c.figure()));
        ArrayNode ev = root.putArray("events");
        timeline.events().forEach(e -> ev.addObject().put("seconds", (e.atMillis() - t0) / 1000.0).put("kind", e.kind())
                .put("detail", e.detail()));
        ObjectNode series = root.putObject("series");
        for (Chart c : charts) {
            ObjectNode n = series.putObject(c.title());
            c.series().forEach((name, points) -> {
                ArrayNode a = n.putArray(name);
                points.forEach(p -> a.addArray().add(p[0]).add(p[1]));
            });
        }
        Path jsonFile = dir.resolve("report.json");
        json.writeValue(jsonFile.toFile(), root);
        Path htmlFile = dir.resolve("report.html");
        java.nio.file.Files.writeString(htmlFile, html(s, checks, passed, timeline, charts, t0, history));
        return new Files(jsonFile, htmlFile);
    }

    static List<Chart> charts(History history, Timeline timeline, long t0) {
        Map<String, TreeMap<Long, Double>> requests = new TreeMap<>();
        TreeMap<Long, Double> errors = new TreeMap<>();
        TreeMap<Long, Histogram> latency = new TreeMap<>();
        for (History.Op op : history.ops()) {
            long second = (op.startMillis() - t0) / 1000;
            if (op.ok()) {
                String by = op.servedBy() != null ? op.servedBy() : op.home() + " (reads)";
                requests.computeIfAbsent(by, k -> new TreeMap<>()).merge(second, 1.0, Double::sum);
            } else {
                errors.merge(second, 1.0, Double::sum);
            }
            latency.computeIfAbsent(second, k -> new Histogram(3)).recordValue(Math.max(1, op.endMillis() - op.startMillis()));
        }
        Map<String, List<double[]>> req = new TreeMap<>();
        requests.forEach((r, m) -> req.put("served by " + r, points(m)));
        req.put("errors", points(errors));
        TreeMap<Long, Double> p99 = new TreeMap<>();
        latency.forEach((sec, h) -> p99.put(sec, (double) h.getValueAtPercentile(99)));
        Map<String, List<double[]>> share = new TreeMap<>();
        Map<String, List<double[]>> lag = new TreeMap<>();
        for (Timeline.Sample sample : timeline.samples()) {
            double x = (sample.atMillis() - t0) / 1000.0;
            sample.trafficShare().forEach((r, v) -> {
                if (v >= 0) {
                    share.computeIfAbsent(r, k -> new ArrayList<>()).add(new double[] {x, v});
                }
            });
            sample.lagMillis().forEach((pair, v) -> {
                if (v >= 0) {
                    lag.computeIfAbsent(pair, k -> new ArrayList<>()).add(new double[] {x, v});
                }
            });
        }
        return List.of(new Chart("requests per second", "req/s", req), new Chart("traffic share per region", "%", share),
                new Chart("p99 latency", "ms", Map.of("p99", points(p99))), new Chart("replication lag per region pair", "ms", lag));
    }

    private static List<double[]> points(TreeMap<Long, Double> m) {
        List<double[]> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new double[] {k, v}));
        return out;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String html(Drill.Settings s, List<Drill.Check> checks, boolean passed, Timeline timeline, List<Chart> charts,
            long t0, History history) {
        double maxX = 1;
        for (Chart c : charts) {
            for (List<double[]> pts : c.series().values()) {
                for (double[] p : pts) {
                    maxX = Math.max(maxX, p[0]);
                }
            }
        }
        for (Timeline.Event e : timeline.events()) {
            maxX = Math.max(maxX, (e.atMillis() - t0) / 1000.0);
        }
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Meridian drill: ")
                .append(esc(s.scenario().label())).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}")
                .append(".pass{color:#1a7f37}.fail{color:#cf222e}table{border-collapse:collapse}td,th{padding:4px 10px;")
                .append("border-bottom:1px solid #ddd;text-align:left}svg{background:#fafafa;border:1px solid #ddd;margin:8px 0}")
                .append("line.event{stroke:#888;stroke-dasharray:4 3}line.event.hot{stroke:#000;stroke-width:2}")
                .append("text{font-size:11px}</style></head><body>");
        b.append("<h1>Drill <code>").append(esc(s.scenario().label())).append("</code> on ").append(esc(s.target().name()))
                .append(": <span class=\"").append(passed ? "pass\">PASSED" : "fail\">FAILED").append("</span></h1>");
        b.append("<p>").append(history.ops().size()).append(" operations, ")
                .append(history.ops().stream().filter(o -> !o.ok()).count()).append(" failed; ")
                .append(s.ratePerRegion()).append(" ops/s per region; seed ").append(s.seed()).append("</p>");
        b.append("<h2>Checks</h2><table><tr><th>check</th><th>result</th><th>figure</th></tr>");
        for (Drill.Check c : checks) {
            b.append("<tr><td>").append(esc(c.name())).append("</td><td class=\"").append(c.passed() ? "pass\">pass" : "fail\">FAIL")
                    .append("</td><td>").append(esc(c.figure())).append("</td></tr>");
        }
        b.append("</table><h2>Over time</h2>");
        for (Chart c : charts) {
            b.append(svg(c, timeline, t0, maxX));
        }
        b.append("<h2>Events</h2><table><tr><th>time</th><th>event</th><th>detail</th></tr>");
        for (Timeline.Event e : timeline.events()) {
            b.append("<tr data-event=\"").append(esc(e.kind())).append("\"><td>")
                    .append(String.format(Locale.ROOT, "%.1f s", (e.atMillis() - t0) / 1000.0)).append("</td><td>")
                    .append(esc(e.kind())).append("</td><td>").append(esc(e.detail())).append("</td></tr>");
        }
        b.append("</table>");
        // hovering an event row highlights its marker on every chart; marks the page as rendered
        b.append("<script>(function(){var rows=document.querySelectorAll('tr[data-event]');rows.forEach(function(r){")
                .append("r.addEventListener('mouseenter',function(){document.querySelectorAll('line.event[data-event=\"'+")
                .append("r.dataset.event+'\"]').forEach(function(l){l.classList.add('hot');});});r.addEventListener('mouseleave',")
                .append("function(){document.querySelectorAll('line.event.hot').forEach(function(l){l.classList.remove('hot');});});});")
                .append("document.body.setAttribute('data-charts',String(document.querySelectorAll('svg.chart').length));})();</script>");
        b.append("</body></html>\n");
        return b.toString();
    }

    private static String svg(Chart c, Timeline timeline, long t0, double maxX) {
        int w = 1000;
        int h = 220;
        int left = 60;
        int right = 210;
        int top = 24;
        int bottom = 30;
        double maxY = 1;
        for (List<double[]> pts : c.series().values()) {
            for (double[] p : pts) {
                maxY = Math.max(maxY, p[1]);
            }
        }
        maxY *= 1.1;
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        StringBuilder b = new StringBuilder();
        b.append("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h).append("\"><text x=\"").append(left).append("\" y=\"16\" ")
                .append("font-weight=\"bold\">").append(esc(c.title())).append(" (").append(esc(c.unit())).append(")</text>");
        b.append("<line x1=\"").append(left).append("\" y1=\"").append(top + plotH).append("\" x2=\"").append(left + plotW)
                .append("\" y2=\"").append(top + plotH).append("\" stroke=\"#333\"/>");
        for (int i = 0; i <= 4; i++) {
            double v = maxY * i / 4;
            double y = top + plotH - plotH * i / 4;
            b.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%.1f\">%.0f</text><line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" "
                    + "y2=\"%.1f\" stroke=\"#eee\"/>", y + 4, v, left, y, left + plotW, y));
        }
        for (int i = 0; i <= 5; i++) {
            double x = left + plotW * i / 5;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.0f s</text>", x - 8, h - 8, maxX * i / 5));
        }
        int row = 0;
        for (Timeline.Event e : timeline.events()) {
            double x = left + plotW * ((e.atMillis() - t0) / 1000.0) / maxX;
            int labelY = top + 10 + 11 * (row++ % 4); // staggered so close events stay readable
            b.append(String.format(Locale.ROOT, "<line class=\"event\" data-event=\"%s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\">"
                    + "<title>%s: %s</title></line><text x=\"%.1f\" y=\"%d\" fill=\"#666\">%s</text>", esc(e.kind()), x, top, x,
                    top + plotH, esc(e.kind()), esc(e.detail()), x + 2, labelY, esc(e.kind())));
        }
        int color = 0;
        int legendY = top + 10;
        for (Map.Entry<String, List<double[]>> series : new TreeMap<>(c.series()).entrySet()) {
            String col = series.getKey().equals("errors") ? "#cf222e" : COLORS[color++ % COLORS.length];
            StringBuilder path = new StringBuilder();
            double lastX = Double.NEGATIVE_INFINITY;
            for (double[] p : series.getValue()) {
                double x = left + plotW * p[0] / maxX;
                double y = top + plotH - plotH * p[1] / maxY;
                // a gap of more than 2.5 s (no data: a region unreachable) is not drawn as a line
                path.append(path.length() == 0 || p[0] - lastX > 2.5 ? "M" : "L")
                        .append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
                lastX = p[0];
            }
            if (path.length() > 0) {
                b.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(col).append("\" stroke-width=\"1.6\"/>");
            }
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" "
                    + "y=\"%d\">%s</text>", left + plotW + 10, legendY - 9, col, left + plotW + 24, legendY, esc(series.getKey())));
            legendY += 15;
        }
        if (c.series().isEmpty()) {
            b.append("<text x=\"").append(left + 10).append("\" y=\"").append(top + 40).append("\">no data</text>");
        }
        b.append("</svg>");
        return b.toString();
    }

}
