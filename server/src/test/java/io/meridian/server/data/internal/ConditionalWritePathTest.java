package io.meridian.server.data.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import io.meridian.core.Bytes;
import io.meridian.core.Condition;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Conditional writes through the write path, with fakes of our own ports: a lock table and a store that keeps versions. */
class ConditionalWritePathTest {

    static final NamespaceConfig NS = new NamespaceConfig("users", 0, true, 300);
    static final Bytes K = Bytes.utf8("k");

    final List<Mutation> appended = new CopyOnWriteArrayList<>();
    final Map<Bytes, Long> versions = new ConcurrentHashMap<>(); // the fake store's items: key -> write timestamp
    final Map<String, String> locks = new ConcurrentHashMap<>();
    final Map<Bytes, Bytes> values = new ConcurrentHashMap<>(); // key -> value of the newest write
    final java.util.Set<String> decisions = ConcurrentHashMap.newKeySet(); // ns/id/token
    volatile boolean failNextAppend;
    final HybridLogicalClock clock = new HybridLogicalClock(Clock.systemUTC(), 2);

    final MutationSink.Guard guard = new MutationSink.Guard() {
        @Override
        public boolean tryLock(NamespaceConfig ns, String id, String owner, Duration ttl) {
            return locks.putIfAbsent(id, owner) == null;
        }

        @Override
        public void unlock(NamespaceConfig ns, String id, String owner) {
            locks.remove(id, owner);
        }

        @Override
        public Map<Bytes, Long> versions(NamespaceConfig ns, String id, Collection<Bytes> keys) {
            Map<Bytes, Long> out = new HashMap<>();
            keys.forEach(k -> {
                if (versions.containsKey(k)) {
                    out.put(k, versions.get(k));
                }
            });
            return out;
        }

        @Override
        public boolean recordEmpty(NamespaceConfig ns, String id) {
            return versions.isEmpty();
        }

        @Override
        public void decide(NamespaceConfig ns, String id, IdempotencyToken token, Duration ttl) {
            decisions.add(ns.name() + "/" + id + "/" + token);
        }

        @Override
        public boolean decided(NamespaceConfig ns, String id, IdempotencyToken token) {
            return decisions.contains(ns.name() + "/" + id + "/" + token);
        }

        @Override
        public boolean holds(NamespaceConfig ns, String id, Bytes key, Bytes value, long timestamp) {
            return Long.valueOf(timestamp).equals(versions.get(key)) && value.equals(values.get(key));
        }
    };

    WritePath path() {
        return WritePath.builder().region(RegionId.of("region-c")).clock(clock)
                .log((m, trace) -> {
                    if (failNextAppend) {
                        failNextAppend = false;
                        return CompletableFuture.failedFuture(new IllegalStateException("the log refused it"));
                    }
                    appended.add(m);
                    return CompletableFuture.completedFuture(new LogPosition(0, appended.size() - 1));
                })
                .store((m, ns) -> {
                    for (Operation op : m.operations()) {
                        if (op instanceof Operation.Put p) {
                            if (m.timestampMicros() >= versions.getOrDefault(p.key(), 0L)) {
                                versions.put(p.key(), m.timestampMicros());
                                values.put(p.key(), p.value());
                            }
                        } else if (op instanceof Operation.DeleteItem d) {
                            versions.remove(d.key());
                        }
                    }
                    return CompletableFuture.completedFuture(null);
                }).guard(guard)
                .settings(new WritePath.Settings(64, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(1))).metrics(new MetricRegistry()).build();
    }

    static List<Operation> put(String value) {
        return List.of(new Operation.Put(K, Bytes.utf8(value)));
    }

    static WritePath.Call when(Condition c, IdempotencyToken token, Duration deadline) {
        return new WritePath.Call(token, deadline, null, c);
    }

    @Test
    void ofConcurrentCreatesExactlyOneSucceedsAndTheOthersSeeItsVersion() throws Exception {
        WritePath p = path();
        Condition absent = new Condition(false, Map.of(K, Condition.ABSENT));
        int writers = 8;
        CyclicBarrier start = new CyclicBarrier(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<Object>> results = new java.util.ArrayList<>();
        for (int i = 0; i < writers; i++) {
            String who = "w" + i;
            results.add(pool.submit(() -> {
                start.await();
                try {
                    return p.write(when(absent, null, null), NS, "r", put(who));
                } catch (ApiException e) {
                    return e;
                }
            }));
        }
        List<Object> outcomes = new java.util.ArrayList<>();
        for (Future<Object> f : results) {
            outcomes.add(f.get());
        }
        pool.shutdown();
        assertThat(outcomes).filteredOn(o -> o instanceof WriteResponse).hasSize(1);
        long won = outcomes.stream().filter(o -> o instanceof WriteResponse).map(o -> ((WriteResponse) o).timestamp()).findFirst().orElseThrow();
        assertThat(outcomes).filteredOn(o -> o instanceof ApiException).allSatisfy(o -> {
            ApiException e = (ApiException) o;
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.current()).singleElement().satisfies(i -> assertThat(i.timestamp()).isEqualTo(won));
        });
        assertThat(appended).hasSize(1);
        assertThat(locks).as("every lock given back").isEmpty();
    }

    @Test
    void aVersionConditionWritesAfterTheVersionItChecked() {
        WritePath p = path();
        long first = p.write(when(new Condition(true, Map.of()), null, null), NS, "r", put("a")).timestamp();
        assertThatThrownBy(() -> p.write(when(new Condition(true, Map.of()), null, null), NS, "r", put("b")))
                .as("the record exists").isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        long second = p.write(when(new Condition(false, Map.of(K, first)), null, null), NS, "r", put("c")).timestamp();
        assertThat(second).isGreaterThan(first);
        assertThatThrownBy(() -> p.write(when(new Condition(false, Map.of(K, first)), null, null), NS, "r", put("d")))
                .as("unchanged since first? no").isInstanceOf(ApiException.class);
        assertThat(appended).hasSize(2);
    }

    @Test
    void aRetryOfAConditionalWriteThatLandedAnswersAsItDidAndWritesNothingMore() {
        WritePath p = path();
        IdempotencyToken token = new IdempotencyToken(clock.wallMicros(), 1);
        Condition absent = new Condition(false, Map.of(K, Condition.ABSENT));
        WriteResponse once = p.write(when(absent, token, null), NS, "r", put("a"));
        WriteResponse again = p.write(when(absent, token, null), NS, "r", put("a"));
        assertThat(again.timestamp()).isEqualTo(once.timestamp());
        assertThat(appended).hasSize(1);
    }

    @Test
    void aWriteWhoseTokenHasTheWinnersTimestampIsNotTakenForItsRetry() {
        // tokens of two clients made in the same 32 µs with the same low nonce bits give one timestamp (CI, 2026-12-02:
        // both creates of a round were told they won)
        WritePath p = path();
        long micros = clock.wallMicros();
        IdempotencyToken first = new IdempotencyToken(micros, 1);
        IdempotencyToken second = new IdempotencyToken(micros, 1 + HybridLogicalClock.SLOTS);
        assertThat(HybridLogicalClock.timestampOf(second)).isEqualTo(HybridLogicalClock.timestampOf(first));
        Condition absent = new Condition(false, Map.of(K, Condition.ABSENT));
        long won = p.write(when(absent, first, null), NS, "r", put("first")).timestamp();
        assertThatThrownBy(() -> p.write(when(absent, second, null), NS, "r", put("second")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.current()).singleElement().satisfies(i -> assertThat(i.timestamp()).isEqualTo(won));
                });
        assertThat(p.write(when(absent, first, null), NS, "r", put("first")).timestamp()).as("the first's retry").isEqualTo(won);
        assertThat(appended).hasSize(1);
        assertThat(locks).isEmpty();
    }

    @Test
    void aDecidedWriteThatNeverLandedIsNotTakenForLandedWhenAnotherOfItsTimestampDid() {
        // review, 2026-12-02: the first is decided, its append fails (nothing written); a second token of the same
        // timestamp wins once the first's lock ended; the first's retry must not be told it won
        WritePath p = path();
        long micros = clock.wallMicros();
        IdempotencyToken first = new IdempotencyToken(micros, 1);
        IdempotencyToken second = new IdempotencyToken(micros, 1 + HybridLogicalClock.SLOTS);
        Condition absent = new Condition(false, Map.of(K, Condition.ABSENT));
        failNextAppend = true;
        assertThatThrownBy(() -> p.write(when(absent, first, null), NS, "r", put("first")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
        assertThat(appended).isEmpty();
        locks.clear(); // the first's lock ended by itself
        long won = p.write(when(absent, second, null), NS, "r", put("second")).timestamp();
        assertThat(won).isEqualTo(HybridLogicalClock.timestampOf(first));
        assertThatThrownBy(() -> p.write(when(absent, first, null), NS, "r", put("first")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(appended).hasSize(1);
    }

    @Test
    void aTokenNotAfterTheCurrentVersionIsRefusedSoTheWriteCannotSilentlyLose() {
        WritePath p = path();
        IdempotencyToken early = new IdempotencyToken(clock.now(), 1);
        long later = p.write(NS, "r", put("a"), null).timestamp(); // after the token's time
        assertThatThrownBy(() -> p.write(when(new Condition(false, Map.of(K, later)), early, null), NS, "r", put("b")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409)).hasMessageContaining("new token");
        assertThat(appended).hasSize(1);
    }

    @Test
    void aRecordHeldByAnotherConditionalWriteIsRefusedNotWrittenWhenTheDeadlineComes() {
        WritePath p = path();
        locks.put("r", "someone-else");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> p.write(when(new Condition(true, Map.of()), null, Duration.ofMillis(200)), NS, "r", put("a")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.reason()).isEqualTo("not-written");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        assertThat(appended).isEmpty();
        assertThat(locks).containsEntry("r", "someone-else");
    }
}
