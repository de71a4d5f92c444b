package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.client.MeridianClientTest.Stub;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Hedged reads against stand-in servers: a slow first region is raced by the next, within the retry budget. */
class HedgingTest {

    static final String RECORD = "{\"namespace\":\"users\",\"id\":\"u1\",\"items\":[{\"key\":\"aw==\",\"value\":\"dg==\","
            + "\"timestamp\":1,\"ttlSeconds\":null}],\"nextPageToken\":null}";
    @org.junit.jupiter.api.extension.RegisterExtension
    final StubServers stubs = new StubServers();

    private Stub stub() throws IOException {
        return stubs.stub();
    }

    private MeridianClient.Builder client(Stub a, Stub b) {
        return MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).followRoutingPlan(Duration.ZERO);
    }

    @Test
    void aReadTheFirstRegionDoesNotAnswerInTimeIsAnsweredByTheHedge() throws IOException {
        Stub a = stub().answer(MeridianClientTest.STALL, RECORD);
        Stub b = stub().answer(200, RECORD);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeridianClient c = client(a, b).hedgeReadsAfter(Duration.ofMillis(50)).listener(new MicrometerMetrics(registry)).build();
        long t0 = System.nanoTime();
        Record r = c.get("users", "u1");
        assertThat(r.items()).hasSize(1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answered by the hedge, not after the 10 s attempt timeout")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(a.paths).hasSize(1);
        assertThat(b.paths).containsExactly("GET /v1/namespaces/users/records/u1");
        assertThat(registry.get("meridian.client.hedges").tags("operation", "get", "region", "region-b").counter().count())
                .isEqualTo(1);
        c.close();
    }

    @Test
    void atAPercentileReadsAreHedgedOnceEnoughReadsSetTheDelay() throws IOException {
        Stub a = stub();
        for (int i = 0; i < 121; i++) {
            a.answer(200, RECORD);
        }
        a.answer(MeridianClientTest.STALL, RECORD);
        Stub b = stub().answer(200, RECORD);
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        MeridianClient c = client(a, b).hedgeDelay(new HedgeDelay(95, Duration.ofSeconds(10), now::get)).build();
        for (int i = 0; i < 120; i++) {
            c.get("users", "u1"); // quick reads: the window's p95 becomes the delay
        }
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        c.get("users", "u1"); // ends the window
        assertThat(b.paths).as("no read was slow: none hedged").isEmpty();
        long t0 = System.nanoTime();
        assertThat(c.get("users", "u1").items()).hasSize(1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answered by the hedge, not after the 10 s attempt timeout")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(b.paths).hasSize(1);
        c.close();
    }

    @Test
    void aReadAnsweredBeforeTheDelayIsNotHedged() throws IOException {
        Stub a = stub().answer(200, RECORD);
        Stub b = stub();
        MeridianClient c = client(a, b).build();
        c.get("users", "u1", CallOptions.defaults().withHedgeAfter(Duration.ofSeconds(5)));
        assertThat(b.paths).isEmpty();
        c.close();
    }

    @Test
    void aSpentRetryBudgetSendsNoHedgeAndWritesAreNeverHedged() throws IOException {
        Stub a = stub().answer(MeridianClientTest.STALL, RECORD).answer(MeridianClientTest.STALL, RECORD);
        Stub b = stub().answer(200, RECORD);
        MeridianClient c = client(a, b).retryBudget(new RetryBudget(0, 1)).build(); // one token, never refilled
        CallOptions hedged = CallOptions.defaults().withHedgeAfter(Duration.ofMillis(20)).withDeadline(Duration.ofMillis(1500));
        assertThat(c.get("users", "u1", hedged).items()).as("the hedge took the budget's one token").hasSize(1);
        assertThat(b.paths).hasSize(1);
        assertThatThrownBy(() -> c.get("users", "u2", hedged)).isInstanceOfSatisfying(MeridianClientException.Unavailable.class,
                e -> assertThat(e.deadlineExceeded()).isTrue());
        assertThat(b.paths).as("no token left: no second hedge").hasSize(1);
        assertThatThrownBy(() -> c.put("users", "u1", java.util.Map.of(io.meridian.core.Bytes.utf8("k"), io.meridian.core.Bytes.utf8("v")),
                CallOptions.defaults().withHedgeAfter(Duration.ofMillis(20)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not hedged");
        c.close();
    }

    @Test
    void aLaggingRegionsNotFoundDoesNotWinOverTheFirstAttemptStillRunning() throws IOException {
        Stub a = stub().answer(MeridianClientTest.SLOW_OK, RECORD);
        Stub b = stub().answer(404, "{\"code\":404,\"message\":\"record 'u1' has no items\",\"reason\":\"record-not-found\"}");
        MeridianClient c = client(a, b).hedgeReadsAfter(Duration.ofMillis(20)).build();
        assertThat(c.get("users", "u1").items()).as("the home region's answer, not the hedge's not-found").hasSize(1);
        assertThat(b.paths).hasSize(1);
        c.close();
    }

    @Test
    void aRetryAfterAFastFailureIsNotHedged() throws IOException {
        Stub a = stub().answer(503, MeridianClientTest.UNAVAILABLE);
        Stub b = stub().answer(MeridianClientTest.STALL, RECORD);
        Stub third = stub();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).endpoint("region-c", third.url().toString())
                .followRoutingPlan(Duration.ZERO).backoff(Duration.ofMillis(10)).maxAttempts(2)
                .listener(new MicrometerMetrics(registry)).build();
        assertThatThrownBy(() -> c.get("users", "u1", CallOptions.defaults().withHedgeAfter(Duration.ofMillis(100))
                .withDeadline(Duration.ofMillis(800)))).isInstanceOf(MeridianClientException.Unavailable.class);
        assertThat(b.paths).as("the retry went to region-b").hasSize(1);
        assertThat(third.paths).as("the hedge is for a first attempt still running, not for a retry").isEmpty();
        assertThat(registry.find("meridian.client.hedges").counter()).isNull();
        c.close();
    }
}
