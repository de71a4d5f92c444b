package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.client.MeridianClientTest.Stub;
import io.meridian.core.Bytes;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Conditional writes in the client, against stand-in servers: where they go, what a refusal says. */
class ConditionalClientTest {

    @RegisterExtension
    final StubServers stubs = new StubServers();

    static final String FAILED = "{\"code\":409,\"message\":\"the condition does not hold\",\"reason\":\"condition-failed\","
            + "\"current\":[{\"key\":\"aw==\",\"value\":null,\"timestamp\":1790000000000064,\"ttlSeconds\":null}]}";

    private MeridianClient client(Stub a, Stub b) {
        return MeridianClient.builder().homeRegion("region-a").endpoint("region-a", a.url().toString())
                .endpoint("region-b", b.url().toString()).followRoutingPlan(Duration.ZERO).backoff(Duration.ofMillis(1)).build();
    }

    @Test
    void aFailedConditionIsItsOwnExceptionWithTheCurrentVersionsAndTheNextTokenIsAfterThem() throws IOException {
        Stub a = stubs.stub().answer(409, FAILED).answer(200, MeridianClientTest.ok("region-a"));
        Stub b = stubs.stub();
        MeridianClient c = client(a, b);
        RecordChange change = RecordChange.builder().ifVersion("k", 1790000000000032L).put("k", "v").build();
        assertThatThrownBy(() -> c.mutate("users", "u1", change)).isInstanceOfSatisfying(MeridianClientException.ConditionFailed.class,
                e -> assertThat(e.current()).containsEntry(Bytes.utf8("k"), 1790000000000064L));
        assertThat(a.paths.get(0)).isEqualTo("POST /v1/namespaces/users/records/u1/conditional");
        assertThat(a.received.get(0)).contains("\"condition\"").contains("\"timestamp\":1790000000000032");
        c.mutate("users", "u1", RecordChange.builder().put("k", "v").build());
        assertThat(Long.parseLong(a.tokens.get(1).split("-")[0])).as("a later token than the version it was refused against")
                .isGreaterThan(1790000000000064L);
        assertThat(b.paths).isEmpty();
    }

    @Test
    void aConditionalWriteIsRetriedInItsRegionNeverDecidedByAnother() throws IOException {
        Stub a = stubs.stub().answer(503, "{\"code\":503,\"message\":\"another conditional write\",\"reason\":\"not-written\"}")
                .answer(200, MeridianClientTest.ok("region-a"));
        Stub b = stubs.stub().answer(200, MeridianClientTest.ok("region-b"));
        MeridianClient c = client(a, b);
        WriteResult w = c.mutate("users", "u1", RecordChange.builder().ifRecordAbsent().put("k", "v").build());
        assertThat(w.region()).hasToString("region-a");
        assertThat(a.tokens).hasSize(2).containsOnly(a.tokens.get(0));
        assertThat(b.paths).as("another region's state never decides it").isEmpty();
    }

    @Test
    void aServerWithoutConditionalWritesRefusesAndTheClientSaysSo() throws IOException {
        Stub a = stubs.stub().answer(404, "{\"code\":404,\"message\":\"HTTP 404 Not Found\"}");
        Stub b = stubs.stub();
        MeridianClient c = client(a, b);
        assertThatThrownBy(() -> c.mutate("users", "u1", RecordChange.builder().ifAbsent("k").put("k", "v").build()))
                .isInstanceOfSatisfying(MeridianClientException.InvalidRequest.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessageContaining("takes no conditional writes");
        assertThatThrownBy(() -> RecordChange.builder().ifVersion("k", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
