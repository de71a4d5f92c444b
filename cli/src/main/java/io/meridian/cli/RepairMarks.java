package io.meridian.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.wire.RepairMarkClear;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A region's repair mark as {@code meridian repair} and {@code rebuild} handle it: read before they start making the
 * region whole, cleared afterwards only if it is still exactly what they read. An incident that arrives while they
 * work (a log gap, a discarded dead letter) changes the mark, so it stays for the next repair instead of being
 * cleared by one that did not cover it.
 */
final class RepairMarks {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private RepairMarks() {
    }

    /** The region's mark, empty when it has none; throws when its server does not answer. */
    static Optional<String> read(String serverUrl, String authorization) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(serverUrl + "/v1/replication"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(serverUrl + " answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode n = JSON.readTree(r.body()).path("needsRepair");
        return n.isTextual() ? Optional.of(n.asText()) : Optional.empty();
    }

    /** Clears the mark if it is still {@code seen}: empty when cleared, else why it stays (one line). */
    static Optional<String> clear(String serverUrl, String authorization, String seen, String reason) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(serverUrl + "/v1/replication/needs-repair/clear"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", authorization).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(new RepairMarkClear(reason, seen)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return Optional.empty();
            }
            String message = JSON.readTree(r.body()).path("message").asText(r.body());
            return Optional.of(r.statusCode() == 409 ? message + ": run meridian repair again" : "answered " + r.statusCode() + ": " + message);
        } catch (Exception e) {
            return Optional.of("not answered (" + e.getMessage() + ")");
        }
    }
}
