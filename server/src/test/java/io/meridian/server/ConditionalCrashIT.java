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
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.net.URI;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A conditional write whose server is killed (halted by a failpoint, as kill -9) between its append and its apply, while
 * it holds the record's lock, on real engines (G1 for the conditional path): the write is in the log, so it lands in
 * every region; the lock ends by itself; the retry with the write's token answers success with the write's own
 * timestamp, and nothing is written twice. Shared cluster, restored afterwards.
 */
@ExtendWith(LocalClusterExtension.class)
class ConditionalCrashIT {

    static final RegionId A = RegionId.of("region-a");
    static final String NS = "conditional_crash_it";

    @Test
    void aConditionalWriteHaltedBetweenAppendAndApplyLandsAndItsRetryIsTheSameVersion(LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.region(A);
        String secret = ClusterCredentials.of(cluster.directory()).operator();
        MeridianClient client = MeridianClient.builder().homeRegion(A).endpoint(A, URI.create(a.serverUrl()))
                .requestTimeout(Duration.ofSeconds(10)).maxAttempts(1).followRoutingPlan(Duration.ZERO)
                .operator(ClusterCredentials.OPERATOR, secret).build();
        client.createNamespace(NS);
        RecordChange create = RecordChange.builder().ifAbsent("owner").put("owner", "first").build();
        MeridianClientException.Unavailable halted;
        try {
            Http.Answer armed = Http.send("POST", a.serverAdminUrl() + "/tasks/failpoint?name=after-append&after=1", "");
            assertThat(armed.status()).as(armed.body()).isEqualTo(200);
            halted = catchThrowableOfType(MeridianClientException.Unavailable.class, () -> client.mutate(NS, "owned", create));
            assertThat(halted).as("the server halted mid-write: no answer").isNotNull();
            assertThat(halted.outcomeUnknown()).isTrue();
            Awaitility.await("the server halts").atMost(Duration.ofSeconds(60)).until(() -> cluster.serverStatus(A, 0) == EngineStatus.DOWN);
            cluster.start(A);
        } finally {
            ClusterHygiene.restore(cluster);
        }
        IdempotencyToken token = halted.token().orElseThrow();
        long ts = HybridLogicalClock.timestampOf(token);
        for (RegionEndpoints r : cluster.regions()) {
            MeridianClient there = MeridianClient.builder().homeRegion(r.region()).endpoint(r.region(), URI.create(r.serverUrl()))
                    .credentials(ClusterCredentials.APP, ClusterCredentials.of(cluster.directory()).app()).followRoutingPlan(Duration.ZERO).build();
            Awaitility.await("the halted write lands in " + r.region()).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptionsInstanceOf(MeridianClientException.class)
                    .untilAsserted(() -> assertThat(there.get(NS, "owned").items()).singleElement()
                            .satisfies(i -> assertThat(i.timestamp()).isEqualTo(ts)));
            there.close();
        }
        // the lock the halted server held ends by itself; until then a retry is refused as not written (503) and retried
        WriteResult retried = Awaitility.await("the retry once the lock has ended").atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(2)).ignoreExceptionsInstanceOf(MeridianClientException.Unavailable.class)
                .until(() -> client.mutate(NS, "owned", create, CallOptions.defaults().withIdempotencyToken(token)), w -> true);
        assertThat(retried.timestamp()).as("the retry answers as the write did: its own version, not a second").isEqualTo(ts);
        MeridianClientException.ConditionFailed second = catchThrowableOfType(MeridianClientException.ConditionFailed.class,
                () -> client.mutate(NS, "owned", RecordChange.builder().ifAbsent("owner").put("owner", "second").build()));
        assertThat(second).as("another create of the same item fails against the landed one").isNotNull();
        assertThat(second.current()).containsValue(ts);
        client.close();
    }
}
