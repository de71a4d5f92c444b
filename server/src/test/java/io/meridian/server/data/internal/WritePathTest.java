package io.meridian.server.data.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import io.meridian.core.Bytes;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.Mutation;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import io.meridian.core.wire.WriteResponse;
import io.meridian.replicator.LogPosition;
import io.meridian.server.ApiException;
import io.meridian.store.NamespaceConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The write path with fakes of its two steps (our own interfaces, not Kafka or Cassandra). */
class WritePathTest {

    private static final NamespaceConfig NS = new NamespaceConfig("users", 0, true, 300);
    private static final List<Operation> PUT = List.of(new Operation.Put(Bytes.utf8("k"), Bytes.utf8("v")));

    private final List<Mutation> appended = new CopyOnWriteArrayList<>();
    private final List<Mutation> applied = new CopyOnWriteArrayList<>();
    private final HybridLogicalClock clock = new HybridLogicalClock(Clock.systemUTC(), 2);

    private WritePath path(MutationSink.Log log, MutationSink.Store store, int maxInFlight) {
        return WritePath.builder().region(RegionId.of("region-c")).clock(clock).log(log).store(store)
                .settings(new WritePath.Settings(maxInFlight, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofMillis(500),
                        Duration.ofMillis(500), Duration.ofSeconds(1))).skewMillis(() -> skew).metrics(new MetricRegistry()).build();
    }

    private long skew;

    @Test
    void aTokenOlderThanTheBoundIsRefusedAndNothingIsWritten() {
        IdempotencyToken old = new IdempotencyToken(clock.wallMicros() - 2 * 3_600_000_000L, 1);
        assertThatThrownBy(() -> path(okLog(), okStore(), 10).write(NS, "u1", PUT, old))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("s old");
        IdempotencyToken ancient = new IdempotencyToken(1, 1);
        assertThatThrownBy(() -> path(okLog(), okStore(), 10).write(NS, "u1", PUT, ancient)).isInstanceOf(ApiException.class);
        assertThat(appended).isEmpty();
    }

    @Test
    void aServerWhoseOwnClockIsSkewedAnswers503SoAnotherRegionTakesTheWrite() {
        skew = 2_000; // ahead of the others: its timestamps would win every conflict
        assertThatThrownBy(() -> path(okLog(), okStore(), 10).write(NS, "u1", PUT, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503)).hasMessageContaining("ahead");
        skew = -2_000; // behind: a client token ahead of it is its own clock's fault, not the client's
        IdempotencyToken ahead = new IdempotencyToken(clock.wallMicros() + 1_800_000, 1);
        assertThatThrownBy(() -> path(okLog(), okStore(), 10).write(NS, "u1", PUT, ahead))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503)).hasMessageContaining("behind");
        skew = 0; // the same token against a server with a good clock: the client's clock is the problem
        assertThatThrownBy(() -> path(okLog(), okStore(), 10).write(NS, "u1", PUT, ahead))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThat(appended).isEmpty();
    }

    private MutationSink.Log okLog() {
        return (m, trace) -> {
            appended.add(m);
            return CompletableFuture.completedFuture(new LogPosition(0, appended.size() - 1));
        };
    }

    private MutationSink.Store okStore() {
        return (m, ns) -> {
            applied.add(m);
            return CompletableFuture.completedFuture(null);
        };
    }

    @Test
    void theRequestsTraceGoesWithTheAppend() {
        java.util.List<io.meridian.core.Traceparent> traces = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.meridian.core.Traceparent trace = io.meridian.core.Traceparent.newTrace();
        WritePath p = path((m, t) -> {
            traces.add(t);
            return CompletableFuture.completedFuture(new LogPosition(0, 1));
        }, okStore(), 10);
        p.write(new WritePath.Call(null, null, trace), NS, "u1", PUT);
        assertThat(traces).containsExactly(trace);
    }

    @Test
    void appendsThenAppliesTheSameMutationAndAnswersItsTimestamp() {
        WriteResponse r = path(okLog(), okStore(), 10).write(NS, "u1", PUT, null);
        assertThat(appended).hasSize(1);
        assertThat(applied).containsExactlyElementsOf(appended);
        Mutation m = appended.get(0);
        assertThat(r.timestamp()).isEqualTo(m.timestampMicros());
        assertThat(HybridLogicalClock.slotOf(m.timestampMicros())).isEqualTo(2);
        assertThat(m.origin()).isEqualTo(RegionId.of("region-c"));
        assertThat(IdempotencyToken.parse(r.token()).nonce()).isEqualTo(m.nonce());
    }

    @Test
    void theSameTokenGivesTheSameTimestampAndMutation() {
        IdempotencyToken token = IdempotencyToken.generate(Clock.systemUTC());
        WritePath p = path(okLog(), okStore(), 10);
        WriteResponse first = p.write(NS, "u1", PUT, token);
        WriteResponse retry = p.write(NS, "u1", PUT, token);
        assertThat(retry.timestamp()).isEqualTo(first.timestamp()).isEqualTo(HybridLogicalClock.timestampOf(token));
        assertThat(appended.get(1)).isEqualTo(appended.get(0));
        // and later writes without a token are ordered after it
        assertThat(p.write(NS, "u1", PUT, null).timestamp()).isGreaterThan(first.timestamp());
    }

    @Test
    void aTokenFromTheFutureIsRefusedAndNothingIsWritten() {
        IdempotencyToken future = new IdempotencyToken(clock.wallMicros() + 5_000_000, 1);
        assertThatThrownBy(() -> path(okLog(), okStore(), 10).write(NS, "u1", PUT, future))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("ahead of this server's clock");
        assertThat(appended).isEmpty();
        assertThat(applied).isEmpty();
    }

    @Test
    void aFailedAppendIs503AndNothingIsApplied() {
        MutationSink.Log failing = (m, trace) -> CompletableFuture.failedFuture(new IllegalStateException("broker down"));
        assertThatThrownBy(() -> path(failing, okStore(), 10).write(NS, "u1", PUT, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.durable()).isFalse();
                    assertThat(e.retryAfterSeconds()).isPositive();
                }).hasMessageContaining("nothing was applied");
        assertThat(applied).isEmpty();
    }

    @Test
    void aDeadlineAlreadyPassedWritesNothing() {
        assertThatThrownBy(() -> path(okLog(), okStore(), 10).write(NS, "u1", PUT, null, Duration.ZERO))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(504);
                    assertThat(e.reason()).isEqualTo("deadline-passed");
                }).hasMessageContaining("nothing was written");
        assertThat(appended).isEmpty();
        assertThat(applied).isEmpty();
    }

    @Test
    void aDeadlinePassingWhileAppendingAnswers504OutcomeUnknownAtTheDeadlineNotTheAppendTimeout() {
        MutationSink.Log slow = (m, trace) -> {
            appended.add(m);
            return new CompletableFuture<>(); // the broker never answers (the append timeout is 1.5 s)
        };
        // a 504 (not the append timeout's 503 "did not accept") says the deadline, not the 1.5 s timeout, ended the wait
        assertThatThrownBy(() -> path(slow, okStore(), 10).write(NS, "u1", PUT, null, Duration.ofMillis(200)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(504);
                    assertThat(e.durable()).isFalse();
                }).hasMessageContaining("outcome unknown").hasMessageContaining("same token");
        assertThat(appended).hasSize(1);
        assertThat(applied).isEmpty();
    }

    @Test
    void anAppendThatLandsAfterTheDeadlineIsHandedToTheOwnApplierAtOnce() {
        CompletableFuture<LogPosition> late = new CompletableFuture<>();
        List<LogPosition> handedOver = new CopyOnWriteArrayList<>();
        WritePath p = WritePath.builder().region(RegionId.of("region-c")).clock(clock).log((m, trace) -> late).store(okStore())
                .afterApply(new MutationSink.Applied() {
                    @Override
                    public void applied(Mutation m, LogPosition position) {
                        throw new AssertionError("never applied here");
                    }

                    @Override
                    public void notApplied(Mutation m, LogPosition position) {
                        handedOver.add(position);
                    }
                })
                .settings(new WritePath.Settings(10, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofMillis(500),
                        Duration.ofMillis(500), Duration.ofSeconds(1))).skewMillis(() -> skew).metrics(new MetricRegistry()).build();
        assertThatThrownBy(() -> p.write(NS, "u1", PUT, null, Duration.ofMillis(1)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(504));
        assertThat(handedOver).isEmpty();
        late.complete(new LogPosition(0, 7)); // the broker answers after the caller gave up
        assertThat(handedOver).containsExactly(new LogPosition(0, 7));
        assertThat(applied).isEmpty();
    }

    @Test
    void anAppendOutlivingItsCallersDeadlineStillHoldsItsPermitSoShortDeadlinesCannotFloodTheLog() {
        CompletableFuture<LogPosition> first = new CompletableFuture<>();
        java.util.Deque<CompletableFuture<LogPosition>> appends = new java.util.ArrayDeque<>(List.of(first,
                CompletableFuture.completedFuture(new LogPosition(0, 8))));
        WritePath p = path((m, trace) -> appends.poll(), okStore(), 1);
        assertThatThrownBy(() -> p.write(NS, "u1", PUT, null, Duration.ofMillis(1)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(504));
        assertThatThrownBy(() -> p.write(NS, "u2", PUT, null, Duration.ofMillis(1)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503))
                .hasMessageContaining("overloaded");
        first.complete(new LogPosition(0, 7)); // the first append ends: its permit is free again
        assertThat(p.write(NS, "u3", PUT, null, Duration.ofSeconds(5)).region()).isEqualTo("region-c");
    }

    @Test
    void aDeadlinePassingWhileApplyingIs503DurableAndTheApplierIsTold() {
        MutationSink.Store slow = (m, ns) -> new CompletableFuture<>(); // Cassandra never answers (apply timeout 30 s)
        WritePath p = WritePath.builder().region(RegionId.of("region-c")).clock(clock).log(okLog()).store(slow)
                .settings(new WritePath.Settings(10, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofMillis(500),
                        Duration.ofMillis(500), Duration.ofSeconds(30))).skewMillis(() -> skew).metrics(new MetricRegistry()).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> p.write(NS, "u1", PUT, null, Duration.ofMillis(300)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.durable()).isTrue();
                });
        assertThat((System.nanoTime() - t0) / 1_000_000).as("answered at the deadline, not after the 30 s apply timeout")
                .isLessThan(20_000);
        assertThat(appended).hasSize(1);
    }

    @Test
    void aFailedApplyAfterTheAppendIs503Durable() {
        MutationSink.Store failing = (m, ns) -> CompletableFuture.failedFuture(new IllegalStateException("cassandra down"));
        assertThatThrownBy(() -> path(okLog(), failing, 10).write(NS, "u1", PUT, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.durable()).isTrue();
                }).hasMessageContaining("durable");
        assertThat(appended).hasSize(1);
    }

    @Test
    void pastTheInFlightBoundWritesAre503WithRetryAfterInsteadOfQueueing() throws Exception {
        CompletableFuture<LogPosition> never = new CompletableFuture<>();
        MutationSink.Log stuck = (m, trace) -> never;
        WritePath p = path(stuck, okStore(), 2);
        Thread[] blocked = new Thread[2];
        for (int i = 0; i < blocked.length; i++) {
            blocked[i] = new Thread(() -> {
                try {
                    p.write(NS, "u", PUT, null);
                } catch (ApiException expected) {
                    // times out after the append deadline
                }
            });
            blocked[i].start();
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThatThrownBy(() -> p.write(NS, "u", PUT, null)).isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.retryAfterSeconds()).isEqualTo(1);
                    assertThat(e.reason()).as("refused before any work: the client knows nothing was written")
                            .isEqualTo("not-written");
                }).hasMessageContaining("overloaded"));
        for (Thread t : blocked) {
            t.join();
        }
        assertThat(applied).isEmpty();
    }

    @Test
    void twoOperationsOnOneKeyAreRefused() {
        List<Operation> conflicting = List.of(new Operation.Put(Bytes.utf8("k"), Bytes.utf8("v")),
                new Operation.DeleteItem(Bytes.utf8("k")));
        assertThatThrownBy(() -> path(okLog(), okStore(), 10).write(NS, "u1", conflicting, null))
                .hasMessageContaining("appears more than once");
        assertThat(appended).isEmpty();
    }

    @Test
    void theNamespaceDefaultTtlIsResolvedIntoTheMutation() {
        NamespaceConfig ttl = new NamespaceConfig("sessions", 3600, false, 0);
        path(okLog(), okStore(), 10).write(ttl, "s1", List.of(new Operation.Put(Bytes.utf8("a"), Bytes.utf8("1")),
                new Operation.Put(Bytes.utf8("b"), Bytes.utf8("2"), 60)), null);
        assertThat(appended.get(0).operations()).containsExactly(new Operation.Put(Bytes.utf8("a"), Bytes.utf8("1"), 3600),
                new Operation.Put(Bytes.utf8("b"), Bytes.utf8("2"), 60));
    }
}
