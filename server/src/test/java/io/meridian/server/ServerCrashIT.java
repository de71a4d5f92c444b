package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.localcluster.junit.PrivateCluster;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * G1 on the write path: a server killed with kill -9 while a client writes. Every write the client saw
 * acknowledged is readable after the server is back.
 */
@ExtendWith(LocalClusterExtension.class)
class ServerCrashIT {

    private static final RegionId A = RegionId.of("region-a");

    @Test
    void everyAcknowledgedWriteSurvivesAKilledServer(
            @PrivateCluster(regions = 1, servers = PrivateCluster.Servers.YES) LocalCluster cluster) throws Exception {
        RegionEndpoints r = cluster.region(A);
        MeridianClient client = MeridianClient.builder().homeRegion(A).endpoint(A, URI.create(r.serverUrl()))
                .requestTimeout(Duration.ofSeconds(5)).maxAttempts(3).operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory())).build();
        client.createNamespace("crash_it");

        List<String> acknowledged = new CopyOnWriteArrayList<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                String id = "w" + i;
                try {
                    client.put("crash_it", id, Map.of(io.meridian.core.Bytes.utf8("n"), io.meridian.core.Bytes.utf8(id)));
                    acknowledged.add(id);
                } catch (MeridianClientException e) {
                    failed.incrementAndGet(); // not acknowledged: no promise made
                }
            }
        }, "crash-it-writer");
        writer.start();
        try {
            Awaitility.await("writes before the crash").atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 50);
            int beforeKill = acknowledged.size();
            cluster.kill(A, Component.SERVER);
            Awaitility.await("the client notices").atMost(Duration.ofSeconds(60)).until(() -> failed.get() > 0);
            cluster.start(A);
            Awaitility.await("writes after the restart").atMost(Duration.ofSeconds(120))
                    .until(() -> acknowledged.size() >= beforeKill + 50);
        } finally {
            stop.set(true);
            writer.join(60_000);
        }
        System.out.printf("acknowledged %d writes, %d failed around the crash%n", acknowledged.size(), failed.get());
        for (String id : acknowledged) {
            assertThat(client.get("crash_it", id).text("n")).as("acknowledged write " + id).hasValue(id);
        }
    }
}
