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

    /**
     * A mark as read.
     *
     * @param text the mark, what a clear must name
     * @param needsOperator it names a discarded dead letter: a repair or rebuild cannot know whether that was a write
     *        no region applied, so it leaves the mark for an operator
     */
    record Seen(String text, boolean needsOperator) {
    }

    /** Why a repair or rebuild leaves a mark that names discarded dead letters. */
    static final String LEFT_FOR_OPERATOR = "it names discarded dead letters, and one may be a write no region applied (no copy"
            + " brings that back): an operator clears it after checking (docs/operations.md, dead letters)";

    /** The region's mark, empty when it has none; throws when its server does not answer. */
    static Optional<Seen> read(String serverUrl, String authorization) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(serverUrl + "/v1/replication"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(serverUrl + " answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode status = JSON.readTree(r.body());
        JsonNode n = status.path("needsRepair");
        return n.isTextual() ? Optional.of(new Seen(n.asText(), status.path("repairMarkNeedsOperator").asBoolean())) : Optional.empty();
    }

    /**
     * Clears the mark if it is still {@code seen} and a repair may clear it: empty when cleared, else why it stays
     * (one line).
     */
    static Optional<String> clear(String serverUrl, String authorization, Seen seen, String reason) {
        if (seen.needsOperator()) {
            return Optional.of(LEFT_FOR_OPERATOR);
        }
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(serverUrl + "/v1/replication/needs-repair/clear"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", authorization).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(new RepairMarkClear(reason, seen.text())))).build(),
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
