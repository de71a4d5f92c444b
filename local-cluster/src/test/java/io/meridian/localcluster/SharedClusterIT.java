package io.meridian.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared cluster (3 regions by default): every region has working, independent engines. */
@ExtendWith(LocalClusterExtension.class)
class SharedClusterIT {

    @Test
    void everyRegionAnswersCqlAndKafkaRoundTrips(LocalCluster cluster) throws Exception {
        assertThat(cluster.regions()).hasSize(Integer.getInteger("meridian.test.regions", 3));
        for (RegionEndpoints r : cluster.regions()) {
            assertThat(cluster.status(r.region(), Component.CASSANDRA)).isEqualTo(EngineStatus.UP);
            assertThat(cluster.status(r.region(), Component.KAFKA)).isEqualTo(EngineStatus.UP);

            EngineRoundTrip.writeRow(r, "shared_it", "k1", "written in " + r.region());
            assertThat(EngineRoundTrip.readRow(r, "shared_it", "k1")).isEqualTo("written in " + r.region());

            EngineRoundTrip.createTopic(r, "shared-it");
            EngineRoundTrip.produce(r, "shared-it", "k1", "record of " + r.region());
            assertThat(EngineRoundTrip.consume(r, "shared-it", 1)).containsExactly("record of " + r.region());
        }
    }

    @Test
    void regionsAreSeparateRingsAndBrokers(LocalCluster cluster) throws Exception {
        // a row written in one region's Cassandra is not in another's: replication is Meridian's job
        var regions = cluster.regions();
        if (regions.size() < 2) {
            return;
        }
        EngineRoundTrip.writeRow(regions.get(0), "isolation_it", "only-here", "a");
        EngineRoundTrip.writeRow(regions.get(1), "isolation_it", "other", "b");
        assertThat(EngineRoundTrip.readRow(regions.get(1), "isolation_it", "only-here")).isNull();
        assertThat(regions.stream().map(RegionEndpoints::cassandraContactPoint).distinct()).hasSize(regions.size());
        assertThat(regions.stream().map(RegionEndpoints::kafkaBootstrap).distinct()).hasSize(regions.size());
    }

    @Test
    void clusterJsonRecordsLivePidsAndEndpoints(LocalCluster cluster) throws Exception {
        JsonNode json = new ObjectMapper().readTree(Files.readString(cluster.directory().resolve("cluster.json")));
        assertThat(json.path("regions")).hasSize(cluster.regions().size());
        for (JsonNode r : json.path("regions")) {
            assertThat(r.path("name").asText()).startsWith("region-");
            assertThat(r.path("cassandra").path("contactPoint").asText()).startsWith("127.0.0.1:");
            assertThat(r.path("kafka").path("bootstrap").asText()).startsWith("127.0.0.1:");
            for (String engine : new String[] {"cassandra", "kafka"}) {
                long pid = r.path(engine).path("pid").asLong();
                assertThat(ProcessHandle.of(pid)).as(engine + " pid " + pid).hasValueSatisfying(
                        p -> assertThat(p.isAlive()).isTrue());
            }
        }
    }
}
