package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.time.Duration;
import java.util.Base64;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Health levels do not cascade (hardening issue, case 10): a namespace that exists in one region only holds a
 * partition in the other — an alert there (DEGRADED), never a reason to evacuate a region that serves — and once
 * the namespace exists everywhere the held mutations land and the alert clears. Shared cluster (3 regions).
 */
@ExtendWith(LocalClusterExtension.class)
class HealthLevelsIT {

    @Test
    void aHeldPartitionIsAnAlertNotAFailure(LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.regions().get(0);
        RegionEndpoints b = cluster.regions().get(1);
        String ns = "health_levels_it";
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + ns + "?scope=local", "{}", Http.operator(cluster)).status())
                .isIn(200, 201);
        String item = "{\"items\":[{\"key\":\"" + Base64.getEncoder().encodeToString("k".getBytes()) + "\",\"value\":\""
                + Base64.getEncoder().encodeToString("v".getBytes()) + "\"}]}";
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + ns + "/records/held", item).status()).isEqualTo(200);
        Awaitility.await("region-b holds the partition and says so").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Http.Answer h = Http.send("GET", b.serverUrl() + "/v1/router/health", null, Http.operator(cluster));
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.json().path("level").asText()).isEqualTo("DEGRADED");
            assertThat(h.json().path("alerts").toString()).contains("holds").contains(ns);
        });
        // longer than router.failAfter (5 s): a held partition never fails the region
        Awaitility.await("region-b keeps serving").during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1)).until(() -> "SERVING".equals(Http.send("GET", a.serverUrl() + "/v1/router/plan", null)
                        .json().path("regions").path(b.region().name()).path("state").asText()));
        for (RegionEndpoints other : cluster.regions().subList(1, cluster.regions().size())) {
            assertThat(Http.send("PUT", other.serverUrl() + "/v1/namespaces/" + ns + "?scope=local", "{}", Http.operator(cluster))
                    .status()).isIn(200, 201);
        }
        Awaitility.await("the held mutation lands").atMost(Duration.ofSeconds(60))
                .until(() -> Http.send("GET", b.serverUrl() + "/v1/namespaces/" + ns + "/records/held", null).status() == 200);
        Awaitility.await("the alert clears").atMost(Duration.ofSeconds(30)).until(() ->
                !Http.send("GET", b.serverUrl() + "/v1/router/health", null, Http.operator(cluster)).json().path("alerts").toString()
                        .contains("holds"));
    }
}
