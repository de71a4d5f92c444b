package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code meridian local} end to end on real engines: up (three regions), status --json with live pids, the data
 * commands, then ({@link RebuildSteps}) a region whose server and Kafka are stopped while it is cut off, a second up
 * on the running cluster that starts them again, a log gap and the gc_grace guard across that restart, a stop
 * (kill -9) of a whole region whose Cassandra is then wiped and rebuilt under traffic, and down leaving no process
 * behind. The steps share one cluster and run in order (one engine restart of each kind, the suite's slowest
 * class); {@link #stopEverything()} brings it down even when a step fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalCommandIT {

    private static final Path DIR = Path.of(System.getProperty("meridian.test.dir", "target/it-clusters"), "cli")
            .toAbsolutePath().normalize();
    private static final String BASE_PORT = "26000"; // below the kernel's ephemeral ports (32768+), which outgoing connections take
    private static final List<Long> SEEN_PIDS = new ArrayList<>();

    @BeforeAll
    static void upThreeRegions() {
        CliRun.of("local", "down", "--clean", "--dir", DIR.toString()); // leftovers of a crashed run
        CliRun up = CliRun.of("local", "up", "--regions", "3", "--base-port", BASE_PORT, "--dir", DIR.toString());
        assertThat(up.exitCode()).as(up.err()).isZero();
        assertThat(up.out()).contains("region-a  cassandra starting", "region-a  kafka     starting")
                .containsPattern("region-a  cassandra ready in \\d+\\.\\d s")
                .contains("127.0.0.1:26042", "127.0.0.1:26092", "http://127.0.0.1:26080",
                        "cluster.json: " + DIR.resolve("cluster.json"));
    }

    @AfterAll
    static void stopEverything() {
        CliRun.of("local", "down", "--clean", "--dir", DIR.toString());
    }

    static JsonNode statusJson() throws Exception {
        CliRun status = CliRun.of("local", "status", "--json", "--dir", DIR.toString());
        assertThat(status.exitCode()).isZero();
        return new ObjectMapper().readTree(status.out());
    }

    private static long pid(JsonNode status, String engine) {
        long pid = status.path("regions").get(0).path(engine).path("pid").asLong();
        if (pid > 0) {
            SEEN_PIDS.add(pid);
        }
        return pid;
    }

    @Test
    @Order(1)
    void statusJsonShowsLivePidsAndEndpoints() throws Exception {
        JsonNode s = statusJson();
        JsonNode a = s.path("regions").get(0);
        assertThat(a.path("name").asText()).isEqualTo("region-a");
        assertThat(a.path("cassandra").path("contactPoint").asText()).isEqualTo("127.0.0.1:26042");
        assertThat(a.path("kafka").path("bootstrap").asText()).isEqualTo("127.0.0.1:26092");
        assertThat(a.path("cassandra").path("status").asText()).isEqualTo("up");
        assertThat(a.path("kafka").path("status").asText()).isEqualTo("up");
        for (String engine : List.of("cassandra", "kafka")) {
            long pid = pid(s, engine);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as(engine).hasValue(true);
        }
        // the file the brief names holds the same
        JsonNode file = new ObjectMapper().readTree(Files.readString(DIR.resolve("cluster.json")));
        assertThat(file.path("regions").get(0).path("cassandra").path("pid").asLong()).isEqualTo(pid(s, "cassandra"));
    }

    @Test
    @Order(2)
    void namespacePutGetDeleteThroughTheServer() throws Exception {
        CliRun create = CliRun.of("namespace", "create", "demo", "--dir", DIR.toString());
        assertThat(create.exitCode()).as(create.err()).isZero();
        assertThat(create.out()).contains("namespace demo ready in every region");
        CliRun put = CliRun.of("put", "region-a", "demo", "user1", "name=Ada", "city=London", "--dir", DIR.toString());
        assertThat(put.exitCode()).as(put.err()).isZero();
        assertThat(put.out()).startsWith("ok: written in region-a at timestamp ");
        CliRun get = CliRun.of("get", "region-a", "demo", "user1", "--dir", DIR.toString());
        assertThat(get.exitCode()).isZero();
        assertThat(get.out()).contains("name = Ada", "city = London");
        CliRun json = CliRun.of("get", "region-a", "demo", "user1", "--json", "--dir", DIR.toString());
        JsonNode items = new ObjectMapper().readTree(json.out()).path("items");
        assertThat(items).hasSize(2);
        assertThat(items.get(1).path("value").asText()).isEqualTo("Ada");
        assertThat(CliRun.of("delete", "region-a", "demo", "user1", "city", "--dir", DIR.toString()).exitCode()).isZero();
        assertThat(CliRun.of("get", "region-a", "demo", "user1", "--dir", DIR.toString()).out()).doesNotContain("London");
        assertThat(CliRun.of("delete", "region-a", "demo", "user1", "--dir", DIR.toString()).exitCode()).isZero();
        CliRun gone = CliRun.of("get", "region-a", "demo", "user1", "--dir", DIR.toString());
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.reason()).contains("has no items");
        CliRun badNs = CliRun.of("put", "region-a", "x; DROP TABLE", "id", "k=v", "--dir", DIR.toString());
        assertThat(badNs.exitCode()).isEqualTo(2);
        assertThat(badNs.reason()).contains("invalid namespace name");
        CliRun noEq = CliRun.of("put", "region-a", "demo", "id", "novalue", "--dir", DIR.toString());
        assertThat(noEq.exitCode()).isEqualTo(2);
        assertThat(noEq.reason()).isEqualTo("meridian: item 'novalue' is not KEY=VALUE");
        CliRun unknownNs = CliRun.of("get", "region-a", "nope", "id", "--dir", DIR.toString());
        assertThat(unknownNs.exitCode()).isEqualTo(1);
        assertThat(unknownNs.reason()).contains("namespace 'nope' does not exist");
    }

    @Test
    @Order(2)
    void statusShowsHealthAndReplicationPerRegionPair() {
        org.awaitility.Awaitility.await("caught up").atMost(java.time.Duration.ofSeconds(60)).untilAsserted(() -> {
            CliRun status = CliRun.of("status", "--dir", DIR.toString());
            assertThat(status.exitCode()).isZero();
            assertThat(status.out()).containsPattern("region-a\\s+healthy\\s+HEALTHY\\s+cassandra=healthy\\s+kafka=healthy\\s+replication=healthy")
                    .containsPattern("region-a\\s+region-a\\s+0\\s+0\\s+\\d+\\s+0\\s+0\\s+caught up");
        });
        CliRun verify = CliRun.of("verify", "--dir", DIR.toString());
        assertThat(verify.exitCode()).as(verify.out()).isZero();
        assertThat(verify.out()).contains("identical: ");
        CliRun json = CliRun.of("status", "--json", "--dir", DIR.toString());
        assertThat(json.exitCode()).isZero();
        assertThat(json.out()).contains("\"caughtUp\" : true", "\"source\" : \"region-a\"");
    }

    @Test
    @Order(2)
    void anUnknownRegionOfARunningClusterIsBadInput() {
        CliRun run = CliRun.of("local", "stop", "region-q", "--dir", DIR.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: unknown region 'region-q': this cluster has [region-a, region-b, region-c]");
        CliRun start = CliRun.of("local", "start", "region-q", "--dir", DIR.toString());
        assertThat(start.exitCode()).isEqualTo(2);
    }

    @Test
    @Order(3)
    void aLogGapWhileTheRegionWasAwayMarksItAndTheGcGraceGuardSurvivesTheRestart() throws Exception {
        new RebuildSteps(DIR).aLogGapWhileTheRegionWasAwayMarksItAndTheGcGraceGuardSurvivesTheRestart(LocalCommandIT::statusJson,
                BASE_PORT, SEEN_PIDS);
    }

    @Test
    @Order(4)
    void aWipedRegionIsRebuiltUnderTrafficWithEveryAcknowledgedWriteAndVerifyPasses() throws Exception {
        new RebuildSteps(DIR).aWipedRegionIsRebuiltUnderTrafficWithEveryAcknowledgedWriteAndVerifyPasses(LocalCommandIT::statusJson,
                SEEN_PIDS);
    }

    @Test
    @Order(5)
    void downLeavesNoProcessBehind() {
        CliRun down = CliRun.of("local", "down", "--dir", DIR.toString());
        assertThat(down.exitCode()).isZero();
        assertThat(down.out()).startsWith("stopped region-a cassandra");
        assertThat(SEEN_PIDS).isNotEmpty();
        for (long pid : SEEN_PIDS) {
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid).isEmpty();
        }
        String marker = "-Dmeridian.cluster=" + DIR;
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(a -> List.of(a).contains(marker)).orElse(false)).toList()).isEmpty();
        assertThat(Files.exists(DIR.resolve("cluster.json"))).isFalse();
        assertThat(CliRun.of("local", "status", "--dir", DIR.toString()).exitCode()).isEqualTo(3);
    }
}
