package io.meridian.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import io.meridian.core.SessionToken;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class AppliedPositionsTest {

    /** Threads of their own for calls that block: the common pool may have one or two (and a blocked one is lost to later tests). */
    private static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-waiter");
        t.setDaemon(true);
        return t;
    });

    static final RegionId A = RegionId.of("region-a");
    static final RegionId B = RegionId.of("region-b");

    @Test
    void aRecordsPartitionIsTheOneKafkasProducerChoosesForItsLogKey() {
        for (int partitions : new int[] {1, 3, 8, 12}) {
            for (int i = 0; i < 500; i++) {
                String key = "users/u" + i + (i % 7 == 0 ? "-ü" : "");
                assertThat(AppliedPositions.partitionFor(key, partitions)).as(key).isEqualTo(
                        BuiltInPartitioner.partitionForKey(key.getBytes(java.nio.charset.StandardCharsets.UTF_8), partitions));
            }
        }
        AppliedPositions p = new AppliedPositions(r -> r.equals(A) ? 8 : 0);
        assertThat(p.partitionOf(A, "users", "u1")).isEqualTo(AppliedPositions.partitionFor("users/u1", 8));
        assertThat(p.partitionOf(B, "users", "u1")).as("partition count unknown").isEqualTo(-1);
    }

    @Test
    void onlyTheRecordsOwnPartitionsMatterAndAnUnknownLogsEveryEntryDoes() {
        AppliedPositions p = new AppliedPositions(r -> r.equals(A) ? 8 : 0);
        int mine = p.partitionOf(A, "users", "u1");
        int other = (mine + 1) % 8;
        SessionToken required = SessionToken.of(Map.of(new SessionToken.Position(A, mine), 5L, new SessionToken.Position(A, other), 9L,
                new SessionToken.Position(B, 2), 3L));
        SessionToken relevant = p.relevant(required, "users", "u1");
        assertThat(relevant.entries()).containsOnlyKeys(new SessionToken.Position(A, mine), new SessionToken.Position(B, 2));
        assertThat(p.satisfies(relevant)).isFalse();
        p.advance(A, Map.of(mine, 5L));
        assertThat(p.satisfies(relevant)).as("region-b's entry still missing").isFalse();
        p.advance(B, Map.of(2, 3L));
        assertThat(p.satisfies(relevant)).isTrue();
        p.advance(A, Map.of(mine, 2L));
        assertThat(p.applied(new SessionToken.Position(A, mine))).as("never lowered").isEqualTo(5L);
        p.reset(A, Map.of(mine, 1L));
        assertThat(p.applied(new SessionToken.Position(A, mine))).as("a log that went back").isEqualTo(1L);
        assertThat(p.satisfies(relevant)).isFalse();
        p.clear();
        assertThat(p.applied(new SessionToken.Position(B, 2))).isEqualTo(-1L);
    }

    @Test
    void aWaitEndsWhenThePositionArrivesOrAtItsDeadline() throws Exception {
        AppliedPositions p = new AppliedPositions(r -> 1);
        SessionToken required = SessionToken.of(A, 0, 10);
        long t0 = System.nanoTime();
        assertThat(p.await(required, t0 + TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return p.await(required, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, THREADS);
        p.advance(A, Map.of(0, 9L));
        assertThat(waiting).isNotDone();
        p.advance(A, Map.of(0, 10L));
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isTrue();
    }
}
