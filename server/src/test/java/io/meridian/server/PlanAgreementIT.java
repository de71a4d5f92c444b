package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Plan changes are agreed between the regions' routers over HTTP, with each region's acceptor in its own
 * Cassandra: a change made through one region is the same version everywhere, and the audit records it.
 * Shared cluster (3 regions: a majority must agree).
 */
@ExtendWith(LocalClusterExtension.class)
class PlanAgreementIT {

    @Test
    void aChangeThroughOneRegionIsAgreedAndSeenWithTheSameVersionInEveryRegion(LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.regions().get(0);
        RegionEndpoints b = cluster.regions().get(1);
        long before = Http.send("GET", a.serverUrl() + "/v1/router/plan", null).json().path("version").asLong();
        Http.Answer evacuate = Http.send("POST", a.serverUrl() + "/v1/router/evacuate", "{\"region\":\"region-b\",\"steps\":[25,50,100],"
                + "\"bakeSeconds\":600,\"reason\":\"agreement test\"}", Http.operator(cluster));
        assertThat(evacuate.status()).as(evacuate.body()).isEqualTo(200);
        assertThat(evacuate.json().path("version").asLong()).isEqualTo(before + 1);
        Awaitility.await("region-b learns it").atMost(Duration.ofSeconds(30)).until(() ->
                Http.send("GET", b.serverUrl() + "/v1/router/plan", null).json().path("version").asLong() == before + 1);
        Http.Answer abort = Http.send("POST", b.serverUrl() + "/v1/router/abort", "{\"reason\":\"agreement test over\"}",
                Http.operator(cluster));
        assertThat(abort.status()).as(abort.body()).isEqualTo(200);
        assertThat(abort.json().path("version").asLong()).isEqualTo(before + 2);
        Awaitility.await("region-a learns it").atMost(Duration.ofSeconds(30)).until(() ->
                Http.send("GET", a.serverUrl() + "/v1/router/plan", null).json().path("version").asLong() == before + 2);
        assertThat(Http.send("GET", a.serverUrl() + "/v1/router/plan", null).json().path("regions").path("region-b").path("state")
                .asText()).isEqualTo("SERVING");
    }
}
