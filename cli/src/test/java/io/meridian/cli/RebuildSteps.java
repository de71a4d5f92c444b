package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.core.Bytes;
import io.meridian.localcluster.ClusterCredentials;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.internal.EmbeddedBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;

/**
 * A region that lost data gets it back under traffic (hardening issue, case 6 and the rebuild), as steps of
 * {@link LocalCommandIT} on its three-region cluster: a log gap (the source log deleted mutations the region never
 * read) marks it as needing repair, in status and health, and the restore gate refuses it; the gc_grace guard
 * survives a server restart (the same restart); then the region is killed, its Cassandra wiped while the other
 * regions keep taking writes, {@code meridian rebuild} brings it back, every acknowledged write is there and
 * {@code meridian verify} passes.
 */
final class RebuildSteps {

    private static final String NS = "rebuild_it";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final Path dir;
    private final List<RegionEndpoints> regions;
    private final String operatorAuth;
    private final ClusterCredentials credentials;

    RebuildSteps(Path dir) {
        this.dir = dir;
        this.regions = new EmbeddedBackend().attach(dir).regions();
        this.credentials = ClusterCredentials.of(dir);
        this.operatorAuth = credentials.basic(ClusterCredentials.OPERATOR);
        CliRun ns = CliRun.of("namespace", "create", NS, "--dir", dir.toString());
        assertThat(ns.exitCode()).as(ns.err()).isZero();
        // a region an earlier step stopped may have been evacuated automatically; every step here starts from all serving,
        // except a region the gap step left needing repair (evacuated on purpose; only the rebuild brings it back)
        for (RegionEndpoints r : regions) {
            Awaitility.await(r.region() + " serving").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                String state = get("region-b", "/v1/router/plan").path("regions").path(r.region().name()).path("state").asText();
                if ("SERVING".equals(state) || get(r.region().name(), "/v1/replication").hasNonNull("needsRepair")) {
                    return true;
                }
                CliRun.of("restore", r.region().name(), "--steps", "100", "--reason", "test setup", "--dir", dir.toString());
                return false;
            });
        }
    }

    RegionEndpoints region(String name) {
        return regions.stream().filter(r -> r.region().name().equals(name)).findFirst().orElseThrow();
    }

    MeridianClient client(String home) {
        RegionEndpoints r = region(home);
        return MeridianClient.builder().homeRegion(r.region()).endpoint(r.region(), URI.create(r.serverUrl()))
                .credentials(ClusterCredentials.APP, credentials.app()).followRoutingPlan(Duration.ZERO)
                .requestTimeout(Duration.ofSeconds(10)).maxAttempts(1).build();
    }

    JsonNode get(String region, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(region(region).serverUrl() + path))
                .header("Authorization", operatorAuth).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /**
     * Region-c goes away while it is cut off from region-a (so the gc_grace guard counts), its log positions fall
     * behind what region-a's log still holds, and a second {@code local up} brings it back: the guard's lag still
     * counts from before the restart, and once the link heals the gap marks region-c as needing repair.
     */
    void aLogGapWhileTheRegionWasAwayMarksItAndTheGcGraceGuardSurvivesTheRestart(Callable<JsonNode> status, String basePort,
            List<Long> seenPids) throws Exception {
        assertThat(CliRun.of("local", "partition", "region-a", "region-c", "--dir", dir.toString()).exitCode()).isZero();
        try {
            Awaitility.await("region-c cannot read region-a").atMost(Duration.ofSeconds(60))
                    .until(() -> lagFrom("region-c", "region-a") > 10_000);
            // stopping one component leaves the others
            assertThat(CliRun.of("local", "stop", "region-c", "--component", "server", "--dir", dir.toString()).exitCode()).isZero();
            assertThat(regionC(status.call()).path("server").path("status").asText()).isEqualTo("down");
            assertThat(CliRun.of("local", "stop", "region-c", "--component", "kafka", "--dir", dir.toString()).exitCode()).isZero();
            JsonNode away = regionC(status.call());
            assertThat(away.path("kafka").path("status").asText()).isEqualTo("down");
            assertThat(away.path("cassandra").path("status").asText()).isEqualTo("up");

            try (MeridianClient a = client("region-a")) {
                for (int i = 0; i < 20; i++) {
                    a.put(NS, "gap-" + i, "k", "written while region-c was away");
                }
            }
            for (String r : List.of("region-a", "region-b")) { // they read it all (their positions are past what is deleted)
                Awaitility.await(r + " caught up").atMost(Duration.ofSeconds(60)).until(() -> {
                    for (JsonNode s : get(r, "/v1/replication").path("sources")) {
                        if (s.path("source").asText().equals("region-a") && !s.path("caughtUp").asBoolean()) {
                            return false;
                        }
                    }
                    return true;
                });
            }
            // retention (here: an operator's delete) removes what region-c never read
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, region("region-a").kafkaBootstrap()))) {
                var partitions = admin.describeTopics(List.of("meridian.mutations")).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get("meridian.mutations").partitions();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                partitions.forEach(p -> latest.put(new TopicPartition("meridian.mutations", p.partition()), OffsetSpec.latest()));
                Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                        .forEach((tp, o) -> delete.put(tp, RecordsToDelete.beforeOffset(o.offset())));
                admin.deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
            }

            // a second up on the running cluster refuses another shape and starts what is down
            CliRun other = CliRun.of("local", "up", "--regions", "2", "--base-port", basePort, "--dir", dir.toString());
            assertThat(other.exitCode()).isEqualTo(2);
            assertThat(other.reason()).contains("a 3-region cluster is already running");
            CliRun again = CliRun.of("local", "up", "--regions", "3", "--base-port", basePort, "--dir", dir.toString());
            assertThat(again.exitCode()).as(again.err()).isZero();
            assertThat(again.out()).contains("already running").contains("region-c  kafka     ready in")
                    .contains("region-c  server    ready in");
            JsonNode back = regionC(status.call());
            assertThat(back.path("kafka").path("status").asText()).isEqualTo("up");
            assertThat(back.path("server").path("status").asText()).isEqualTo("up");
            seenPids.add(back.path("kafka").path("pid").asLong());
            seenPids.add(back.path("server").path("pid").asLong());

            // the gc_grace guard: still cut off, the lag bound counts from before the restart
            Awaitility.await("status after restart").atMost(Duration.ofSeconds(60)).until(() -> lagFrom("region-c", "region-a") >= 0);
            assertThat(lagFrom("region-c", "region-a")).as("the lag bound counts from before the restart").isGreaterThan(10_000);
        } finally {
            CliRun.of("local", "heal", "region-a", "region-c", "--dir", dir.toString());
        }

        Awaitility.await("region-c reports the gap").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> get("region-c", "/v1/replication").path("needsRepair").asText("").contains("log gap from region-a"));
        Awaitility.await("health says so").atMost(Duration.ofSeconds(30)).until(() ->
                get("region-c", "/v1/router/health").path("alerts").toString().contains("needs repair"));
        CliRun st = CliRun.of("status", "--dir", dir.toString());
        assertThat(st.out()).contains("needs repair");
        CliRun evacuate = CliRun.of("evacuate", "region-c", "--steps", "100", "--reason", "lost data", "--dir", dir.toString());
        // stopping region-c's server above may already have failed it over (evacuated automatically): either is fine
        assertThat(evacuate.exitCode() == 0 || evacuate.err().contains("region-c is EVACUATED")).as(evacuate.err()).isTrue();
        // refused throughout; first possibly for health (observers are still judging region-c's restarted server on
        // the loaded machine), then because it needs repair
        java.util.concurrent.atomic.AtomicReference<CliRun> refused = new java.util.concurrent.atomic.AtomicReference<>();
        Awaitility.await("restore refused because region-c needs repair").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(2)).until(() -> {
                    CliRun restore = CliRun.of("restore", "region-c", "--steps", "100", "--reason", "too early", "--dir", dir.toString());
                    refused.set(restore);
                    return restore.exitCode() != Meridian.CHECK_FAILED || restore.err().contains("needs repair");
                });
        assertThat(refused.get().exitCode()).as(refused.get().err()).isEqualTo(Meridian.CHECK_FAILED);
        assertThat(refused.get().err()).contains("needs repair");
        // a region with a gap is no source for a rebuild: refused before anything stops, region-b untouched
        CliRun fromGapped = CliRun.of("rebuild", "region-b", "--from", "region-c", "--dir", dir.toString());
        assertThat(fromGapped.exitCode()).as(fromGapped.out()).isEqualTo(2);
        assertThat(fromGapped.err()).contains("region-c needs repair itself");
        assertThat(get("region-b", "/v1/replication").path("appliersRunning").asBoolean()).isTrue();
    }

    private static JsonNode regionC(JsonNode status) {
        for (JsonNode r : status.path("regions")) {
            if (r.path("name").asText().equals("region-c")) {
                return r;
            }
        }
        throw new AssertionError("no region-c in " + status);
    }

    long lagFrom(String region, String source) throws Exception {
        for (JsonNode s : get(region, "/v1/replication").path("sources")) {
            if (s.path("source").asText().equals(source)) {
                return s.path("lagMillis").asLong();
            }
        }
        return -1;
    }

    void aWipedRegionIsRebuiltUnderTrafficWithEveryAcknowledgedWriteAndVerifyPasses(Callable<JsonNode> status, List<Long> seenPids)
            throws Exception {
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (String home : List.of("region-a", "region-b")) {
            Thread t = new Thread(() -> {
                try (MeridianClient c = client(home)) {
                    for (int i = 0; !stop.get(); i++) {
                        String id = home + "-" + i;
                        try {
                            c.put(NS, id, "k", "v" + i);
                            acknowledged.put(id, "v" + i);
                        } catch (MeridianClientException e) {
                            // not acknowledged: need not be there
                        }
                        Thread.sleep(50); // a steady trickle of traffic, not a wait for a condition
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "rebuild-it-writer-" + home);
            t.start();
            writers.add(t);
        }
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() > 50);
            // wipe region-c's Cassandra: every file of its data, while the others keep writing
            // stop kills every process of the region (kill -9)
            JsonNode before = regionC(status.call());
            long cassandra = before.path("cassandra").path("pid").asLong();
            long kafka = before.path("kafka").path("pid").asLong();
            long server = before.path("server").path("pid").asLong();
            CliRun kill = CliRun.of("local", "stop", "region-c", "--dir", dir.toString());
            assertThat(kill.exitCode()).isZero();
            assertThat(kill.out()).contains("killed region-c cassandra (pid " + cassandra + ")",
                    "killed region-c kafka (pid " + kafka + ")", "killed region-c server (pid " + server + ")");
            for (long pid : List.of(cassandra, kafka, server)) {
                assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid).isEmpty();
            }
            JsonNode down = regionC(status.call());
            assertThat(down.path("cassandra").path("status").asText()).isEqualTo("down");
            assertThat(down.path("kafka").path("status").asText()).isEqualTo("down");
            Path home = dir.resolve("region-c").resolve("cassandra");
            for (String d : List.of("data", "commitlog", "saved_caches", "hints")) {
                deleteTree(home.resolve(d));
            }
            CliRun start = CliRun.of("local", "start", "region-c", "--dir", dir.toString());
            assertThat(start.exitCode()).as(start.err()).isZero();
            JsonNode up = regionC(status.call());
            for (String engine : List.of("cassandra", "kafka", "server")) {
                assertThat(up.path(engine).path("status").asText()).as(engine).isEqualTo("up");
                seenPids.add(up.path(engine).path("pid").asLong());
            }
            assertThat(up.path("cassandra").path("pid").asLong()).isNotEqualTo(cassandra);
            CliRun rebuild = CliRun.of("rebuild", "region-c", "--from", "region-a", "--dir", dir.toString());
            assertThat(rebuild.exitCode()).as(rebuild.err()).isZero();
            assertThat(rebuild.out()).contains("cell(s) copied", "has caught up", "repair converged");
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() > 200);
        } finally {
            stop.set(true);
            for (Thread t : writers) {
                t.join(30_000);
            }
        }
        Awaitility.await("verify passes").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(5))
                .until(() -> CliRun.of("verify", "--dir", dir.toString()).exitCode() == Meridian.OK);
        try (MeridianClient c = client("region-c")) {
            for (Map.Entry<String, String> w : acknowledged.entrySet()) {
                assertThat(c.get(NS, w.getKey()).text("k")).as(w.getKey()).contains(w.getValue());
            }
        }
        System.out.println("rebuild under traffic: " + acknowledged.size() + " acknowledged writes, all in region-c");
        assertThat(get("region-c", "/v1/replication").path("needsRepair").isNull()).as("the rebuild cleared the flag").isTrue();
        Awaitility.await("restore accepted once region-c is whole and healthy").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(2)).until(() -> CliRun.of("restore", "region-c", "--steps", "100", "--reason",
                        "rebuilt", "--dir", dir.toString()).exitCode() == Meridian.OK);
    }

    private static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
