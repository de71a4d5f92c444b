package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * G1 across regions: region-b's server (and with it its appliers) is killed with kill -9 while region-a
 * takes writes; after the restart every write region-a acknowledged is in region-b.
 */
@ExtendWith(LocalClusterExtension.class)
class ApplierCrashIT {

    @Test
    void everyAcknowledgedWriteReachesTheOtherRegionThroughAKilledApplier(
            LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.region(RegionId.of("region-a"));
        RegionEndpoints b = cluster.region(RegionId.of("region-b"));
        MeridianClient inA = MeridianClient.builder().homeRegion(a.region()).endpoint(a.region(), URI.create(a.serverUrl()))
                .operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory()))
                .requestTimeout(Duration.ofSeconds(5)).build();
        MeridianClient inB = MeridianClient.builder().homeRegion(b.region()).endpoint(b.region(), URI.create(b.serverUrl()))
                .credentials(io.meridian.localcluster.ClusterCredentials.APP, io.meridian.localcluster.ClusterCredentials.of(cluster.directory()).app()).requestTimeout(Duration.ofSeconds(5)).build();
        inA.createNamespace("applier_crash_it");

        List<String> acknowledged = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                try {
                    inA.put("applier_crash_it", "w" + i, Map.of(Bytes.utf8("n"), Bytes.utf8("w" + i)));
                    acknowledged.add("w" + i);
                } catch (MeridianClientException e) {
                    // not acknowledged
                }
            }
        }, "applier-crash-writer");
        writer.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 100);
            cluster.kill(b.region(), Component.SERVER);
            int atKill = acknowledged.size();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= atKill + 100);
            cluster.start(b.region());
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= atKill + 200);
        } finally {
            stop.set(true);
            writer.join(60_000);
            ClusterHygiene.restore(cluster); // region-b may have been evacuated while its server was down
        }
        System.out.printf("region-a acknowledged %d writes around the kill of region-b's applier%n", acknowledged.size());
        Awaitility.await("region-b has every acknowledged write").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                .ignoreExceptionsInstanceOf(MeridianClientException.NotFound.class)
                .untilAsserted(() -> {
                    for (String id : acknowledged) {
                        assertThat(inB.get("applier_crash_it", id).text("n")).as(id).hasValue(id);
                    }
                });
    }
}
