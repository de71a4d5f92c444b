package io.meridian.server.data.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.RegionId;
import io.meridian.core.SessionToken;
import io.meridian.server.ApiException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The server's side of sessions without engines: waits, their bound, and the refusals that need no wait. */
class SessionsTest {

    /** Threads of their own for calls that block: the common pool may have one or two (and a blocked one is lost to later tests). */
    private static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-waiter");
        t.setDaemon(true);
        return t;
    });

    static final RegionId A = RegionId.of("region-a");
    static final RegionId B = RegionId.of("region-b");

    private static Sessions sessions(Duration maxWait, int maxWaiters, AtomicReference<Optional<String>> repair) {
        Sessions s = new Sessions(null, List.of(A), maxWait, maxWaiters, Math.max(1, maxWaiters / 4));
        s.connect(r -> 1, Map::of, repair::get); // one partition per log: every entry concerns every record
        return s;
    }

    private static int status(Runnable r) {
        try {
            r.run();
            return 200;
        } catch (ApiException e) {
            assertThat(e.reason()).isEqualTo("session-not-satisfied");
            return e.status();
        }
    }

    @Test
    void aReadWaitsForItsSessionAndGoesOnOnceThePositionIsApplied() throws Exception {
        Sessions s = sessions(Duration.ofSeconds(60), 4, new AtomicReference<>(Optional.empty()));
        SessionToken seen = SessionToken.of(A, 0, 10);
        s.applied(A, Map.of(0, 3L));
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> status(() -> s.await("users", "u1", seen, Long.MAX_VALUE)), THREADS);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.waiting() == 1);
        s.applied(A, Map.of(0, 10L));
        assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(status(() -> s.await("users", "u1", SessionToken.empty(), Long.MAX_VALUE))).as("no session: no wait").isEqualTo(200);
    }

    @Test
    void aWaitEndsAtTheCallersDeadlineOrMaxSessionWaitWith503() {
        Sessions s = sessions(Duration.ofMillis(200), 4, new AtomicReference<>(Optional.empty()));
        SessionToken seen = SessionToken.of(A, 0, 10);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> s.await("users", "u1", seen, Long.MAX_VALUE)).isInstanceOf(ApiException.class)
                .hasMessageContaining("applied unknown, needs 10");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(status(() -> s.await("users", "u1", seen, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20)))).isEqualTo(503);
    }

    @Test
    void pastMaxSessionWaitersAnUnsatisfiedRequestIsRefusedAtOnce() throws Exception {
        Sessions s = sessions(Duration.ofSeconds(60), 2, new AtomicReference<>(Optional.empty()));
        SessionToken hostile = SessionToken.of(A, 0, 9_000_000_000_000L); // an offset no log will reach soon
        CompletableFuture<Integer> w1 = CompletableFuture.supplyAsync(() -> status(() -> s.await("users", "u1", hostile, Long.MAX_VALUE, "a")), THREADS);
        CompletableFuture<Integer> w2 = CompletableFuture.supplyAsync(() -> status(() -> s.await("users", "u2", hostile, Long.MAX_VALUE, "b")), THREADS);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.waiting() == 2);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> s.await("users", "u3", hostile, Long.MAX_VALUE, "c")).isInstanceOf(ApiException.class)
                .hasMessageContaining("maxSessionWaiters");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("at once").isLessThan(Duration.ofSeconds(5));
        s.applied(A, Map.of(0, 9_000_000_000_000L));
        assertThat(w1.get(30, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(w2.get(30, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(s.waiting()).isZero();
    }

    @Test
    void aLogThisRegionDoesNotApplyAndARegionThatNeedsRepairAreRefusedWithoutWaiting() {
        AtomicReference<Optional<String>> repair = new AtomicReference<>(Optional.empty());
        Sessions s = sessions(Duration.ofSeconds(60), 2, repair);
        assertThatThrownBy(() -> s.await("users", "u1", SessionToken.of(B, 0, 1), Long.MAX_VALUE))
                .isInstanceOf(ApiException.class).hasMessageContaining("does not apply");
        s.applied(A, Map.of(0, 5L));
        assertThat(status(() -> s.await("users", "u1", SessionToken.of(A, 0, 5), Long.MAX_VALUE))).isEqualTo(200);
        repair.set(Optional.of("log gap in region-a partition 0"));
        assertThatThrownBy(() -> s.await("users", "u1", SessionToken.of(A, 0, 5), Long.MAX_VALUE))
                .isInstanceOf(ApiException.class).hasMessageContaining("needs repair");
    }

    @Test
    void aLogThatWentBackIsResetNotMerged() {
        Sessions s = sessions(Duration.ofMillis(50), 2, new AtomicReference<>(Optional.empty()));
        s.applied(A, Map.of(0, 100L));
        s.reset(A, 0, 4); // the log was recreated: offset 100 of the old log says nothing of the new one
        assertThat(s.positions().applied(new SessionToken.Position(A, 0))).isEqualTo(4);
        s.applied(A, Map.of(0, 6L));
        assertThat(s.positions().applied(new SessionToken.Position(A, 0))).isEqualTo(6);
        s.restarted();
        assertThat(s.positions().applied(new SessionToken.Position(A, 0))).as("forgotten after a restart of the appliers").isEqualTo(-1);
    }

    @Test
    void afterAGapNoSessionOfThatLogIsServedEvenBeforeTheRepairMarkIsSeen() {
        Sessions s = sessions(Duration.ofMillis(50), 2, new AtomicReference<>(Optional.empty())); // the mark not seen yet
        s.applied(A, Map.of(0, 10L));
        s.reset(A, 0, 10); // a retention gap: the position does not go back, but writes below it were never applied
        s.applied(A, Map.of(0, 12L));
        assertThatThrownBy(() -> s.await("users", "u1", SessionToken.of(A, 0, 11), Long.MAX_VALUE))
                .isInstanceOf(ApiException.class).hasMessageContaining("gap");
    }

    @Test
    void oneCallerHoldsAtMostAQuarterOfTheWaitingPlaces() throws Exception {
        Sessions s = sessions(Duration.ofSeconds(60), 8, new AtomicReference<>(Optional.empty()));
        SessionToken hostile = SessionToken.of(A, 0, 9_000_000_000_000L);
        CompletableFuture<Integer> w1 = CompletableFuture.supplyAsync(() -> status(() -> s.await("users", "u1", hostile, Long.MAX_VALUE, "mallory")), THREADS);
        CompletableFuture<Integer> w2 = CompletableFuture.supplyAsync(() -> status(() -> s.await("users", "u2", hostile, Long.MAX_VALUE, "mallory")), THREADS);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.waiting() == 2);
        assertThatThrownBy(() -> s.await("users", "u3", hostile, Long.MAX_VALUE, "mallory")).isInstanceOf(ApiException.class)
                .hasMessageContaining("this caller's");
        CompletableFuture<Integer> honest = CompletableFuture.supplyAsync(() -> status(() -> s.await("users", "u4",
                SessionToken.of(A, 0, 5), Long.MAX_VALUE, "alice")), THREADS);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.waiting() == 3);
        s.applied(A, Map.of(0, 5L));
        assertThat(honest.get(30, TimeUnit.SECONDS)).as("another caller still waits and is served").isEqualTo(200);
        s.applied(A, Map.of(0, 9_000_000_000_000L));
        assertThat(w1.get(30, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(w2.get(30, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(s.waitingCallers()).as("no entry left behind").isZero();
    }

    @Test
    void aReadWaitingWhenAGapIsFoundIsRefusedThoughPositionsPastTheGapWakeIt() throws Exception {
        Sessions s = sessions(Duration.ofSeconds(60), 4, new AtomicReference<>(Optional.empty())); // the mark not seen yet
        s.applied(A, Map.of(0, 10L));
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> status(() -> s.await("users", "u1",
                SessionToken.of(A, 0, 12), Long.MAX_VALUE)), THREADS);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.waiting() == 1);
        s.reset(A, 0, 10); // the owner found a retention gap: offset 11 (the session's write) was never applied
        s.applied(A, Map.of(0, 14L)); // and went on past it
        assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(503);
    }
}
