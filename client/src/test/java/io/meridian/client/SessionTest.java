package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.client.MeridianClientTest.Stub;
import io.meridian.core.Bytes;
import io.meridian.core.IdempotencyToken;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sessions against stand-in servers: what a call sends and keeps, and regions that cannot serve the session. */
class SessionTest {

    static final String WRITTEN = "{\"timestamp\":1700000000000000,\"token\":\"1700000000000000-00000000000000aa\",\"region\":\"region-a\"}";
    static final String NOT_SATISFIED = "{\"code\":503,\"message\":\"this region has not applied what the session has seen\","
            + "\"reason\":\"session-not-satisfied\"}";

    @RegisterExtension
    final StubServers stubs = new StubServers();

    private MeridianClient.Builder client(Stub a, Stub b) {
        return MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).followRoutingPlan(Duration.ZERO).backoff(Duration.ofMillis(1));
    }

    @Test
    void aSessionKeepsItsWritesPositionsAndSendsThemWithReadsAndConditionalWrites() throws IOException {
        Stub a = stubs.stub().answer(200, WRITTEN).answer(200, HedgingTest.RECORD).answer(200, HedgingTest.RECORD)
                .answer(200, WRITTEN);
        Session session = new Session();
        MeridianClient c = client(a, stubs.stub()).build();
        CallOptions inSession = CallOptions.defaults().withSession(session);
        a.answerSession = "region-a:3:11";
        c.put("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v")), inSession);
        assertThat(session.token()).isEqualTo("region-a:3:11,@1700000000000000");
        a.answerSession = "region-a:3:9"; // an older position of the same partition never lowers it
        c.get("users", "u1", inSession);
        assertThat(session.token()).isEqualTo("region-a:3:11,@1700000000000000");
        c.get("users", "u1"); // no session: nothing sent
        c.mutate("users", "u1", RecordChange.builder().ifAbsent("k").put("k", "v").build(), inSession);
        assertThat(a.sessions).containsExactly(null, "region-a:3:11,@1700000000000000", null, "region-a:3:11,@1700000000000000");
        assertThat(Session.resume(session.token()).token()).isEqualTo(session.token());
        assertThatThrownBy(() -> Session.resume("region-a:x:1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole numbers");
        c.close();
    }

    @Test
    void theClientsSessionIsEveryCallsUnlessOneNamesItsOwn() throws IOException {
        Stub a = stubs.stub().answer(200, WRITTEN).answer(200, HedgingTest.RECORD).answer(200, HedgingTest.RECORD);
        a.answerSession = "region-a:0:4";
        Session clientWide = new Session();
        Session own = new Session();
        MeridianClient c = client(a, stubs.stub()).session(clientWide).build();
        c.put("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v")));
        c.get("users", "u1");
        c.get("users", "u1", CallOptions.defaults().withSession(own));
        assertThat(clientWide.token()).startsWith("region-a:0:4");
        assertThat(own.token()).as("a read adds nothing but what its answer says").isEqualTo("region-a:0:4");
        assertThat(a.sessions).containsExactly(null, "region-a:0:4,@1700000000000000", null);
        c.close();
    }

    @Test
    void aSessionsNextWriteIsStampedAfterItsLastWhicheverHostMakesIt() throws IOException {
        long ahead = (System.currentTimeMillis() + 60_000) * 1000; // a write stamped by a host a minute ahead
        Stub a = stubs.stub().answer(200, "{\"timestamp\":" + ahead + ",\"token\":\"" + ahead + "-00000000000000aa\",\"region\":\"region-a\"}")
                .answer(200, WRITTEN);
        Session session = new Session();
        MeridianClient first = client(a, stubs.stub()).build();
        first.put("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v1")), CallOptions.defaults().withSession(session));
        MeridianClient second = client(a, stubs.stub()).clock(Clock.systemUTC()).build(); // "another host"
        second.put("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v2")), CallOptions.defaults().withSession(Session.resume(session.token())));
        assertThat(IdempotencyToken.parse(a.tokens.get(1)).generationMicros()).as("after the session's last write")
                .isGreaterThan(ahead);
        first.close();
        second.close();
    }

    @Test
    void aRegionThatCannotServeTheSessionIsPassedOverAndWhenNoneCanTheCallSaysSo() throws IOException {
        Stub a = stubs.stub().answer(503, NOT_SATISFIED).answer(503, NOT_SATISFIED).answer(503, NOT_SATISFIED);
        Stub b = stubs.stub().answer(200, HedgingTest.RECORD).answer(503, NOT_SATISFIED).answer(503, NOT_SATISFIED);
        Session session = Session.resume("region-a:2:7");
        List<MeridianListener.Outcome> outcomes = new CopyOnWriteArrayList<>();
        MeridianClient c = client(a, b).session(session).maxAttempts(4).listener(new MeridianListener() {
            @Override
            public void callEnded(CallEnded call) {
                outcomes.add(call.outcome());
            }
        }).build();
        assertThat(c.get("users", "u1").items()).as("served by region-b").hasSize(1);
        assertThat(b.sessions).containsExactly("region-a:2:7");
        assertThatThrownBy(() -> c.get("users", "u2")).isInstanceOfSatisfying(MeridianClientException.SessionNotSatisfied.class, e -> {
            assertThat(e.attempts()).isEqualTo(4);
            assertThat(e.isRetriable()).isTrue();
            assertThat(e.deadlineExceeded()).isFalse();
        }).hasMessageContaining("session");
        assertThat(outcomes).containsExactly(MeridianListener.Outcome.OK, MeridianListener.Outcome.SESSION_NOT_SATISFIED);
        c.close();
    }

    @Test
    void anAnswerOfAServerThatIgnoresSessionsIsNeverTakenForTheSessionsRead() throws IOException {
        Stub a = stubs.stub().answer(200, HedgingTest.RECORD).answer(404, "{\"code\":404,\"message\":\"no items\","
                + "\"reason\":\"record-not-found\"}");
        a.honoursSessions = false; // a server older than sessions
        Stub b = stubs.stub().answer(200, HedgingTest.RECORD);
        MeridianClient c = client(a, b).session(Session.resume("region-a:2:7")).maxAttempts(2).build();
        assertThat(c.get("users", "u1").items()).as("region-b honoured it").hasSize(1);
        b.honoursSessions = false;
        b.answer(200, HedgingTest.RECORD);
        assertThatThrownBy(() -> c.get("users", "u1")).as("not even its not-found")
                .isInstanceOfSatisfying(MeridianClientException.SessionNotSatisfied.class,
                        e -> assertThat(e.getMessage()).contains("does not honour sessions"));
        a.answer(200, HedgingTest.RECORD);
        assertThat(c.get("users", "u9", CallOptions.defaults().withSession(new Session())).items())
                .as("an empty session asks nothing").hasSize(1);
        c.close();
    }

    static final String NAMESPACE = "{\"name\":\"users\",\"defaultTtlSeconds\":0,\"cacheEnabled\":true,\"cacheTtlSeconds\":300}";

    @Test
    void namespaceCallsOfAClientWithASessionAreNotPartOfIt() throws IOException {
        Stub a = stubs.stub().answer(200, WRITTEN).answer(200, NAMESPACE).answer(200, "{\"namespaces\":[" + NAMESPACE + "]}");
        a.answerSession = "region-a:1:3";
        a.honoursSessions = false; // namespace calls never say they honoured a session: they carry none
        MeridianClient c = client(a, stubs.stub()).session(new Session()).build();
        c.put("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v")));
        assertThat(c.describeNamespace("users").name()).isEqualTo("users");
        assertThat(c.listNamespaces()).hasSize(1);
        assertThat(a.sessions).containsExactly(null, null, null);
        c.close();
    }

    @Test
    void aConditionalWriteARegionCouldNotDecideForTheSessionYetEndsWithItsVerdictNotOutcomeUnknown() throws IOException {
        Stub a = stubs.stub().answer(503, NOT_SATISFIED).answer(409, "{\"code\":409,\"message\":\"the record has items\","
                + "\"reason\":\"condition-failed\",\"current\":[]}");
        MeridianClient c = client(a, stubs.stub()).session(Session.resume("region-b:0:5")).build();
        assertThatThrownBy(() -> c.mutate("users", "u1", RecordChange.builder().ifRecordAbsent().put("k", "v").build()))
                .isInstanceOf(MeridianClientException.ConditionFailed.class);
        c.close();
    }

    @Test
    void aSessionWhoseTokenIsFullRefusesToGoOnRatherThanForgetAWrite() throws IOException {
        StringBuilder many = new StringBuilder();
        for (int p = 0; p < 300; p++) {
            many.append(p == 0 ? "" : ",").append("region-a:").append(p).append(":1");
        }
        StringBuilder more = new StringBuilder();
        for (int p = 0; p < 30; p++) {
            more.append(p == 0 ? "" : ",").append("region-b:").append(p).append(":1");
        }
        Stub a = stubs.stub().answer(200, WRITTEN).answer(200, WRITTEN);
        Session session = new Session();
        MeridianClient c = client(a, stubs.stub()).session(session).build();
        a.answerSession = many.toString();
        c.put("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v")));
        a.answerSession = more.toString(); // 330 positions: more than a token holds
        c.put("users", "u2", Map.of(Bytes.utf8("k"), Bytes.utf8("v")));
        assertThatThrownBy(() -> c.get("users", "u2")).isInstanceOf(IllegalStateException.class).hasMessageContaining("new session");
        assertThatThrownBy(session::token).as("carried elsewhere it would miss a write").isInstanceOf(IllegalStateException.class);
        assertThat(c.getAsync("users", "u2").toCompletableFuture()).as("an async call fails its stage").isCompletedExceptionally();
        c.close();
    }

    @Test
    void aResumedTokenFromFarAheadMovesOnlyItsOwnSessionsWrites() throws IOException {
        long farAhead = (System.currentTimeMillis() + 3_600_000L) * 1000;
        Stub a = stubs.stub().answer(200, WRITTEN).answer(200, WRITTEN);
        MeridianClient c = client(a, stubs.stub()).build();
        c.put("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v")), CallOptions.defaults().withSession(Session.resume("@" + farAhead)));
        c.put("users", "u2", Map.of(Bytes.utf8("k"), Bytes.utf8("v")));
        assertThat(IdempotencyToken.parse(a.tokens.get(0)).generationMicros()).isGreaterThan(farAhead);
        assertThat(IdempotencyToken.parse(a.tokens.get(1)).generationMicros()).as("the client's other writes keep its clock")
                .isLessThan(farAhead - 3_000_000_000L);
        c.close();
    }

    @Test
    void writesOfASessionAheadOfThisClientsClockNeverShareATimestamp() throws Exception {
        long ahead = (System.currentTimeMillis() + 60_000) * 1000;
        Stub a = stubs.stub().answer(200, WRITTEN).answer(200, WRITTEN);
        MeridianClient c = client(a, stubs.stub()).build();
        CallOptions inSession = CallOptions.defaults().withSession(Session.resume("@" + ahead));
        var first = c.putAsync("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v1")), inSession);
        var second = c.putAsync("users", "u1", Map.of(Bytes.utf8("k"), Bytes.utf8("v2")), inSession); // pipelined
        first.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        second.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        List<Long> stamps = a.tokens.stream().map(t -> IdempotencyToken.parse(t).generationMicros()).sorted().toList();
        assertThat(stamps).hasSize(2).allMatch(t -> t > ahead);
        assertThat(stamps.get(1) - stamps.get(0)).as("a whole timestamp unit apart").isGreaterThanOrEqualTo(32);
        c.close();
    }

    @Test
    void aSessionReadOfAMissingNamespaceIsNotFound() throws IOException {
        Stub a = stubs.stub().answer(404, "{\"code\":404,\"message\":\"namespace 'nope' does not exist\",\"reason\":\"namespace-not-found\"}");
        a.honoursSessions = false; // refused before the session was looked at
        MeridianClient c = client(a, stubs.stub()).session(Session.resume("region-a:0:1")).build();
        assertThatThrownBy(() -> c.get("nope", "u1")).isInstanceOfSatisfying(MeridianClientException.NotFound.class,
                e -> assertThat(e.namespaceMissing()).isTrue());
        c.close();
    }
}
