package io.meridian.drills;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The drill's report: {@code report.json} (settings, checks, events, per-second series) and a self-contained
 * {@code report.html} with requests/s and errors per region, traffic share per region, p99 latency, and replication
 * lag per region pair over time, each with the event timeline marked on it. The charts are drawn by uPlot (the
 * {@code org.webjars.npm:uplot} webjar), inlined with the data so the page needs no network. A series with no point
 * for more than {@link #GAP_SECONDS} (a region unreachable) is drawn with a gap, not a line across it; event labels
 * are stacked in rows so none overlaps another (the page counts overlaps in {@code data-label-overlaps}).
 */
final class Report {

    record Files(Path json, Path html) {
    }

    /** One chart: series name → points (seconds since start, value). */
    record Chart(String title, String unit, Map<String, List<double[]>> series) {
    }

    /** One event on the timeline, in seconds since the start. */
    record Event(double seconds, String kind, String detail) {
    }

    /** What the page shows: from a drill run or from its {@code report.json}. */
    record Page(String scenario, String target, boolean passed, long seed, long operations, long failed, int ratePerRegion,
            List<Drill.Check> checks, List<Event> events, List<Chart> charts) {
    }

    /** One series as the page's script gets it: its points, gap markers included. */
    private record SeriesData(String name, List<Double[]> points) {
    }

    /** A series silent for longer than this (seconds) is drawn with a gap. */
    static final double GAP_SECONDS = 2.5;
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";

    private Report() { }

    static Files write(Path dir, Drill.Settings s, History history, Timeline timeline, List<Drill.Check> checks, boolean passed,
            long t0) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        long failed = history.ops().stream().filter(o -> !o.ok()).count();
        List<Event> events = timeline.events().stream().map(e -> new Event((e.atMillis() - t0) / 1000.0, e.kind(), e.detail()))
                .toList();
        Page page = new Page(s.scenario().label(), s.target().name(), passed, s.seed(), history.ops().size(), failed,
                s.ratePerRegion(), checks, events, charts(history, timeline, t0));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = toJson(json, page);
        root.put("durationSeconds", s.duration().toSeconds());
        root.put("startedAt", t0);
        Path jsonFile = dir.resolve("report.json");
        json.writeValue(jsonFile.toFile(), root);
        Path htmlFile = dir.resolve("report.html");
        java.nio.file.Files.writeString(htmlFile, html(page));
        return new Files(jsonFile, htmlFile);
    }

    private static ObjectNode toJson(ObjectMapper json, Page page) {
        ObjectNode root = json.createObjectNode();
        root.put("scenario", page.scenario());
        root.put("target", page.target());
        root.put("passed", page.passed());
        root.put("seed", page.seed());
        root.put("ratePerRegion", page.ratePerRegion());
        root.put("operations", page.operations());
        root.put("failed", page.failed());
        ArrayNode cs = root.putArray("checks");
        page.checks().forEach(c -> cs.addObject().put("name", c.name()).put("passed", c.passed()).put("figure", c.figure()));
        ArrayNode ev = root.putArray("events");
        page.events().forEach(e -> ev.addObject().put("seconds", e.seconds()).put("kind", e.kind()).put("detail", e.detail()));
        ObjectNode series = root.putObject("series");
        for (Chart c : page.charts()) {
            ObjectNode n = series.putObject(c.title());
            n.put("unit", c.unit());
            c.series().forEach((name, points) -> {
                ArrayNode a = n.putArray(name);
                points.forEach(p -> a.addArray().add(p[0]).add(p[1]));
            });
        }
        return root;
    }

    /** The page of a {@code report.json} (to render an old run again, e.g. for docs/drill-report.png). */
    static Page fromJson(JsonNode root) {
        List<Drill.Check> checks = new ArrayList<>();
        root.path("checks").forEach(c -> checks.add(new Drill.Check(c.path("name").asText(), c.path("passed").asBoolean(),
                c.path("figure").asText())));
        List<Event> events = new ArrayList<>();
        root.path("events").forEach(e -> events.add(new Event(e.path("seconds").asDouble(), e.path("kind").asText(),
                e.path("detail").asText())));
        Map<String, String> units = Map.of("requests per second", "req/s", "traffic share per region", "%", "p99 latency", "ms",
                "replication lag per region pair", "ms");
        List<Chart> charts = new ArrayList<>();
        root.path("series").fields().forEachRemaining(c -> {
            Map<String, List<double[]>> series = new TreeMap<>();
            c.getValue().fields().forEachRemaining(s -> {
                if (s.getValue().isArray()) {
                    List<double[]> points = new ArrayList<>();
                    s.getValue().forEach(p -> points.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()}));
                    series.put(s.getKey(), points);
                }
            });
            charts.add(new Chart(c.getKey(), c.getValue().path("unit").asText(units.getOrDefault(c.getKey(), "")), series));
        });
        return new Page(root.path("scenario").asText(), root.path("target").asText(), root.path("passed").asBoolean(),
                root.path("seed").asLong(), root.path("operations").asLong(), root.path("failed").asLong(),
                root.path("ratePerRegion").asInt(), checks, events, charts);
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

    /**
     * A series' points for the chart, with a gap marker ({@code [x, null]} halfway) wherever two consecutive points
     * lie more than {@link #GAP_SECONDS} apart: the chart breaks the line there instead of drawing a slope across the
     * silence.
     */
    static List<Double[]> withGaps(List<double[]> points) {
        List<Double[]> out = new ArrayList<>();
        double last = Double.NaN;
        for (double[] p : points) {
            if (!Double.isNaN(last) && p[0] - last > GAP_SECONDS) {
                out.add(new Double[] {(last + p[0]) / 2, null});
            }
            out.add(new Double[] {p[0], p[1]});
            last = p[0];
        }
        return out;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String html(Page p) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Meridian drill: ")
                .append(esc(p.scenario())).append("</title><style>").append(resource(UPLOT + "uPlot.min.css"))
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}")
                .append(".pass{color:#1a7f37}.fail{color:#cf222e}table{border-collapse:collapse}td,th{padding:4px 10px;")
                .append("border-bottom:1px solid #ddd;text-align:left}.chart{margin:12px 0 20px}")
                .append("tr.hot{background:#fff3c4}</style></head><body>");
        b.append("<h1>Drill <code>").append(esc(p.scenario())).append("</code> on ").append(esc(p.target()))
                .append(": <span class=\"").append(p.passed() ? "pass\">PASSED" : "fail\">FAILED").append("</span></h1>");
        b.append("<p>").append(p.operations()).append(" operations, ").append(p.failed()).append(" failed; ")
                .append(p.ratePerRegion()).append(" ops/s per region; seed ").append(p.seed()).append("</p>");
        b.append("<h2>Checks</h2><table><tr><th>check</th><th>result</th><th>figure</th></tr>");
        for (Drill.Check c : p.checks()) {
            b.append("<tr><td>").append(esc(c.name())).append("</td><td class=\"").append(c.passed() ? "pass\">pass" : "fail\">FAIL")
                    .append("</td><td>").append(esc(c.figure())).append("</td></tr>");
        }
        b.append("</table><h2>Over time</h2><div id=\"charts\"></div>");
        b.append("<h2>Events</h2><table><tr><th>#</th><th>time</th><th>event</th><th>detail</th></tr>");
        int n = 0;
        for (Event e : p.events()) {
            b.append("<tr data-event=\"").append(n).append("\"><td>").append(++n).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f s", e.seconds())).append("</td><td>")
                    .append(esc(e.kind())).append("</td><td>").append(esc(e.detail())).append("</td></tr>");
        }
        b.append("</table>");
        // the data as JSON in a non-executed script element: '<' escaped so no value can close the element
        b.append("<script type=\"application/json\" id=\"report-data\">").append(chartData(p).replace("<", "\\u003c"))
                .append("</script><script>").append(resource(UPLOT + "uPlot.iife.min.js")).append("</script><script>")
                .append(resource("io/meridian/drills/report.js")).append("</script>");
        b.append("</body></html>\n");
        return b.toString();
    }

    private static String chartData(Page p) {
        ObjectMapper json = new ObjectMapper();
        Map<String, Object> data = new LinkedHashMap<>();
        List<Map<String, Object>> charts = new ArrayList<>();
        for (Chart c : p.charts()) {
            Map<String, Object> chart = new LinkedHashMap<>();
            chart.put("title", c.title());
            chart.put("unit", c.unit());
            List<SeriesData> series = new ArrayList<>();
            new TreeMap<>(c.series()).forEach((name, points) -> series.add(new SeriesData(name, withGaps(points))));
            chart.put("series", series);
            charts.add(chart);
        }
        data.put("charts", charts);
        data.put("events", p.events());
        try {
            return json.writeValueAsString(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = Report.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the classpath (the uPlot webjar, drills' resources)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
