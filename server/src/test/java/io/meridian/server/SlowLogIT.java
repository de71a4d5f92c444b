package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.meridian.client.CallOptions;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.client.RecordChange;
import io.meridian.client.WriteResult;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.RegionId;
import io.meridian.localcluster.ClusterCredentials;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stalled mutation log past the caller's deadline (issue 13's hardening, issue 15's deadlines), on real engines:
 * region-a's Kafka is frozen (SIGSTOP). A write with a short deadline ends near it, not after the append timeout
 * (10 s) or the attempts (20 s each): the server answers 504 "outcome unknown", the client Unavailable with
 * its token. After the thaw, the retry with that token is the one version everywhere (G1, G2): acknowledged
 * once, never lost, never doubled.
 */
@ExtendWith(LocalClusterExtension.class)
class SlowLogIT {

    static final String NS = "slow_log_it";

    @Test
    void aWriteStalledInTheLogEndsAtItsDeadlineAndItsRetryWithTheTokenIsTheOneVersion(LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.region(RegionId.of("region-a"));
        ClusterCredentials credentials = ClusterCredentials.of(cluster.directory());
        MeridianClient client = MeridianClient.builder().homeRegion(a.region()).endpoint(a.region(), URI.create(a.serverUrl()))
                .operator(ClusterCredentials.OPERATOR, credentials.operator()).requestTimeout(Duration.ofSeconds(20))
                .followRoutingPlan(Duration.ZERO).build();
        client.createNamespace(NS);
        client.put(NS, "before", "k", "v");
        RecordChange change = RecordChange.builder().put("k", "stalled").build();
        MeridianClientException.Unavailable failed;
        long rawMillis;
        Http.Answer raw;
        cluster.freeze(a.region(), Component.KAFKA);
        try {
            long t0 = System.nanoTime();
            failed = catchThrowableOfType(MeridianClientException.Unavailable.class, () -> client.mutate(NS, "stalled", change,
                    CallOptions.defaults().withDeadline(Duration.ofMillis(1500))));
            long clientMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(failed).as("the write fails while the log is frozen").isNotNull();
            System.out.printf("frozen log: the client answered after %d ms (deadline 1500 ms): %s%n", clientMillis, failed.getMessage());
            assertThat(clientMillis).as("near the deadline, not after the 10 s append timeout or a 20 s attempt").isLessThan(9_000);
            assertThat(failed.deadlineExceeded()).isTrue();
            assertThat(failed.outcomeUnknown()).as("it was sent and got no verdict: it may land").isTrue();
            assertThat(failed.token()).isPresent();

            long t1 = System.nanoTime();
            raw = Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + NS + "/records/raw",
                    "{\"items\":[{\"key\":\"aw==\",\"value\":\"dg==\"}]}", Map.of("Meridian-Deadline-Ms", "1500"));
            rawMillis = (System.nanoTime() - t1) / 1_000_000;
        } finally {
            cluster.thaw(a.region(), Component.KAFKA);
            ClusterHygiene.restore(cluster);
        }
        System.out.printf("frozen log: the server answered %d after %d ms (deadline 1500 ms)%n", raw.status(), rawMillis);
        assertThat(raw.status()).isEqualTo(504);
        assertThat(raw.json().path("reason").asText()).isEqualTo("deadline-passed");
        assertThat(raw.json().path("message").asText()).contains("outcome unknown");
        assertThat(rawMillis).as("the server stops waiting at the caller's deadline, not at its 10 s append timeout")
                .isLessThan(9_000);

        IdempotencyToken token = failed.token().orElseThrow();
        WriteResult retried = Awaitility.await("the retry with the token after the thaw").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1)).ignoreExceptionsInstanceOf(MeridianClientException.Unavailable.class)
                .until(() -> client.mutate(NS, "stalled", change, CallOptions.defaults().withIdempotencyToken(token)
                        .withDeadline(Duration.ofSeconds(30))), w -> true);
        assertThat(retried.timestamp()).as("the token's version, however often it arrived").isEqualTo(HybridLogicalClock.timestampOf(token));
        for (RegionEndpoints r : cluster.regions()) {
            MeridianClient there = MeridianClient.builder().homeRegion(r.region()).endpoint(r.region(), URI.create(r.serverUrl()))
                    .credentials(ClusterCredentials.APP, credentials.app()).followRoutingPlan(Duration.ZERO).build();
            Awaitility.await(r.region() + " has the one version").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptionsInstanceOf(MeridianClientException.class).untilAsserted(() ->
                            assertThat(there.get(NS, "stalled").items()).singleElement().satisfies(i -> {
                                assertThat(i.value().toUtf8()).isEqualTo("stalled");
                                assertThat(i.timestamp()).isEqualTo(retried.timestamp());
                            }));
            there.close();
        }
        client.close();
    }
}
