package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.client.MeridianClientTest.Stub;
import io.meridian.core.Traceparent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The client's listener, its Micrometer meters and its trace propagation, against stand-in servers. */
class ObservabilityTest {

    static final String CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    @org.junit.jupiter.api.extension.RegisterExtension
    final StubServers stubs = new StubServers();

    private Stub stub() throws IOException {
        return stubs.stub();
    }

    @Test
    void metersCountCallsAttemptsAndFailoversByOperationRegionAndOutcome() throws IOException {
        Stub a = stub().answer(503, MeridianClientTest.UNAVAILABLE);
        Stub b = stub().answer(200, MeridianClientTest.ok("region-b")).answer(404, "{\"code\":404,\"message\":\"no such record\"}");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).backoff(Duration.ofMillis(1)).followRoutingPlan(Duration.ZERO)
                .listener(new MicrometerMetrics(registry)).build();
        c.put("users", "u1", "k", "v");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(registry.find("meridian.client.calls")
                .tags("operation", "put", "region", "region-b", "outcome", "ok").timer()).isNotNull()
                .satisfies(t -> assertThat(t.count()).isEqualTo(1)));
        assertThat(registry.get("meridian.client.attempts").tags("operation", "put", "region", "region-a", "status", "503").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get("meridian.client.attempts").tags("operation", "put", "region", "region-b", "status", "200").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get("meridian.client.failovers").tags("operation", "put", "region", "region-b").counter().count())
                .isEqualTo(1);
        a.answer(404, "{\"code\":404,\"message\":\"no such record\"}");
        assertThatThrownBy(() -> c.get("users", "u2")).isInstanceOf(MeridianClientException.NotFound.class);
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(registry.find("meridian.client.calls")
                .tags("operation", "get", "outcome", "not_found").timer()).isNotNull());
        assertThat(registry.find("meridian.client.failovers").tags("operation", "get").counter()).as("no failover for a verdict")
                .isNull();
        c.close();
    }

    @Test
    void everyAttemptIsANewSpanOfTheCallersTraceAndACallWithoutOneStartsItsOwn() throws IOException {
        Stub a = stub().answer(503, MeridianClientTest.UNAVAILABLE).answer(200, MeridianClientTest.ok("region-a"))
                .answer(200, MeridianClientTest.ok("region-a"));
        Stub b = stub().answer(200, MeridianClientTest.ok("region-b"));
        List<MeridianListener.CallEnded> calls = new CopyOnWriteArrayList<>();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).backoff(Duration.ofMillis(1)).followRoutingPlan(Duration.ZERO)
                .listener(new MeridianListener() {
                    @Override
                    public void callEnded(MeridianListener.CallEnded call) {
                        calls.add(call);
                    }
                }).build();
        c.mutate("users", "u1", RecordChange.builder().put("k", "v").build(), CallOptions.defaults().withTraceparent(CALLER));
        List<Traceparent> sent = new ArrayList<>();
        a.traceparents.subList(0, 1).forEach(h -> sent.add(Traceparent.parse(h).orElseThrow()));
        b.traceparents.forEach(h -> sent.add(Traceparent.parse(h).orElseThrow()));
        assertThat(sent).hasSize(2).allSatisfy(t -> assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736"));
        assertThat(sent).extracting(Traceparent::spanId).doesNotHaveDuplicates().doesNotContain("00f067aa0ba902b7");
        c.put("users", "u2", "k", "v");
        c.put("users", "u3", "k", "v");
        String second = Traceparent.parse(a.traceparents.get(1)).orElseThrow().traceId();
        String third = Traceparent.parse(a.traceparents.get(2)).orElseThrow().traceId();
        assertThat(second).as("a call without a trace starts its own, one per call").isNotEqualTo(third)
                .isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> calls.size() == 3);
        assertThat(calls).extracting(MeridianListener.CallEnded::traceId)
                .containsExactlyInAnyOrder("4bf92f3577b34da6a3ce929d0e0e4736", second, third);
        assertThatThrownBy(() -> CallOptions.defaults().withTraceparent("not-a-trace")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("traceparent");
        c.close();
    }

    @Test
    void aListenerThatThrowsChangesNoResult() throws IOException {
        Stub a = stub().answer(200, MeridianClientTest.ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).listener(new MeridianListener() {
                    @Override
                    public void attemptEnded(MeridianListener.Attempt attempt) {
                        throw new IllegalStateException("listener bug");
                    }

                    @Override
                    public void callEnded(MeridianListener.CallEnded call) {
                        throw new IllegalStateException("listener bug");
                    }
                }).build();
        assertThat(c.put("users", "u1", "k", "v").region()).hasToString("region-a");
        c.close();
    }

    @Test
    void aListenerThatThrowsAnErrorNeverLeavesTheCallerWaiting() throws IOException {
        Stub a = stub().answer(200, MeridianClientTest.ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).listener(new MeridianListener() {
                    @Override
                    public void callEnded(MeridianListener.CallEnded call) {
                        throw new AssertionError("listener bug");
                    }
                }).build();
        var stage = c.putAsync("users", "u1", java.util.Map.of(io.meridian.core.Bytes.utf8("k"), io.meridian.core.Bytes.utf8("v")))
                .toCompletableFuture();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(stage::isDone);
        c.close();
    }

    @Test
    void aCallRefusedBeforeSendingIsToldWithNoAttempt() throws Exception {
        Stub a = stub().answer(MeridianClientTest.STALL, "{}");
        List<MeridianListener.CallEnded> calls = new CopyOnWriteArrayList<>();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxInFlight(1).listener(new MeridianListener() {
                    @Override
                    public void callEnded(MeridianListener.CallEnded call) {
                        calls.add(call);
                    }
                }).build();
        var stalled = c.getAsync("users", "u1");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> a.paths.size() == 1);
        assertThatThrownBy(() -> c.get("users", "u2")).isInstanceOf(MeridianClientException.Unavailable.class);
        assertThat(calls).singleElement().satisfies(e -> {
            assertThat(e.attempts()).isZero();
            assertThat(e.region()).isNull();
            assertThat(e.outcome()).isEqualTo(MeridianListener.Outcome.UNAVAILABLE);
        });
        stalled.toCompletableFuture().cancel(true);
        c.close();
    }

    @Test
    void planChangesAndFailedRefreshesAreToldAndMetered() throws IOException {
        Stub a = stub();
        a.plan = "{\"version\":7,\"updatedAt\":1,\"regions\":{\"region-a\":{\"state\":\"SERVING\",\"keptPercent\":100}},"
                + "\"weights\":{\"region-a\":{\"region-a\":100}},\"operation\":null}";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ofMillis(50)).listener(new MicrometerMetrics(registry)).build();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> registry.get("meridian.client.plan.version").gauge().value() == 7.0);
        a.plan = null;
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> registry.get("meridian.client.plan.refresh.failures").counter().count() >= 1);
        assertThat(registry.get("meridian.client.plan.version").gauge().value()).as("the last plan is kept").isEqualTo(7.0);
        c.close();
    }
}
