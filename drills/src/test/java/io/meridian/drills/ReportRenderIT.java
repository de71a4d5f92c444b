package io.meridian.drills;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report opens in headless Chromium (Debian's {@code chromium}, installed here if missing and
 * possible; otherwise the test is skipped and says why) and its script runs to the end: it marks the
 * page with the number of charts it found, which only happens without a script error before it.
 */
class ReportRenderIT {

    @TempDir
    Path dir;

    static Path chromium() throws Exception {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        // the test setup installs Debian's chromium when it can (root, Debian's package servers reachable)
        Process p = new ProcessBuilder("sh", "-c", "command -v apt-get >/dev/null && [ \"$(id -u)\" = 0 ] && "
                + "(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1")
                .inheritIO().start();
        boolean done = p.waitFor(600, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        Path c = Path.of("/usr/bin/chromium");
        Assumptions.assumeTrue(Files.isExecutable(c),
                "skipped: headless Chromium is not installed and could not be installed here (apt-get as root)");
        return c;
    }

    @Test
    void theReportRendersItsChartsWithoutScriptErrors() throws Exception {
        long t0 = 1_000_000;
        History h = new History();
        Timeline t = new Timeline();
        for (int i = 0; i < 60; i++) {
            h.add(new History.Op(t0 + i * 500, t0 + i * 500 + 7, "region-a", i % 7 == 0 ? null : (i < 30 ? "region-a" : "region-b"),
                    History.Kind.PUT, "rec-" + i, "k0", "v" + i, i, i % 7 != 0, i % 7 == 0 ? "503" : null));
            // region-a->region-b's lag is unknown from 12 s to 20 s (no sample): a gap, not a line
            Map<String, Long> lag = i >= 24 && i < 40 ? Map.of("region-b->region-a", 5L)
                    : Map.of("region-a->region-b", (long) (i * 3), "region-b->region-a", 5L);
            t.sample(new Timeline.Sample(t0 + i * 500, Map.of("region-a", i < 30 ? 33.3 : 0.0, "region-b", i < 30 ? 33.3 : 50.0),
                    lag));
        }
        t.event(t0 + 10_000, "fault", "kill -9 <region-a> & co");
        t.event(t0 + 15_000, "evacuated", "automatically");
        // events close together: their labels must be stacked, never printed over each other
        t.event(t0 + 22_000, "caught-up", "region-a caught up");
        t.event(t0 + 22_050, "restore", "region-a in steps 50,100");
        t.event(t0 + 22_100, "restored", "region-a serving again");
        t.event(t0 + 22_150, "workload-stopped", "60 operations");
        // after the last sample: every chart still shows it (one time axis for all charts, events included)
        t.event(t0 + 40_000, "quiesced", "every region caught up");
        Drill.Settings s = new Drill.Settings(Drill.Scenario.REGION_OUTAGE, RegionId.of("region-a"), Duration.ofSeconds(30), 10, 1,
                dir, Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(10));
        Report.Files files = Report.write(dir, s, h, t, List.of(new Drill.Check("a check", true, "figure")), true, t0);
        Path chromium = chromium();
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0", "--dump-dom",
                files.html().toUri().toString()).redirectErrorStream(false).start();
        String dom = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(dom).contains("data-charts=\"4\"").contains("data-charts-drawn=\"4\"");
        assertThat(dom).as("event labels printed over each other").contains("data-label-overlaps=\"0\"");
        assertThat(dom).as("event labels with no room").contains("data-labels-hidden=\"0\"");
        assertThat(dom).as("7 events on each of 4 charts").contains("data-event-markers=\"28\"");
        String html = Files.readString(files.html());
        assertThat(html).as("self-contained").doesNotContain("src=\"http").contains("uPlot");
        // the silent stretch of region-a->region-b reaches the chart as a gap marker
        assertThat(html).containsPattern("\"name\":\"region-a->region-b\",\"points\":\\[(\\[[0-9.]+,[0-9.]+\\],)+\\[[0-9.]+,null\\]");
        assertThat(err).doesNotContain("Uncaught");
        // and the escaping held: the event text is shown, not interpreted
        assertThat(dom).contains("kill -9 &lt;region-a&gt; &amp; co");
    }
}
