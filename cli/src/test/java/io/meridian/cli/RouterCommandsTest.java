package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the router's operator commands is refused with exit 2 before anything is sent. */
class RouterCommandsTest {

    @TempDir
    Path dir;

    @Test
    void stepsThatDoNotIncreaseToOneHundredAreBadInput() {
        CliRun run = CliRun.of("evacuate", "region-a", "--steps", "50,40,100", "--reason", "x", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: --steps must increase within 1..100 and end at 100; got [50, 40, 100]");
        CliRun notToHundred = CliRun.of("restore", "region-a", "--steps", "25,50", "--dir", dir.toString());
        assertThat(notToHundred.exitCode()).isEqualTo(2);
        assertThat(notToHundred.reason()).isEqualTo("meridian: --steps must end at 100; got [25, 50]");
    }

    @Test
    void aBakeThatIsNotADurationIsBadInput() {
        CliRun run = CliRun.of("evacuate", "region-a", "--bake", "soon", "--reason", "x", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: --bake 'soon' is not a duration like 10s or 2m");
    }

    @Test
    void anEvacuationWithoutAReasonIsAUsageError() {
        CliRun run = CliRun.of("evacuate", "region-a", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--reason");
    }

    @Test
    void withoutAClusterTheCommandIsUnavailable() {
        CliRun run = CliRun.of("abort", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.reason()).startsWith("meridian: no cluster in " + dir);
    }

    /** A stand-in router answering every request with one status and body, recording the paths it got. */
    private static HttpServer router(int status, String body, List<String> seen) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            ex.getRequestBody().readAllBytes();
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        return server;
    }

    private void clusterOf(HttpServer a, HttpServer b) throws IOException {
        StringBuilder json = new StringBuilder("{\"backend\":\"embedded\",\"directory\":\"" + dir + "\",\"basePort\":25700,"
                + "\"regions\":[");
        HttpServer[] servers = {a, b};
        for (int i = 0; i < 2; i++) {
            String url = "http://127.0.0.1:" + servers[i].getAddress().getPort();
            json.append(i == 0 ? "" : ",").append("{\"name\":\"region-").append((char) ('a' + i)).append("\",\"dataCenter\":\"region-")
                    .append((char) ('a' + i)).append("\",\"cassandra\":{\"contactPoint\":\"127.0.0.1:1\",\"pid\":0},")
                    .append("\"kafka\":{\"bootstrap\":\"127.0.0.1:1\",\"pid\":0},\"servers\":[{\"instance\":0,\"url\":\"")
                    .append(url).append("\",\"adminUrl\":\"").append(url).append("\",\"pid\":0}]}");
        }
        Files.writeString(dir.resolve("cluster.json"), json.append("]}").toString());
    }

    @Test
    void aRouterThatAnswers503IsNotAskedAgainElsewhereTheOperatorIsToldToLook() throws IOException {
        List<String> seenA = new CopyOnWriteArrayList<>();
        List<String> seenB = new CopyOnWriteArrayList<>();
        HttpServer a = router(503, "{\"code\":503,\"message\":\"mutation log unavailable\"}", seenA);
        HttpServer b = router(409, "{\"code\":409,\"message\":\"the steps are already held\"}", seenB);
        try {
            clusterOf(a, b);
            CliRun run = CliRun.of("hold", "--reason", "look first", "--dir", dir.toString());
            assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
            assertThat(run.reason()).contains("answered 503: mutation log unavailable").contains("may or may not have been made");
            assertThat(seenA).containsExactly("POST /v1/router/hold");
            assertThat(seenB).as("not sent again: it could be refused although the first one happened").isEmpty();
        } finally {
            a.stop(0);
            b.stop(0);
        }
    }

    @Test
    void aRefusalIsExit1WithTheReasonAndBadCredentialsAreExit2() throws IOException {
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer a = router(409, "{\"code\":409,\"message\":\"no evacuation or restore is in progress\"}", seen);
        HttpServer b = router(401, "Credentials are required to access this resource.", seen);
        try {
            clusterOf(a, b);
            CliRun refused = CliRun.of("abort", "--reason", "x", "--dir", dir.toString());
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.err()).contains("refused: no evacuation or restore is in progress");
            CliRun unauthorized = CliRun.of("evacuate", "region-a", "--reason", "x", "--dir", dir.toString());
            assertThat(unauthorized.exitCode()).as("sent through region-b, which refuses the credentials").isEqualTo(2);
            assertThat(unauthorized.reason()).contains("refused the operator credentials");
        } finally {
            a.stop(0);
            b.stop(0);
        }
    }
}
