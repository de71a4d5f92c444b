package io.meridian.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Testcontainers backend runs the same round trips on the {@code cassandra:5.0} and
 * {@code apache/kafka} images. Skipped, with the reason, where no Docker engine runs.
 */
class DockerBackendIT {

    @Test
    void dockerRegionAnswersCqlAndKafkaAndSurvivesAKill() throws Exception {
        EngineBackend docker = EngineBackend.named("docker");
        Assumptions.assumeTrue(docker.isAvailable(), () -> "skipped: " + docker.unavailableReason());
        ClusterSpec spec = ClusterSpec.builder().regions(1).basePort(35_000).servers(false)
                .directory(Path.of(System.getProperty("meridian.test.dir", "target/it-clusters"), "docker")).build();
        try (LocalCluster cluster = docker.start(spec, StartListener.NONE)) {
            RegionEndpoints r = cluster.region(RegionId.of("region-a"));
            EngineRoundTrip.writeRow(r, "docker_it", "k", "v");
            EngineRoundTrip.createTopic(r, "docker-it");
            EngineRoundTrip.produce(r, "docker-it", "k", "v");
            cluster.kill(r.region(), Component.CASSANDRA);
            assertThat(cluster.status(r.region(), Component.CASSANDRA)).isEqualTo(EngineStatus.DOWN);
            cluster.start(r.region());
            assertThat(EngineRoundTrip.readRow(r, "docker_it", "k")).isEqualTo("v");
            assertThat(EngineRoundTrip.consume(r, "docker-it", 1)).containsExactly("v");
        }
    }
}
