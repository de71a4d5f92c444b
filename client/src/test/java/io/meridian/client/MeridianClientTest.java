package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meridian.core.IdempotencyToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The client's retry and error behaviour against scripted HTTP stand-ins of Meridian servers (the JDK's
 * own HTTP server on loopback): our API, not an engine, is faked here.
 */
class MeridianClientTest {

    /** A stand-in server answering from a script, recording what it received. */
    static final class Stub implements AutoCloseable {
        final HttpServer server;
        final Deque<int[]> statuses = new ConcurrentLinkedDeque<>();
        final Deque<String> bodies = new ConcurrentLinkedDeque<>();
        final List<String> tokens = new CopyOnWriteArrayList<>();
        final List<String> paths = new CopyOnWriteArrayList<>();
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<String> deadlines = new CopyOnWriteArrayList<>();
        final List<String> traceparents = new CopyOnWriteArrayList<>();
        final List<String> sessions = new CopyOnWriteArrayList<>(); // each request's Meridian-Session, null when none
        volatile String answerSession; // the Meridian-Session every answer carries; null: none
        volatile boolean honoursSessions = true; // answers a request with a session as having honoured it
        final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        volatile String plan; // the routing plan it serves (not part of the script); null: 404

        Stub() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", this::handle);
            server.start();
        }

        Stub answer(int status, String body) {
            statuses.add(new int[] {status});
            bodies.add(body);
            return this;
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        private void handle(HttpExchange ex) throws IOException {
            if (ex.getRequestURI().getPath().equals("/v1/router/plan")) {
                ex.getRequestBody().readAllBytes();
                byte[] out = (plan == null ? "{\"code\":404,\"message\":\"no router\"}" : plan).getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(plan == null ? 404 : 200, out.length);
                ex.getResponseBody().write(out);
                ex.close();
                return;
            }
            tokens.add(ex.getRequestHeaders().getFirst("Idempotency-Token"));
            deadlines.add(ex.getRequestHeaders().getFirst("Meridian-Deadline-Ms"));
            traceparents.add(ex.getRequestHeaders().getFirst("traceparent"));
            sessions.add(ex.getRequestHeaders().getFirst("Meridian-Session"));
            paths.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            received.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int[] status = statuses.poll();
            String body = bodies.poll();
            if (status == null) {
                status = new int[] {500};
                body = "{\"code\":500,\"message\":\"script exhausted\"}";
            }
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            if (answerSession != null) {
                ex.getResponseHeaders().add("Meridian-Session", answerSession);
            }
            if (honoursSessions && ex.getRequestHeaders().getFirst("Meridian-Session") != null) {
                ex.getResponseHeaders().add("Meridian-Session-Satisfied", "true");
            }
            if (status[0] == STALL || status[0] == STALL_BODY) {
                if (status[0] == STALL_BODY) {
                    ex.sendResponseHeaders(200, out.length); // the headers arrive, the body never does
                }
                try {
                    released.await(60, java.util.concurrent.TimeUnit.SECONDS); // until the test ends
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.close();
                return;
            }
            if (status[0] == SLOW_OK) {
                try {
                    Thread.sleep(300); // a slow answer (this stand-in has no other clock to wait on)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                status[0] = 200;
            }
            if (status[0] == 503) {
                ex.getResponseHeaders().add("Retry-After", "0");
            }
            ex.sendResponseHeaders(status[0], out.length);
            ex.getResponseBody().write(out);
            ex.close();
        }

        @Override
        public void close() {
            released.countDown();
            server.stop(0);
        }
    }

    /** Script entries: a server that never answers, and one that sends its headers but never its body. */
    static final int STALL = -1;
    static final int STALL_BODY = -2;
    /** Script entry: 200 with the body, after 300 ms. */
    static final int SLOW_OK = -3;

    @org.junit.jupiter.api.extension.RegisterExtension
    final StubServers stubs = new StubServers();

    private Stub stub() throws IOException {
        return stubs.stub();
    }

    static String ok(String region) {
        return "{\"timestamp\":1790000000000033,\"token\":\"1790000000000033-0000000000000001\",\"region\":\"" + region + "\"}";
    }

    static final String UNAVAILABLE = "{\"code\":503,\"message\":\"mutation log unavailable\",\"errorId\":\"ab\"}";

    @Test
    void aRetryCarriesTheSameTokenAndFailsOverToTheNextRegion() throws IOException {
        Stub a = stub().answer(503, UNAVAILABLE);
        Stub b = stub().answer(200, ok("region-b"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).backoff(Duration.ofMillis(1)).build();
        WriteResult w = c.put("users", "u1", "name", "Ada");
        assertThat(w.region().name()).isEqualTo("region-b");
        assertThat(a.tokens).hasSize(1);
        assertThat(b.tokens).containsExactly(a.tokens.get(0));
        assertThat(IdempotencyToken.parse(a.tokens.get(0))).isNotNull();
        assertThat(a.paths.get(0)).isEqualTo("PUT /v1/namespaces/users/records/u1");
    }

    @Test
    void everyLogicalWriteGetsItsOwnToken() throws IOException {
        Stub a = stub().answer(200, ok("region-a")).answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString()).build();
        c.put("users", "u1", "k", "1");
        c.put("users", "u1", "k", "1");
        assertThat(a.tokens).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void aDurable503StaysWithItsRegion() throws IOException {
        Stub a = stub().answer(503, "{\"code\":503,\"message\":\"in the log, not applied\",\"durable\":true}")
                .answer(200, ok("region-a"));
        Stub b = stub();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).backoff(Duration.ofMillis(1)).build();
        assertThat(c.put("users", "u1", "k", "v").region().name()).isEqualTo("region-a");
        assertThat(a.tokens).hasSize(2).containsOnly(a.tokens.get(0));
        assertThat(b.tokens).isEmpty();
    }

    @Test
    void clientErrorsAreNotRetriedAndAreTyped() throws IOException {
        Stub a = stub().answer(413, "{\"code\":413,\"message\":\"item value is 2000000 bytes; the limit is 1048576 bytes (1 MiB)\"}")
                .answer(404, "{\"code\":404,\"message\":\"namespace 'nope' does not exist\"}");
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString()).build();
        assertThatThrownBy(() -> c.put("users", "u1", "k", "v"))
                .isInstanceOfSatisfying(MeridianClientException.InvalidRequest.class, e -> {
                    assertThat(e.status()).isEqualTo(413);
                    assertThat(e.isRetriable()).isFalse();
                }).hasMessageContaining("the limit is 1048576 bytes");
        assertThatThrownBy(() -> c.get("nope", "u1")).isInstanceOf(MeridianClientException.NotFound.class)
                .hasMessageContaining("namespace 'nope' does not exist");
        assertThat(a.tokens).hasSize(2);
    }

    @Test
    void whenEveryAttemptFailsTheErrorSaysWhereAndHowOften() throws IOException {
        Stub a = stub().answer(503, UNAVAILABLE).answer(503, UNAVAILABLE).answer(503, UNAVAILABLE);
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .maxAttempts(3).backoff(Duration.ofMillis(1)).build();
        assertThatThrownBy(() -> c.deleteRecord("users", "u1"))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> {
                    assertThat(e.attempts()).isEqualTo(3);
                    assertThat(e.region()).hasValueSatisfying(r -> assertThat(r.name()).isEqualTo("region-a"));
                    assertThat(e.isRetriable()).isTrue();
                    assertThat(e.durable()).isFalse();
                }).hasMessageContaining("mutation log unavailable");
    }

    @Test
    void aRegionThatDoesNotAnswerIsAnUnavailableTransportFailure() throws IOException {
        Stub a = stub();
        URI dead = a.url();
        a.close();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", dead.toString())
                .maxAttempts(2).backoff(Duration.ofMillis(1)).build();
        assertThatThrownBy(() -> c.get("users", "u1")).isInstanceOfSatisfying(MeridianClientException.Unavailable.class,
                e -> assertThat(e.status()).isZero()).hasMessageContaining("ConnectException");
    }

    @Test
    void asyncCallsCompleteWithTheSameResults() throws Exception {
        Stub a = stub().answer(200, "{\"namespace\":\"users\",\"id\":\"u1\",\"items\":[{\"key\":\"bmFtZQ==\",\"value\":\"QWRh\",\"timestamp\":5}]}");
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString()).build();
        Record r = c.getAsync("users", "u1").toCompletableFuture().get();
        assertThat(r.text("name")).hasValue("Ada");
        assertThat(r.items().get(0).timestamp()).isEqualTo(5);
    }

    @Test
    void theBuilderChecksItsArguments() {
        assertThatThrownBy(() -> MeridianClient.builder().homeRegion("Region A")).hasMessageContaining("invalid region name");
        assertThatThrownBy(() -> MeridianClient.builder().endpoint("region-a", "ftp://x")).hasMessageContaining("http(s) URL");
        assertThatThrownBy(() -> MeridianClient.builder().maxAttempts(0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> MeridianClient.builder().homeRegion("region-a").build()).hasMessageContaining("no endpoint");
    }

    @Test
    void requestsFollowTheRoutingPlanAndTheLastPlanIsKeptWhenNoRouterAnswers() throws Exception {
        Stub a = stub();
        Stub b = stub();
        // region-a evacuated: clients homed in region-a go to region-b
        a.plan = "{\"version\":7,\"updatedAt\":1,\"regions\":{\"region-a\":{\"state\":\"EVACUATED\",\"keptPercent\":0},"
                + "\"region-b\":{\"state\":\"SERVING\",\"keptPercent\":100}},\"weights\":{\"region-a\":{\"region-b\":100},"
                + "\"region-b\":{\"region-b\":100}},\"operation\":null}";
        b.answer(200, ok("region-b"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).followRoutingPlan(java.time.Duration.ofMillis(50)).build();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> c.routingPlan().map(RoutingPlanVersion::of).orElse(0L) == 7L);
        a.plan = null; // no router answers any more: the client keeps version 7
        assertThat(c.put("ns", "r1", "k", "v").region()).hasToString("region-b");
        assertThat(a.paths).isEmpty();
        assertThat(b.paths).containsExactly("PUT /v1/namespaces/ns/records/r1");
        assertThat(c.routingPlan()).map(RoutingPlanVersion::of).hasValue(7L);
        c.close();
    }

    /** The plan's version (keeps the test free of the router module's types beyond the accessor). */
    static final class RoutingPlanVersion {
        static long of(io.meridian.core.wire.RoutingPlan p) {
            return p.version();
        }
    }

    @Test
    void aSpentRetryBudgetStopsRetriesSoAnOverloadIsNotMultiplied() throws IOException {
        Stub a = stub();
        Stub b = stub();
        for (int i = 0; i < 40; i++) {
            a.answer(503, UNAVAILABLE);
            b.answer(503, UNAVAILABLE);
        }
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).backoff(Duration.ofMillis(1)).maxAttempts(4)
                .retryBudget(new RetryBudget(0.1, 2)).followRoutingPlan(Duration.ZERO).build();
        int calls = 10;
        for (int i = 0; i < calls; i++) {
            assertThatThrownBy(() -> c.put("users", "u", "k", "v")).isInstanceOf(MeridianClientException.Unavailable.class);
        }
        int sent = a.tokens.size() + b.tokens.size();
        // 10 first attempts; retries: the burst of 2 plus a tenth of the 10 requests, not 3 per request (30)
        assertThat(sent).isBetween(calls, calls + 3);
        assertThatThrownBy(() -> c.put("users", "u", "k", "v")).hasMessageContaining("retry budget spent");
    }

    @Test
    void anEndpointsPathPrefixIsKept() throws IOException {
        Stub a = stub().answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url() + "/meridian/")
                .followRoutingPlan(Duration.ZERO).build();
        c.put("users", "u1", "k", "v");
        assertThat(a.paths).containsExactly("PUT /meridian/v1/namespaces/users/records/u1");
    }

    @Test
    void requestTimeoutAndTooManyRequestsAreRetried() throws IOException {
        Stub a = stub().answer(408, "{\"code\":408,\"message\":\"request timeout\"}")
                .answer(429, "{\"code\":429,\"message\":\"slow down\"}").answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).backoff(Duration.ofMillis(1)).build();
        assertThat(c.put("users", "u1", "k", "v").region().name()).isEqualTo("region-a");
        assertThat(a.tokens).hasSize(3).containsOnly(a.tokens.get(0));
    }

    @Test
    void aRefusalAfterAnAttemptWithoutVerdictSaysTheOutcomeIsUnknown() throws IOException {
        Stub a = stub().answer(503, UNAVAILABLE);
        Stub b = stub().answer(400, "{\"code\":400,\"message\":\"idempotency token is 400 s old\"}");
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).followRoutingPlan(Duration.ZERO).backoff(Duration.ofMillis(1)).build();
        assertThatThrownBy(() -> c.put("users", "u1", "k", "v"))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> {
                    assertThat(e.attempts()).isEqualTo(2);
                    assertThat(e.status()).isEqualTo(400);
                }).hasMessageContaining("its outcome is unknown");
    }

    @Test
    void aRefusalAfterAnAttemptThatNeverConnectedIsTheRefusalWithItsAttempts() throws IOException {
        Stub dead = stub();
        URI deadUrl = dead.url();
        dead.close();
        Stub b = stub().answer(400, "{\"code\":400,\"message\":\"bad ttl\"}");
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", deadUrl.toString())
                .endpoint("region-b", b.url().toString()).followRoutingPlan(Duration.ZERO).backoff(Duration.ofMillis(1)).build();
        assertThatThrownBy(() -> c.put("users", "u1", "k", "v"))
                .isInstanceOfSatisfying(MeridianClientException.InvalidRequest.class, e -> assertThat(e.attempts()).isEqualTo(2))
                .hasMessageContaining("bad ttl");
    }

    @Test
    void asyncCallsFailTheirStageInsteadOfThrowing() throws IOException {
        Stub a = stub();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).build();
        java.util.concurrent.CompletionStage<WriteResult> empty = c.putAsync("users", "u1", java.util.Map.of());
        assertThat(empty.toCompletableFuture()).isCompletedExceptionally();
        assertThat(c.getAsync("Bad Namespace!", "u1").toCompletableFuture()).isCompletedExceptionally();
        assertThatThrownBy(() -> c.put("users", "u1", java.util.Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one item");
        assertThat(a.paths).isEmpty();
    }

    @Test
    void aClosedClientRefusesLaterCalls() throws IOException {
        Stub a = stub().answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).build();
        c.close();
        assertThatThrownBy(() -> c.put("users", "u1", "k", "v")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(c.listNamespacesAsync().toCompletableFuture()).isCompletedExceptionally();
        assertThat(a.paths).isEmpty();
    }

    @Test
    void aBackoffLongerThanItsCapIsRefusedNotSilentlyCut() {
        assertThatThrownBy(() -> MeridianClient.builder().homeRegion("region-a").endpoint("region-a", "http://127.0.0.1:1")
                .backoff(Duration.ofSeconds(5)).build()).hasMessageContaining("maxBackoff");
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", "http://127.0.0.1:1")
                .followRoutingPlan(Duration.ZERO).backoff(Duration.ofSeconds(5)).maxBackoff(Duration.ofSeconds(10)).build();
        c.close();
    }

    @Test
    void perItemTtlIsSentAndReadBack() throws IOException {
        Stub a = stub().answer(200, ok("region-a")).answer(200, "{\"namespace\":\"users\",\"id\":\"u1\",\"items\":"
                + "[{\"key\":\"bmFtZQ==\",\"value\":\"QWRh\",\"timestamp\":5,\"ttlSeconds\":3599},"
                + "{\"key\":\"eA==\",\"value\":\"eQ==\",\"timestamp\":6,\"ttlSeconds\":null}]}");
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).build();
        c.mutate("users", "u1", RecordChange.builder().put(io.meridian.core.Bytes.utf8("name"), io.meridian.core.Bytes.utf8("Ada"),
                Duration.ofHours(1)).put("x", "y").build());
        assertThat(a.received.get(0)).contains("\"ttlSeconds\":3600").contains("\"ttlSeconds\":null");
        Record r = c.get("users", "u1");
        assertThat(r.items()).extracting(Item::ttlSeconds).containsExactly(3599, 0);
        assertThatThrownBy(() -> RecordChange.builder().put(io.meridian.core.Bytes.utf8("k"), io.meridian.core.Bytes.utf8("v"),
                Duration.ofMillis(1500))).hasMessageContaining("whole number of seconds");
    }

    @Test
    void fallBackRegionsFollowThePreferredOrder() throws IOException {
        Stub a = stub().answer(503, UNAVAILABLE);
        Stub b = stub();
        Stub c = stub().answer(200, ok("region-c"));
        MeridianClient client = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).endpoint("region-c", c.url().toString())
                .preferredRegions(io.meridian.core.RegionId.of("region-c")).followRoutingPlan(Duration.ZERO)
                .backoff(Duration.ofMillis(1)).build();
        assertThat(client.put("users", "u1", "k", "v").region().name()).isEqualTo("region-c");
        assertThat(b.paths).isEmpty();
    }

    @Test
    void readingNoChosenKeysReadsNothing() throws IOException {
        Stub a = stub();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).build();
        assertThat(c.get("users", "u1", List.of()).items()).isEmpty();
        assertThat(a.paths).as("no request: without keys the server answers the whole record").isEmpty();
    }

    @Test
    void aClientDroppedWithoutCloseIsCollectedNotKeptAliveByThePlanPoller() throws IOException {
        Stub a = stub(); // answers the plan with 404: the poller keeps trying
        java.lang.ref.WeakReference<MeridianClient> ref = new java.lang.ref.WeakReference<>(MeridianClient.builder()
                .homeRegion("region-a").endpoint("region-a", a.url().toString()).followRoutingPlan(Duration.ofMillis(20)).build());
        org.awaitility.Awaitility.await("the dropped client collected").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    System.gc();
                    return ref.get() == null;
                });
    }

    static final String NO_NAMESPACE = "{\"code\":404,\"message\":\"namespace 'users' does not exist\",\"reason\":\"namespace-not-found\"}";

    @Test
    void aMissingNamespaceIsToldApartAndInAFallBackRegionItIsThatRegionsFailure() throws IOException {
        Stub a = stub().answer(503, UNAVAILABLE).answer(404, NO_NAMESPACE)
                .answer(404, "{\"code\":404,\"message\":\"record 'u2' has no items\",\"reason\":\"record-not-found\"}");
        Stub b = stub().answer(404, NO_NAMESPACE);
        Stub c = stub().answer(200, ok("region-c"));
        MeridianClient client = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).endpoint("region-c", c.url().toString())
                .followRoutingPlan(Duration.ZERO).backoff(Duration.ofMillis(1)).build();
        assertThat(client.put("users", "u1", "k", "v").region().name()).as("b lacks the namespace: c takes it").isEqualTo("region-c");
        assertThatThrownBy(() -> client.get("users", "u1")).isInstanceOfSatisfying(MeridianClientException.NotFound.class,
                e -> assertThat(e.namespaceMissing()).isTrue());
        assertThatThrownBy(() -> client.get("users", "u2")).isInstanceOfSatisfying(MeridianClientException.NotFound.class,
                e -> assertThat(e.namespaceMissing()).isFalse());
        assertThat(b.paths).hasSize(1);
    }

    private static MeridianClient slowToGiveUp(Stub a) {
        return MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).requestTimeout(Duration.ofSeconds(20)).maxAttempts(4).build();
    }

    @Test
    void aCallWithA500msDeadlineAgainstAStalledServerEndsAtItsDeadlineAndSaysTheWriteMayHaveBeenApplied() throws IOException {
        for (int stall : new int[] {STALL, STALL_BODY}) {
            Stub a = stub().answer(stall, ok("region-a"));
            MeridianClient c = slowToGiveUp(a);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> c.mutate("users", "u1", RecordChange.builder().put("k", "v").build(),
                    CallOptions.defaults().withDeadline(Duration.ofMillis(500))))
                    .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> {
                        assertThat(e.deadlineExceeded()).isTrue();
                        assertThat(e.outcomeUnknown()).as("the write was sent and never answered").isTrue();
                        assertThat(e.token()).map(Object::toString).contains(a.tokens.get(0));
                    }).hasMessageContaining("deadline of 500 ms passed");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("stall %d: a 500 ms deadline returned after %d ms%n", stall, ms);
            // not a timing claim: the attempt's own timeout is 20 s, so returning at all this soon is the deadline's doing
            assertThat(ms).isLessThan(10_000);
            assertThat(Long.parseLong(a.deadlines.get(0))).as("the server is told how long it has").isBetween(1L, 500L);
        }
    }

    @Test
    void aCallersTokenIsSentSoARetryOfAnUnknownWriteIsTheSameWrite() throws IOException {
        Stub a = stub().answer(503, UNAVAILABLE).answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxAttempts(1).build();
        MeridianClientException.Unavailable failed = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> c.put("users", "u1", "k", "v"), MeridianClientException.Unavailable.class);
        assertThat(failed.outcomeUnknown()).as("a 503 is no proof that nothing was appended").isTrue();
        assertThat(failed.durable()).isFalse();
        IdempotencyToken token = failed.token().orElseThrow();
        c.mutate("users", "u1", RecordChange.builder().put("k", "v").build(), CallOptions.defaults().withIdempotencyToken(token));
        assertThat(a.tokens).containsExactly(token.toString(), token.toString());
    }

    @Test
    void aReadRefusesATokenAndAWriteThatNeverReachedAServerIsNotUnknown() throws IOException {
        Stub a = stub();
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).build();
        assertThat(c.getAsync("users", "u1", CallOptions.defaults().withIdempotencyToken(new IdempotencyToken(1, 1)))
                .toCompletableFuture()).isCompletedExceptionally();
        assertThat(a.paths).isEmpty();
        a.close();
        MeridianClient dead = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxAttempts(2).backoff(Duration.ofMillis(1)).build();
        assertThatThrownBy(() -> dead.put("users", "u1", "k", "v"))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> {
                    assertThat(e.outcomeUnknown()).as("no attempt connected").isFalse();
                    assertThat(e.deadlineExceeded()).isFalse();
                    assertThat(e.token()).isPresent();
                });
    }

    @Test
    void aPerCallRetryBudgetAndADeadlineShorterThanTheBackoffEndTheCallAfterOneAttempt() throws IOException {
        Stub a = stub().answer(503, UNAVAILABLE).answer(503, UNAVAILABLE).answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxAttempts(3).backoff(Duration.ofMillis(1)).build();
        RetryBudget spent = new RetryBudget(0, 1);
        assertThat(spent.tryRetry()).isTrue(); // its one token is gone
        assertThatThrownBy(() -> c.get("users", "u1", CallOptions.defaults().withRetryBudget(spent)))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> assertThat(e.attempts()).isEqualTo(1))
                .hasMessageContaining("retry budget spent");
        MeridianClient patient = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxAttempts(3).backoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(2))
                .build();
        assertThatThrownBy(() -> patient.get("users", "u1", CallOptions.defaults().withDeadline(Duration.ofMillis(800))))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> {
                    assertThat(e.attempts()).isEqualTo(1);
                    assertThat(e.deadlineExceeded()).isTrue();
                    assertThat(e.token()).isEmpty();
                    assertThat(e.outcomeUnknown()).as("a read").isFalse();
                });
        assertThat(a.paths).hasSize(2);
    }

    @Test
    void aDurableAnswerFollowedByARefusalIsStillADurableWriteNotARefusal() throws IOException {
        Stub a = stub().answer(503, "{\"code\":503,\"message\":\"durable, not applied\",\"durable\":true}")
                .answer(403, "{\"code\":403,\"message\":\"no right\"}");
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).backoff(Duration.ofMillis(1)).build();
        assertThatThrownBy(() -> c.put("users", "u1", "k", "v"))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> {
                    assertThat(e.durable()).isTrue();
                    assertThat(e.status()).isEqualTo(403);
                }).hasMessageContaining("will be applied");
    }

    @Test
    void theDefaultCallTimeoutNeverCutsTheConfiguredAttempts() {
        assertThat(MeridianClient.defaultCallTimeout(MeridianClient.builder())).isEqualTo(Duration.ofSeconds(60));
        MeridianClient.Builder slow = MeridianClient.builder().requestTimeout(Duration.ofSeconds(30)).maxAttempts(4);
        assertThat(MeridianClient.defaultCallTimeout(slow)).isGreaterThanOrEqualTo(Duration.ofSeconds(120));
    }

    /**
     * The JDK client completes its answers on the common fork-join pool (two threads on a 2-core machine): were callers'
     * continuations run there, a few that block would hold up every answer of the JVM. They run on the client's own
     * cached pool instead.
     */
    @Test
    void continuationsThatBlockHoldUpNoOtherAnswer() throws Exception {
        int blockers = 4;
        Stub a = stub();
        for (int i = 0; i < blockers; i++) {
            a.answer(SLOW_OK, ok("region-a")); // answered after 300 ms: the continuation is attached well before
        }
        a.answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxAttempts(1).build();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(blockers);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<java.util.concurrent.CompletableFuture<?>> held = new ArrayList<>();
        for (int i = 0; i < blockers; i++) {
            held.add(c.putAsync("users", "u" + i, java.util.Map.of(io.meridian.core.Bytes.utf8("k"), io.meridian.core.Bytes.utf8("v")))
                    .toCompletableFuture().thenRun(() -> {
                        threads.add(Thread.currentThread().getName());
                        started.countDown();
                        try {
                            release.await(60, java.util.concurrent.TimeUnit.SECONDS); // a caller's blocking continuation
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                        }
                    }));
        }
        try {
            assertThat(started.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("every continuation blocking").isTrue();
            assertThat(threads).as("where callers' continuations ran").allSatisfy(n -> assertThat(n).startsWith("meridian-client-callbacks"));
            assertThat(c.put("users", "u9", java.util.Map.of(io.meridian.core.Bytes.utf8("k"), io.meridian.core.Bytes.utf8("v")),
                    CallOptions.defaults().withDeadline(Duration.ofSeconds(20))).region().name()).isEqualTo("region-a");
        } finally {
            release.countDown();
        }
        for (java.util.concurrent.CompletableFuture<?> f : held) {
            f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void aContinuationThatBlocksOnAnExpiredCallDoesNotStopOtherDeadlines() throws Exception {
        Stub a = stub().answer(STALL, ok("region-a")).answer(STALL, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxAttempts(1).build();
        CallOptions soon = CallOptions.defaults().withDeadline(Duration.ofMillis(200));
        java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<?> first = c.getAsync("users", "u1", soon).toCompletableFuture()
                .exceptionally(e -> {
                    try {
                        blocked.await(60, java.util.concurrent.TimeUnit.SECONDS); // a caller's blocking continuation
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
        try {
            // a second call's deadline still ends it while the first call's continuation blocks
            assertThatThrownBy(() -> c.get("users", "u2", soon))
                    .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> assertThat(e.deadlineExceeded()).as(e.getMessage()).isTrue());
        } finally {
            blocked.countDown();
        }
        first.get(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void pastItsInFlightBoundACallFailsAtOnceWithNothingSentAndThePlaceFreesWhenACallEnds() throws Exception {
        Stub a = stub().answer(STALL, ok("region-a")).answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxInFlight(1).maxAttempts(1).build();
        java.util.concurrent.CompletableFuture<WriteResult> stalled = c.mutateAsync("users", "u1",
                RecordChange.builder().put("k", "v").build(), CallOptions.defaults().withDeadline(Duration.ofSeconds(2)))
                .toCompletableFuture();
        assertThatThrownBy(() -> c.put("users", "u2", "k", "v"))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> {
                    assertThat(e.outcomeUnknown()).as("not sent").isFalse();
                    assertThat(e.attempts()).isZero();
                    assertThat(e.token()).isPresent();
                }).hasMessageContaining("1 calls in flight");
        assertThatThrownBy(stalled::join).hasCauseInstanceOf(MeridianClientException.Unavailable.class);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(a.paths).hasSize(1)); // only the stalled call reached the server
        a.released.countDown(); // the stub may serve again
        assertThat(c.put("users", "u3", "k", "v").region().name()).isEqualTo("region-a");
    }

    @Test
    void aRefusalBeforeAnyWorkIsAVerdictNotAnUnknownOutcome() throws IOException {
        String refused = "{\"code\":503,\"message\":\"this server is overloaded\",\"reason\":\"not-written\"}";
        Stub a = stub().answer(503, refused).answer(503, refused);
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxAttempts(2).backoff(Duration.ofMillis(1)).build();
        assertThatThrownBy(() -> c.put("users", "u1", "k", "v"))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> {
                    assertThat(e.attempts()).isEqualTo(2);
                    assertThat(e.outcomeUnknown()).as("both attempts were refused before any work").isFalse();
                    assertThat(e.durable()).isFalse();
                }).hasMessageNotContaining("outcome is unknown");
    }

    @Test
    void aDeadlineOfForeverIsADayAndNeverCostsTheCallsPlace() throws IOException {
        Stub a = stub().answer(200, ok("region-a")).answer(200, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxInFlight(1).build();
        CallOptions forever = CallOptions.defaults().withDeadline(Duration.ofMillis(Long.MAX_VALUE));
        c.mutate("users", "u1", RecordChange.builder().put("k", "v").build(), forever);
        assertThat(Long.parseLong(a.deadlines.get(0))).isLessThanOrEqualTo(Duration.ofDays(1).toMillis());
        assertThat(c.put("users", "u2", "k", "v").region().name()).as("the first call's place was freed").isEqualTo("region-a");
    }

    @Test
    void cancellingWhatACallReturnedDoesNotFreeItsPlaceWhileItsExchangeRuns() throws Exception {
        Stub a = stub().answer(STALL, ok("region-a"));
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .followRoutingPlan(Duration.ZERO).maxInFlight(1).maxAttempts(1).build();
        java.util.concurrent.CompletableFuture<Record> first = c.getAsync("users", "u1",
                CallOptions.defaults().withDeadline(Duration.ofSeconds(2))).toCompletableFuture();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> a.paths.size() == 1);
        first.cancel(true);
        assertThatThrownBy(() -> c.get("users", "u2"))
                .isInstanceOfSatisfying(MeridianClientException.Unavailable.class, e -> assertThat(e.attempts()).isZero())
                .hasMessageContaining("calls in flight");
        assertThat(a.paths).hasSize(1);
        // the deadline ends the first call: its place is free again
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThatThrownBy(() -> c.get("users", "u3")).isInstanceOfSatisfying(MeridianClientException.Unavailable.class,
                        e -> assertThat(e.attempts()).isPositive()));
    }

    @Test
    void aRequestTheHttpClientRefusesToBuildEndsTheCallAtOnce() throws IOException {
        MeridianClient c = MeridianClient.builder().homeRegion("region-a").endpoint("region-a", "http:/no-host")
                .followRoutingPlan(Duration.ZERO).maxInFlight(1).build();
        for (int i = 0; i < 3; i++) { // each call frees its place
            assertThatThrownBy(() -> c.get("users", "u1", CallOptions.defaults().withDeadline(Duration.ofSeconds(30))))
                    .isInstanceOf(RuntimeException.class).isNotInstanceOf(MeridianClientException.Unavailable.class);
        }
    }
}
