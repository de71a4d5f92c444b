package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.client.CallOptions;
import io.meridian.client.MeridianClient;
import io.meridian.core.Traceparent;
import io.meridian.localcluster.ClusterCredentials;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A write can be followed by its trace (issue 15, observability): the caller's W3C traceparent reaches the server, which
 * logs the write with the trace id and puts the trace on the log record, and every other region's applier logs the
 * same trace id when it applies the write. On real engines, shared cluster; the trace logger is set back afterwards.
 */
@ExtendWith(LocalClusterExtension.class)
class TraceIT {

    static final String NS = "trace_it";

    @Test
    void aWriteIsLoggedWithItsCallersTraceWhereItIsWrittenAndInEveryRegionThatAppliesIt(LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.regions().get(0);
        for (RegionEndpoints r : cluster.regions()) {
            level(r, "DEBUG");
        }
        try (MeridianClient client = MeridianClient.builder().homeRegion(a.region()).endpoint(a.region(), URI.create(a.serverUrl()))
                .operator(ClusterCredentials.OPERATOR, ClusterCredentials.of(cluster.directory()).operator()).build()) {
            client.createNamespace(NS);
            Traceparent caller = Traceparent.newTrace();
            client.mutate(NS, "followed", io.meridian.client.RecordChange.builder().put("k", "v").build(),
                    CallOptions.defaults().withTraceparent(caller));
            for (RegionEndpoints r : cluster.regions()) {
                String expected = r.region().equals(a.region()) ? "wrote " + NS + "/followed" : "applied " + NS + "/followed";
                Path log = cluster.directory().resolve(r.region().name()).resolve("server.log");
                Awaitility.await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(Files.readAllLines(log))
                        .as(r.region() + "'s log names the caller's trace").anyMatch(line -> line.contains(expected)
                                && line.contains("trace=" + caller.traceId())));
            }
            // an invalid traceparent is ignored (W3C), the write is not refused for it
            Http.Answer put = Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + NS + "/records/untraced",
                    "{\"items\":[{\"key\":\"aw==\",\"value\":\"dg==\"}]}", java.util.Map.of("traceparent", "not-a-trace"));
            assertThat(put.status()).isEqualTo(200);
        } finally {
            for (RegionEndpoints r : cluster.regions()) {
                level(r, "INFO");
            }
        }
    }

    /** Dropwizard's log-level task on the region's admin port (loopback). */
    private static void level(RegionEndpoints r, String level) throws Exception {
        Http.Answer set = Http.send("POST", r.serverAdminUrl() + "/tasks/log-level?logger=" + Traceparent.LOGGER + "&level=" + level, "");
        assertThat(set.status()).as(set.body()).isEqualTo(200);
    }
}
