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
