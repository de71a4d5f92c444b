package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server's metrics in Prometheus' text format on the admin port (issue 15): what a scraper gets after a write,
 * from a real server of the shared cluster.
 */
@ExtendWith(LocalClusterExtension.class)
class PrometheusMetricsIT {

    private static final Pattern APPENDS = Pattern.compile("(?m)^meridian_writes_append\\S*_count\\S*\\s+([0-9.eE+]+)");

    @Test
    void aWriteShowsInThePrometheusScrapeOfItsServer(LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.regions().get(0);
        String ns = "prometheus_it";
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + ns, "{}", Http.operator(cluster)).status()).isIn(200, 201);
        String item = "{\"items\":[{\"key\":\"" + Base64.getEncoder().encodeToString("k".getBytes()) + "\",\"value\":\""
                + Base64.getEncoder().encodeToString("v".getBytes()) + "\"}]}";
        Awaitility.await("the write is acknowledged").atMost(Duration.ofSeconds(60)).until(() ->
                Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + ns + "/records/r1", item).status() == 200);

        Http.Answer scrape = Http.anonymous("GET", a.serverAdminUrl() + "/metrics/prometheus", null);
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.raw().headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(scrape.body()).contains("meridian_writes_in_flight").contains("meridian_reads_in_flight")
                .contains("meridian_writes_overloaded").contains("jvm_memory_heap_used");
        Matcher m = APPENDS.matcher(scrape.body());
        assertThat(m.find()).as("the append timer of the write path: %s", scrape.body().lines()
                .filter(l -> l.startsWith("meridian_writes")).toList()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isGreaterThanOrEqualTo(1);
    }
}
