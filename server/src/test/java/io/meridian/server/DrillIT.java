package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import io.meridian.drills.Drill;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drills CI runs, short, on this module's shared three-region cluster: each must pass every check, and the
 * cluster is put back as every test expects it afterwards ({@link ClusterHygiene}). The planned-evacuation drill is
 * not run here: the hostile-client drill evacuates and restores region-a under the same checks (no failed request,
 * evacuation and restore times, restore only after catch-up, verify), and RouterIT covers the stepped evacuation.
 */
@ExtendWith(LocalClusterExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillIT {

    private static LocalCluster cluster;

    @TempDir
    Path reports;

    @BeforeAll
    static void start(LocalCluster c) throws Exception {
        cluster = c;
        ClusterHygiene.restore(c); // a drill starts with every region serving
    }

    @org.junit.jupiter.api.AfterEach
    void hygiene() throws Exception {
        ClusterHygiene.restore(cluster);
    }

    private Drill.Outcome run(Drill.Scenario scenario) throws Exception {
        long seed = Long.getLong("meridian.test.seed", System.nanoTime());
        System.out.println(scenario.label() + " seed " + seed);
        Drill.Outcome o = Drill.run(cluster, new Drill.Settings(scenario, RegionId.of("region-a"), Duration.ofSeconds(12), 8, seed,
                reports.resolve(scenario.label()), Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(10)),
                System.out);
        o.checks().forEach(c -> System.out.println((c.passed() ? "  ok   " : "  FAIL ") + c.name() + ": " + c.figure()));
        assertThat(Files.readString(o.reportJson())).contains("\"scenario\" : \"" + scenario.label() + "\"");
        String html = Files.readString(o.reportHtml());
        // the charts are drawn in the page by the inlined uPlot from the embedded data (ReportRenderIT renders them)
        assertThat(html).contains("id=\"report-data\"").contains("replication lag per region pair").contains("uPlot")
                .contains("evacuated").doesNotContain("src=\"http");
        return o;
    }

    @Test
    @Order(2)
    void regionOutagePassesEveryCheck() throws Exception {
        Drill.Outcome o = run(Drill.Scenario.REGION_OUTAGE);
        assertThat(o.checks()).allSatisfy(c -> assertThat(c.passed()).as(c.name() + ": " + c.figure()).isTrue());
        assertThat(o.passed()).isTrue();
    }

    @Test
    @Order(3)
    void hostileClientPassesEveryCheck() throws Exception {
        Drill.Outcome o = run(Drill.Scenario.HOSTILE_CLIENT);
        assertThat(o.checks()).allSatisfy(c -> assertThat(c.passed()).as(c.name() + ": " + c.figure()).isTrue());
        assertThat(o.checks()).extracting(Drill.Check::name).contains("every hostile request refused (or, at the limits, accepted)",
                "the unappliable mutation dead-lettered in every region", "replication never stalled longer than the detection window");
    }
}
