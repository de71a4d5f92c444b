package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.store.StoreEndpoint;
import io.meridian.store.StoreSchema;
import io.meridian.store.Verifier;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Digests per token range: identical once replication caught up; a row removed behind Meridian's back is found. */
@ExtendWith(LocalClusterExtension.class)
class VerifyIT {

    static final String NS = "verify_it";

    @Test
    void regionsAreIdenticalAfterReplicationAndADivergentRangeIsReported(LocalCluster cluster) {
        RegionEndpoints a = cluster.regions().get(0);
        RegionEndpoints b = cluster.regions().get(1);
        MeridianClient inA = MeridianClient.builder().homeRegion(a.region()).endpoint(a.region(), URI.create(a.serverUrl())).operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory())).build();
        MeridianClient inB = MeridianClient.builder().homeRegion(b.region()).endpoint(b.region(), URI.create(b.serverUrl()))
                .credentials(io.meridian.localcluster.ClusterCredentials.APP, io.meridian.localcluster.ClusterCredentials.of(cluster.directory()).app()).build();
        inA.createNamespace(NS);
        for (int i = 0; i < 20; i++) {
            inA.put(NS, "a-" + i, "k", "from a " + i);
            inB.put(NS, "b-" + i, "k", "from b " + i);
        }
        for (MeridianClient c : List.of(inA, inB)) {
            Awaitility.await("replicated").atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(MeridianClientException.NotFound.class)
                    .untilAsserted(() -> {
                        for (int i = 0; i < 20; i++) {
                            assertThat(c.get(NS, "a-" + i).items()).hasSize(1);
                            assertThat(c.get(NS, "b-" + i).items()).hasSize(1);
                        }
                    });
        }
        List<StoreEndpoint> stores = cluster.regions().stream().map(RegionEndpoints::store).toList();
        try (Verifier verifier = new Verifier(stores, StoreSchema.DEFAULT_KEYSPACE)) {
            Verifier.Result same = verifier.verify(List.of(NS), 16, line -> { });
            assertThat(same.identical()).as(same.differences().toString()).isTrue();
            assertThat(same.rangesChecked()).isEqualTo(16);
            assertThat(same.rowsRead()).isEqualTo(40L * cluster.regions().size());

            try (CqlSession direct = b.store().connect()) {
                direct.execute("DELETE FROM " + StoreSchema.defaultNamespaceTable(NS) + " WHERE id = 'a-3'"); // behind Meridian's back
            }
            Verifier.Result diverged = verifier.verify(List.of(NS), 16, line -> { });
            assertThat(diverged.identical()).isFalse();
            assertThat(diverged.differences()).hasSize(1);
            Verifier.Difference d = diverged.differences().get(0);
            assertThat(d.byRegion().get(a.region()).rows()).isEqualTo(d.byRegion().get(b.region()).rows() + 1);
        }
    }
}
