package io.meridian.drills;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.localcluster.junit.PrivateCluster;
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

/** The two drills CI runs, short, on a private three-region cluster: each must pass every check. */
@ExtendWith(LocalClusterExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillIT {

    private static LocalCluster cluster;

    @TempDir
    Path reports;

    @BeforeAll
    static void start(@PrivateCluster(regions = 3, servers = PrivateCluster.Servers.YES) LocalCluster c) {
        cluster = c;
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
        assertThat(html).contains("<svg class=\"chart\"").contains("evacuated").doesNotContain("src=\"http");
        return o;
    }

    @Test
    @Order(1)
    void plannedEvacuationPassesEveryCheck() throws Exception {
        Drill.Outcome o = run(Drill.Scenario.PLANNED_EVACUATION);
        assertThat(o.checks()).allSatisfy(c -> assertThat(c.passed()).as(c.name() + ": " + c.figure()).isTrue());
        assertThat(o.checks()).extracting(Drill.Check::name).contains("failed requests: none", "restore only after catch-up");
    }

    @Test
    @Order(2)
    void regionOutagePassesEveryCheck() throws Exception {
        Drill.Outcome o = run(Drill.Scenario.REGION_OUTAGE);
        assertThat(o.checks()).allSatisfy(c -> assertThat(c.passed()).as(c.name() + ": " + c.figure()).isTrue());
        assertThat(o.passed()).isTrue();
    }
}
