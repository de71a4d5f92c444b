package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.meridian.core.BasicCredentials;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.core.wire.RouterStatus;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.core.wire.TrafficChange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator client against a scripted HTTP server of our own (the real server is covered by the ITs). */
class OperatorClientTest {

    private HttpServer server;
    private final Map<String, String[]> answers = new ConcurrentHashMap<>(); // path -> {status, body}
    private final Map<String, String> seen = new ConcurrentHashMap<>(); // path -> "METHOD auth body"
    private OperatorClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().toString();
            seen.put(path, ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Authorization") + " "
                    + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String[] a = answers.getOrDefault(path, new String[] {"404", "{\"code\":404,\"message\":\"no such path\"}"});
            byte[] body = a[1].getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(Integer.parseInt(a[0]), body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        client = OperatorClient.create(new BasicCredentials("op", "s3cret"), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private OperatorClient.Server at() {
        return client.at("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @Test
    void answersAreTypedAndUnknownFieldsAreIgnored() {
        answers.put("/v1/replication", new String[] {"200", "{\"region\":\"region-b\",\"sources\":[{\"source\":\"region-a\","
                + "\"lagOffsets\":3,\"lagMillis\":120,\"held\":[\"p0@7: unknown namespace\"],\"caughtUp\":false,"
                + "\"someFutureField\":1}],\"openDeadLetters\":2,\"needsRepair\":null,\"appliersRunning\":true}"});
        answers.put("/v1/router/status", new String[] {"200", "{\"observer\":\"region-a\",\"planVersion\":4,\"regions\":"
                + "[{\"region\":\"region-c\",\"state\":\"EVACUATED\",\"keptPercent\":0}]}"});

        ReplicationStatus r = at().replication();
        assertThat(r.region()).isEqualTo(io.meridian.core.RegionId.of("region-b"));
        assertThat(r.from(io.meridian.core.RegionId.of("region-a"))).get().satisfies(s -> {
            assertThat(s.held()).containsExactly("p0@7: unknown namespace");
            assertThat(s.effectiveLagMillis()).isEqualTo(120);
        });
        assertThat(r.from(io.meridian.core.RegionId.of("region-c"))).isEmpty();
        RouterStatus st = at().routerStatus();
        assertThat(st.regions().get(0).state()).isEqualTo(TrafficState.EVACUATED);
        assertThat(seen.get("/v1/replication")).isEqualTo("GET " + new BasicCredentials("op", "s3cret").header() + " ");
    }

    @Test
    void aChangeIsSentAsJsonAndTheAnswerIsThePlan() {
        answers.put("/v1/router/evacuate", new String[] {"200", "{\"version\":7,\"updatedAt\":1,\"regions\":{\"region-c\":"
                + "{\"state\":\"EVACUATING\",\"keptPercent\":75}},\"weights\":{},\"operation\":{\"kind\":\"EVACUATE\","
                + "\"region\":\"region-c\",\"steps\":[25,100],\"stepIndex\":0,\"held\":false}}"});

        RoutingPlan p = at().evacuate(new TrafficChange("region-c", List.of(25, 100), 5, "drill", null));

        assertThat(p.version()).isEqualTo(7);
        assertThat(p.operation().kind()).isEqualTo(RoutingPlan.Shift.Kind.EVACUATE);
        assertThat(seen.get("/v1/router/evacuate")).startsWith("POST ")
                .endsWith("{\"region\":\"region-c\",\"steps\":[25,100],\"bakeSeconds\":5,\"reason\":\"drill\",\"force\":null}");
    }

    @Test
    void failuresSayWhatToDo() {
        answers.put("/v1/router/restore", new String[] {"409", "{\"code\":409,\"message\":\"region-c lags 4 s\"}"});
        answers.put("/v1/router/abort", new String[] {"401", "Credentials are required to access this resource."});
        answers.put("/v1/router/hold", new String[] {"400", "{\"code\":400,\"message\":\"reason is required\"}"});
        answers.put("/v1/replication/appliers/stop", new String[] {"503", "{\"code\":503,\"message\":\"busy\"}"});
        answers.put("/v1/cache", new String[] {"200", "<html>a proxy's page</html>"});

        assertThatThrownBy(() -> at().restore(TrafficChange.of("region-c", "back")))
                .isInstanceOfSatisfying(OperatorException.class, e -> {
                    assertThat(e.kind()).isEqualTo(OperatorException.Kind.REFUSED);
                    assertThat(e.getMessage()).isEqualTo("region-c lags 4 s");
                    assertThat(e.retryElsewhere()).isFalse();
                });
        assertThatThrownBy(() -> at().abort("x")).isInstanceOfSatisfying(OperatorException.class,
                e -> assertThat(e.kind()).isEqualTo(OperatorException.Kind.UNAUTHORIZED));
        assertThatThrownBy(() -> at().hold("")).isInstanceOfSatisfying(OperatorException.class,
                e -> assertThat(e.kind()).isEqualTo(OperatorException.Kind.BAD_REQUEST));
        assertThatThrownBy(() -> at().stopAppliers()).isInstanceOfSatisfying(OperatorException.class,
                e -> assertThat(e.retryElsewhere()).isTrue());
        assertThatThrownBy(() -> at().cache()).isInstanceOfSatisfying(OperatorException.class,
                e -> assertThat(e.kind()).isEqualTo(OperatorException.Kind.UNAVAILABLE));
        int port = server.getAddress().getPort();
        server.stop(0);
        assertThatThrownBy(() -> client.at("http://127.0.0.1:" + port).plan()).isInstanceOfSatisfying(OperatorException.class,
                e -> assertThat(e.kind()).isEqualTo(OperatorException.Kind.UNREACHABLE));
    }

    @Test
    void aDownServersHealthIsAReportNotAFailure() {
        answers.put("/v1/router/health", new String[] {"503", "{\"healthy\":false,\"level\":\"DOWN\",\"down\":"
                + "[\"cassandra unreachable\"],\"clockMillis\":5,\"planVersion\":2}"});
        assertThat(at().health().down()).containsExactly("cassandra unreachable");
        answers.put("/v1/router/health", new String[] {"503", "{\"code\":503,\"message\":\"starting\"}"});
        assertThatThrownBy(() -> at().health()).isInstanceOf(OperatorException.class);
    }
}
