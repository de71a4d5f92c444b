package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.client.RecordChange;
import io.meridian.client.WriteResult;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import io.meridian.localcluster.ClusterCredentials;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.localcluster.junit.PrivateCluster;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Conditional writes on real engines with two server instances in the region (issue 15): two writes of one record with
 * the same condition, sent at once through different instances, are decided one at a time in the region — exactly one
 * succeeds, the other fails with the winner's version. On the two-region, two-instance cluster it shares (TwoByTwo); only
 * region-a's instances are used.
 */
@ExtendWith(LocalClusterExtension.class)
@org.junit.jupiter.api.Order(TwoByTwo.CONDITIONAL_WRITES)
class ConditionalWritesIT {

    static final String NS = "conditional_it";

    /** What one contender's call ended with: its result, or its exception. */
    record Outcome(WriteResult written, MeridianClientException failed) {
    }

    @Test
    void ofTwoConcurrentConditionalWritesThroughTwoInstancesExactlyOneSucceeds(
            @PrivateCluster(regions = 2, servers = PrivateCluster.Servers.YES, serversPerRegion = 2, shareAs = TwoByTwo.KEY)
            LocalCluster cluster)
            throws Exception {
        RegionEndpoints a = cluster.region(RegionId.of("region-a"));
        String secret = ClusterCredentials.of(cluster.directory()).operator();
        List<MeridianClient> viaInstance = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            viaInstance.add(MeridianClient.builder().homeRegion(a.region()).endpoint(a.region(), URI.create(a.servers().get(i).url()))
                    .operator(ClusterCredentials.OPERATOR, secret).requestTimeout(Duration.ofSeconds(20))
                    .followRoutingPlan(Duration.ZERO).build());
        }
        viaInstance.get(0).createNamespace(NS);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            int rounds = 20;
            for (int round = 0; round < rounds; round++) {
                String id = "create-" + round;
                List<Outcome> create = race(pool, viaInstance, i -> RecordChange.builder().ifAbsent("owner").put("owner", "instance-" + i)
                        .build(), id);
                assertThat(create).as("round %d: exactly one create wins", round).filteredOn(o -> o.written() != null).hasSize(1);
                Outcome winner = create.stream().filter(o -> o.written() != null).findFirst().orElseThrow();
                Outcome loser = create.stream().filter(o -> o.written() == null).findFirst().orElseThrow();
                assertThat(loser.failed()).isInstanceOfSatisfying(MeridianClientException.ConditionFailed.class, e ->
                        assertThat(e.current()).containsEntry(Bytes.utf8("owner"), winner.written().timestamp()));
                String stored = viaInstance.get(round % 2).get(NS, id).text("owner").orElseThrow();
                assertThat(stored).as("round %d: the winner's value is what is stored", round)
                        .isEqualTo("instance-" + create.indexOf(winner));

                // compare-and-set on the version both read: again exactly one
                long version = winner.written().timestamp();
                List<Outcome> update = race(pool, viaInstance, i -> RecordChange.builder().ifVersion("owner", version)
                        .put("owner", "updated-by-" + i).build(), id);
                assertThat(update).as("round %d: exactly one update of version %d wins", round, version)
                        .filteredOn(o -> o.written() != null).hasSize(1);
                assertThat(update).filteredOn(o -> o.failed() != null).singleElement()
                        .satisfies(o -> assertThat(o.failed()).isInstanceOf(MeridianClientException.ConditionFailed.class));
            }
            System.out.printf("%d rounds of two concurrent creates and two concurrent updates through two instances:"
                    + " one winner each%n", rounds);
            assertThatThrownBy(() -> viaInstance.get(1).mutate(NS, "create-0", RecordChange.builder().ifRecordAbsent()
                    .put("owner", "late").build())).isInstanceOf(MeridianClientException.ConditionFailed.class);
        } finally {
            pool.shutdownNow();
            viaInstance.forEach(MeridianClient::close);
        }
    }

    @Test
    void aCreateWhoseTokenHasTheWinnersTimestampIsRefusedNotTakenForTheWinnersRetry(
            @PrivateCluster(regions = 2, servers = PrivateCluster.Servers.YES, serversPerRegion = 2, shareAs = TwoByTwo.KEY)
            LocalCluster cluster)
            throws Exception {
        // two clients' tokens made in the same 32 µs with the same low nonce bits stamp one timestamp: CI on 2026-12-02 saw
        // both creates of a round told they won, the second taken for a retry of the first
        RegionEndpoints a = cluster.region(RegionId.of("region-a"));
        assertThat(Http.send("PUT", a.servers().get(0).url() + "/v1/namespaces/" + NS, "{}", Http.operator(cluster)).status()).isIn(200, 201);
        String url0 = a.servers().get(0).url() + "/v1/namespaces/" + NS + "/records/same-stamp/conditional";
        String url1 = a.servers().get(1).url() + "/v1/namespaces/" + NS + "/records/same-stamp/conditional";
        long micros = java.time.Instant.now().toEpochMilli() * 1000;
        String first = micros + "-0000000000000001";
        String second = micros + "-0000000000000021"; // 33: the same five low bits
        assertThat(io.meridian.core.HybridLogicalClock.timestampOf(io.meridian.core.IdempotencyToken.parse(second)))
                .isEqualTo(io.meridian.core.HybridLogicalClock.timestampOf(io.meridian.core.IdempotencyToken.parse(first)));
        Http.Answer won = Http.send("POST", url0, create("first"), java.util.Map.of("Idempotency-Token", first));
        assertThat(won.status()).as(won.body()).isEqualTo(200);
        long version = won.json().get("timestamp").asLong();
        Http.Answer lost = Http.send("POST", url1, create("second"), java.util.Map.of("Idempotency-Token", second));
        assertThat(lost.status()).as(lost.body()).isEqualTo(409);
        assertThat(lost.json().get("current").get(0).get("timestamp").asLong()).isEqualTo(version);
        Http.Answer retry = Http.send("POST", url1, create("first"), java.util.Map.of("Idempotency-Token", first));
        assertThat(retry.status()).as("the winner's retry, through the other instance: " + retry.body()).isEqualTo(200);
        assertThat(retry.json().get("timestamp").asLong()).isEqualTo(version);
        Http.Answer read = Http.send("GET", a.servers().get(1).url() + "/v1/namespaces/" + NS + "/records/same-stamp", null);
        assertThat(read.body()).contains(java.util.Base64.getEncoder().encodeToString("first".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** A conditional mutate's body: put {@code owner = value} if {@code owner} is absent. */
    private static String create(String value) {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        String key = b64.encodeToString("owner".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return "{\"puts\": [{\"key\": \"" + key + "\", \"value\": \"" + b64.encodeToString(value.getBytes(
                java.nio.charset.StandardCharsets.UTF_8)) + "\"}], \"condition\": {\"items\": [{\"key\": \"" + key + "\", \"timestamp\": 0}]}}";
    }

    /** Both instances' clients send their change of record {@code id} at once. */
    private static List<Outcome> race(ExecutorService pool, List<MeridianClient> clients,
            java.util.function.IntFunction<RecordChange> change, String id) throws Exception {
        CyclicBarrier start = new CyclicBarrier(clients.size());
        List<Future<Outcome>> calls = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            MeridianClient c = clients.get(i);
            RecordChange mine = change.apply(i);
            calls.add(pool.submit(() -> {
                start.await();
                try {
                    return new Outcome(c.mutate(NS, id, mine), null);
                } catch (MeridianClientException e) {
                    return new Outcome(null, e);
                }
            }));
        }
        List<Outcome> out = new ArrayList<>();
        for (Future<Outcome> f : calls) {
            out.add(f.get(120, java.util.concurrent.TimeUnit.SECONDS));
        }
        return out;
    }
}
