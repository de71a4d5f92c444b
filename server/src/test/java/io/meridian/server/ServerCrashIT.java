package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.core.RegionId;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * G1 on the write path: a server halts (as kill -9 would) while a client writes, at a failpoint: exactly after a
 * write's append and before its local apply, or after the local apply and before the answer. Every write the client
 * saw acknowledged is readable after the server is back, and so is the halted write, in every region: the restarted
 * server's own applier lands it (a write the dead process had applied and remembered as "skip" is simply applied
 * again — that memory died with it).
 */
@ExtendWith(LocalClusterExtension.class)
class ServerCrashIT {

    private static final RegionId A = RegionId.of("region-a");

    @ParameterizedTest(name = "halted at {0}")
    @ValueSource(strings = {"after-append", "after-apply"})
    void everyAcknowledgedWriteSurvivesAKilledServer(String failpoint, LocalCluster cluster) throws Exception {
        RegionEndpoints r = cluster.region(A);
        MeridianClient client = MeridianClient.builder().homeRegion(A).endpoint(A, URI.create(r.serverUrl()))
                .requestTimeout(Duration.ofSeconds(5)).maxAttempts(1).operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory())).build();
        try (MeridianClient admin = MeridianClient.builder().homeRegion(A).endpoint(A, URI.create(r.serverUrl()))
                .requestTimeout(Duration.ofSeconds(60)).operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory())).build()) {
            admin.createNamespace("crash_it"); // DDL in every region: seconds on a loaded machine, more than a write's 5 s
        }
        String prefix = failpoint + "-";

        List<String> acknowledged = new CopyOnWriteArrayList<>();
        List<String> attempted = new CopyOnWriteArrayList<>();
        int[] armedAt = {0};
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                String id = prefix + i;
                attempted.add(id);
                try {
                    client.put("crash_it", id, Map.of(io.meridian.core.Bytes.utf8("n"), io.meridian.core.Bytes.utf8(id)));
                    acknowledged.add(id);
                } catch (MeridianClientException e) {
                    failed.incrementAndGet(); // not acknowledged: no promise made
                    try {
                        Thread.sleep(50); // a client backs off; a tight loop would only slow the restart down
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }, "crash-it-writer");
        writer.start();
        try {
            Awaitility.await("writes before the crash").atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 50);
            int beforeKill = acknowledged.size();
            armedAt[0] = attempted.size();
            Http.Answer armed = Http.send("POST", r.serverAdminUrl() + "/tasks/failpoint?name=" + failpoint + "&after=5", "");
            assertThat(armed.status()).as(armed.body()).isEqualTo(200);
            Awaitility.await("the server halts at " + failpoint).atMost(Duration.ofSeconds(60))
                    .until(() -> cluster.serverStatus(A, 0) == io.meridian.localcluster.EngineStatus.DOWN);
            Awaitility.await("the client notices").atMost(Duration.ofSeconds(60)).until(() -> failed.get() > 0);
            cluster.start(A);
            Awaitility.await("writes after the restart").atMost(Duration.ofSeconds(120))
                    .until(() -> acknowledged.size() >= beforeKill + 50);
        } finally {
            stop.set(true);
            writer.join(60_000);
            ClusterHygiene.restore(cluster); // region-a may have been evacuated while its server was down
        }
        System.out.printf("acknowledged %d writes, %d failed around the crash%n", acknowledged.size(), failed.get());
        for (String id : acknowledged) {
            assertThat(client.get("crash_it", id).text("n")).as("acknowledged write " + id).hasValue(id);
        }
        // the halted write was in the log (after-append: only there; after-apply: applied in region-a too, never
        // answered): every region has it once the appliers ran (the origin's too)
        String halted = attempted.subList(armedAt[0], attempted.size()).stream().filter(id -> !acknowledged.contains(id))
                .findFirst().orElseThrow();
        for (RegionEndpoints each : cluster.regions()) {
            Awaitility.await(halted + " in " + each.region()).atMost(Duration.ofSeconds(120)).until(() ->
                    Http.send("GET", each.serverUrl() + "/v1/namespaces/crash_it/records/" + halted, null).status() == 200);
        }
    }
}
