package io.meridian.localcluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStateTest {

    @TempDir
    Path dir;

    private ClusterState sample() {
        return new ClusterState("embedded", dir, 19_000, Path.of("/usr/bin/java"), 768, 384, 256, 16, List.of(
                new RegionEndpoints(RegionId.of("region-a"), "region-a", "127.0.0.1:19042", 11, "127.0.0.1:19092", 12,
                        "http://127.0.0.1:19080", "http://127.0.0.1:19081", 13),
                new RegionEndpoints(RegionId.of("region-b"), "region-b", "127.0.0.1:19142", 0, "127.0.0.1:19192", 22)), 31);
    }

    @Test
    void savesAndLoadsTheBriefsLayout() throws Exception {
        sample().save();
        String json = Files.readString(dir.resolve("cluster.json"));
        assertThat(json).contains("\"contactPoint\" : \"127.0.0.1:19042\"", "\"bootstrap\" : \"127.0.0.1:19092\"",
                "\"name\" : \"region-a\"", "\"url\" : \"http://127.0.0.1:19080\"", "\"adminUrl\" : \"http://127.0.0.1:19081\"");
        ClusterState loaded = ClusterState.load(dir);
        assertThat(loaded).isEqualTo(sample());
        assertThat(loaded.region(RegionId.of("region-b")).pid(Component.CASSANDRA)).isEmpty();
        assertThat(loaded.region(RegionId.of("region-b")).pid(Component.KAFKA)).hasValue(22);
        assertThat(loaded.region(RegionId.of("region-a")).pid(Component.SERVER)).hasValue(13);
        assertThat(loaded.region(RegionId.of("region-b")).hasServer()).isFalse();
        assertThat(loaded.proxyPid()).isEqualTo(31);
        // region-b's appliers read region-a's Kafka through the proxy route a->b: block 19000 + 60 + index 1
        assertThat(loaded.kafkaFor(RegionId.of("region-a"), RegionId.of("region-b"))).isEqualTo("127.0.0.1:19061");
        assertThat(loaded.kafkaFor(RegionId.of("region-b"), RegionId.of("region-a"))).isEqualTo("127.0.0.1:19160");
        assertThat(loaded.kafkaFor(RegionId.of("region-a"), RegionId.of("region-a"))).isEqualTo("127.0.0.1:19092");
    }

    @Test
    void updatingAPidRewritesOnlyThatRegion() {
        ClusterState s = sample().withRegion(sample().region(RegionId.of("region-a")).withPid(Component.KAFKA, 99));
        assertThat(s.region(RegionId.of("region-a")).kafkaPid()).isEqualTo(99);
        assertThat(s.region(RegionId.of("region-a")).cassandraPid()).isEqualTo(11);
        assertThat(s.region(RegionId.of("region-b"))).isEqualTo(sample().region(RegionId.of("region-b")));
    }

    @Test
    void unknownRegionAndMissingFileAreReportedClearly() {
        assertThatThrownBy(() -> sample().region(RegionId.of("region-z")))
                .hasMessageContaining("unknown region 'region-z'").hasMessageContaining("region-a");
        assertThatThrownBy(() -> ClusterState.load(dir)).isInstanceOfSatisfying(LocalClusterException.class,
                e -> assertThat(e.kind()).isEqualTo(LocalClusterException.Kind.NO_CLUSTER));
    }

    @Test
    void aTornFileIsBadInputNotGarbage() throws Exception {
        Files.writeString(dir.resolve("cluster.json"), "{\"regions\": [ {\"name\": \"Bad Name\"");
        assertThatThrownBy(() -> ClusterState.load(dir)).isInstanceOf(LocalClusterException.class)
                .hasMessageContaining("cannot read");
    }
}
