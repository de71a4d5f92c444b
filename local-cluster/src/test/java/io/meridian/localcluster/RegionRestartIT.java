package io.meridian.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.localcluster.junit.PrivateCluster;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Destructive: kill -9 of a region's engines, restart with their data, and a clean stop. */
@ExtendWith(LocalClusterExtension.class)
class RegionRestartIT {

    private static final RegionId A = RegionId.of("region-a");

    @Test
    void killedEnginesComeBackWithTheirDataAndCloseLeavesNoProcess(@PrivateCluster(regions = 1) LocalCluster cluster)
            throws Exception {
        RegionEndpoints before = cluster.region(A);
        EngineRoundTrip.writeRow(before, "restart_it", "survivor", "written before kill -9");
        EngineRoundTrip.createTopic(before, "restart-it");
        EngineRoundTrip.produce(before, "restart-it", "k", "committed before kill -9");

        cluster.kill(A, Component.CASSANDRA);
        assertThat(ProcessHandle.of(before.cassandraPid()).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(cluster.status(A, Component.CASSANDRA)).isEqualTo(EngineStatus.DOWN);
        assertThat(cluster.status(A, Component.KAFKA)).isEqualTo(EngineStatus.UP);

        cluster.kill(A, Component.KAFKA);
        assertThat(ProcessHandle.of(before.kafkaPid()).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(cluster.status(A, Component.KAFKA)).isEqualTo(EngineStatus.DOWN);

        cluster.start(A);
        RegionEndpoints after = cluster.region(A);
        assertThat(after.cassandraPid()).isNotEqualTo(before.cassandraPid()).isPositive();
        assertThat(after.kafkaPid()).isNotEqualTo(before.kafkaPid()).isPositive();
        assertThat(EngineRoundTrip.readRow(after, "restart_it", "survivor")).isEqualTo("written before kill -9");
        assertThat(EngineRoundTrip.consume(after, "restart-it", 1)).containsExactly("committed before kill -9");

        List<Long> pids = List.of(after.cassandraPid(), after.kafkaPid());
        cluster.close();
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid + " after close").isEmpty();
        }
        assertThat(Files.exists(cluster.directory().resolve("cluster.json"))).isFalse();
    }

    @Test
    void enginesLeftByACrashedRunAreStoppedByTheNextStart(@PrivateCluster(regions = 1) LocalCluster crashed)
            throws Exception {
        RegionEndpoints old = crashed.region(A);
        EngineRoundTrip.writeRow(old, "stale_it", "kept", "from the crashed run");
        // the run "crashes": it forgets its engines without stopping them, and its cluster.json is lost
        crashed.detach();
        Files.delete(crashed.directory().resolve("cluster.json"));

        List<String> reaped = new java.util.concurrent.CopyOnWriteArrayList<>();
        ClusterSpec spec = ClusterSpec.builder().basePort(old.cassandraPort() - 42).regions(1).servers(false)
                .directory(crashed.directory()).build();
        try (LocalCluster again = EngineBackend.fromConfiguration().start(spec, new StartListener() {
            @Override
            public void reaped(long pid, String what) {
                reaped.add(pid + " " + what);
            }
        })) {
            assertThat(reaped).containsExactlyInAnyOrder(old.cassandraPid() + " region-a/cassandra",
                    old.kafkaPid() + " region-a/kafka");
            assertThat(ProcessHandle.of(old.cassandraPid()).filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(ProcessHandle.of(old.kafkaPid()).filter(ProcessHandle::isAlive)).isEmpty();
            // same directory: the data of the crashed run is still there
            assertThat(EngineRoundTrip.readRow(again.region(A), "stale_it", "kept")).isEqualTo("from the crashed run");
        }
    }
}
