package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Bytes;
import io.meridian.core.IdempotencyToken;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input gets a clear 4xx and changes nothing: after every case the region's mutation log has not
 * grown and the record does not exist.
 */
@ExtendWith(LocalClusterExtension.class)
class BadInputIT {

    static final String NS = "bad_input_it";
    static RegionEndpoints a;
    long logBefore;

    private static LocalCluster theCluster;

    @BeforeAll
    static void namespace(LocalCluster cluster) throws Exception {
        theCluster = cluster;
        a = cluster.regions().get(0);
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + NS, "{}", Http.operator(theCluster)).status()).isIn(200, 201);
    }

    @BeforeEach
    void rememberTheLog() throws Exception {
        logBefore = Http.logEnd(a.kafkaBootstrap());
    }

    private void assertNothingWritten(String id) throws Exception {
        assertThat(Http.logEnd(a.kafkaBootstrap())).as("mutation log end offsets").isEqualTo(logBefore);
        if (id != null) {
            Http.Answer read = Http.send("GET", recordUrl(id), null);
            assertThat(read.status()).as("record " + id).isEqualTo(404);
            assertThat(read.json().path("reason").asText()).as("record " + id).isEqualTo("record-not-found");
        }
    }

    static String recordUrl(String id) {
        return a.serverUrl() + "/v1/namespaces/" + NS + "/records/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String items(byte[] key, byte[] value) {
        return "{\"items\":[{\"key\":\"" + Base64.getEncoder().encodeToString(key) + "\",\"value\":\""
                + Base64.getEncoder().encodeToString(value) + "\"}]}";
    }

    static final String ONE_ITEM = items("k".getBytes(), "v".getBytes());

    @Test
    void cqlLookingNamespaceIs400() throws Exception {
        String evil = URLEncoder.encode("x; DROP TABLE meridian.namespaces", StandardCharsets.UTF_8).replace("+", "%20");
        Http.Answer create = Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + evil, "{}", Http.operator(theCluster));
        assertThat(create.status()).isEqualTo(400);
        assertThat(create.json().path("message").asText()).contains("invalid namespace name");
        Http.Answer put = Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + evil + "/records/r", ONE_ITEM);
        assertThat(put.status()).isEqualTo(400);
        assertNothingWritten(null);
        // the registry survived
        assertThat(Http.send("GET", a.serverUrl() + "/v1/namespaces/" + NS, null).status()).isEqualTo(200);
    }

    @Test
    void aNamespaceCreationWhoseDeadlineHasPassedCreatesNothing() throws Exception {
        Map<String, String> headers = new java.util.HashMap<>(Http.operator(theCluster));
        headers.put("Meridian-Deadline-Ms", "0");
        Http.Answer late = Http.send("PUT", a.serverUrl() + "/v1/namespaces/bad_input_late", "{}", headers);
        assertThat(late.status()).as(late.body()).isEqualTo(504);
        assertThat(late.json().path("reason").asText()).isEqualTo("deadline-passed");
        headers.put("Meridian-Deadline-Ms", "soon");
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/bad_input_late", "{}", headers).status()).isEqualTo(400);
        for (var region : theCluster.regions()) {
            assertThat(Http.send("GET", region.serverUrl() + "/v1/namespaces/bad_input_late", null, Http.operator(theCluster)).status())
                    .as("not created in %s", region.region()).isEqualTo(404);
        }
    }

    @Test
    void unknownNamespaceIs404() throws Exception {
        Http.Answer put = Http.send("PUT", a.serverUrl() + "/v1/namespaces/no_such_ns/records/r", ONE_ITEM);
        assertThat(put.status()).isEqualTo(404);
        assertThat(put.json().path("message").asText()).isEqualTo("namespace 'no_such_ns' does not exist");
        assertThat(put.json().path("reason").asText()).isEqualTo("namespace-not-found");
        assertNothingWritten(null);
    }

    @Test
    void idOverTheLimitIs413NamingIt() throws Exception {
        String id = "i".repeat(513);
        Http.Answer put = Http.send("PUT", recordUrl(id), ONE_ITEM);
        assertThat(put.status()).isEqualTo(413);
        assertThat(put.json().path("message").asText()).isEqualTo("record id is 513 bytes; the limit is 512 bytes (UTF-8)");
        assertNothingWritten(null);
    }

    @Test
    void keyOverTheLimitIs413() throws Exception {
        Http.Answer put = Http.send("PUT", recordUrl("big-key"), items(new byte[1025], "v".getBytes()));
        assertThat(put.status()).isEqualTo(413);
        assertThat(put.json().path("message").asText()).isEqualTo("item key is 1025 bytes; the limit is 1024 bytes");
        assertNothingWritten("big-key");
    }

    @Test
    void valueOverTheLimitIs413() throws Exception {
        Http.Answer put = Http.send("PUT", recordUrl("big-value"), items("k".getBytes(), new byte[1024 * 1024 + 1]));
        assertThat(put.status()).isEqualTo(413);
        assertThat(put.json().path("message").asText()).contains("the limit is 1048576 bytes");
        assertNothingWritten("big-value");
    }

    @Test
    void requestOverTheLimitIs413() throws Exception {
        StringBuilder body = new StringBuilder("{\"items\":[");
        String value = Base64.getEncoder().encodeToString(new byte[900 * 1024]);
        for (int i = 0; i < 5; i++) {
            body.append(i == 0 ? "" : ",").append("{\"key\":\"").append(Bytes.utf8("k" + i).toBase64())
                    .append("\",\"value\":\"").append(value).append("\"}");
        }
        body.append("]}");
        Http.Answer put = Http.send("PUT", recordUrl("big-request"), body.toString());
        assertThat(put.status()).isEqualTo(413);
        assertThat(put.json().path("message").asText()).contains("4 MiB");
        assertNothingWritten("big-request");
    }

    @Test
    void aBodyFarOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
        // only the head and a few bytes of a 7 MiB body are sent: the answer must come without the rest. (Sending it all, as
        // an HTTP client does, races the server's close: with unread bytes in its socket the close resets the connection
        // and can destroy the 413 before the client reads it, as CI saw on 2026-12-02.)
        java.net.URI uri = java.net.URI.create(recordUrl("huge-body"));
        String start = "{\"items\":[{\"key\":\"aw==\",\"value\":\"AAAA";
        long length = 7L * 1024 * 1024;
        String head = "PUT " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\nAuthorization: "
                + Http.appAuthorizationFor(uri.toString()) + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n";
        String answer;
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(60_000); // a server that waits for the body never answers: the read times out and fails
            socket.getOutputStream().write((head + start).getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // to the server's close
        }
        assertThat(answer).startsWith("HTTP/1.1 413");
        String headers = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n"))).toLowerCase(java.util.Locale.ROOT);
        assertThat(headers).as("the unread body ends the connection, and the answer says so").contains("\r\nconnection: close");
        assertThat(answer).contains("4 MiB");
        assertNothingWritten("huge-body");
    }

    @Test
    void aChunkedBodyPastTheLimitIsRefusedAndItsConnectionClosed() throws Exception {
        byte[] huge = ("{\"items\":[{\"key\":\"aw==\",\"value\":\"" + "A".repeat(7 * 1024 * 1024) + "\"}]}")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.net.http.HttpRequest chunked = java.net.http.HttpRequest.newBuilder(java.net.URI.create(recordUrl("chunked-huge")))
                .header("Content-Type", "application/json").header("Authorization", Http.appAuthorizationFor(recordUrl("chunked-huge")))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge))).build();
        java.net.http.HttpResponse<String> put;
        try {
            put = Http.CLIENT.send(chunked, java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException closedWhileSending) {
            assertNothingWritten("chunked-huge"); // the server may close before the client finished sending: also refused
            return;
        }
        assertThat(put.statusCode()).isEqualTo(413);
        assertThat(put.headers().firstValue("Connection")).as("the read stopped part-way: the rest is unread, the connection ends")
                .hasValue("close");
        assertNothingWritten("chunked-huge");
    }

    @Test
    void malformedJsonIs400() throws Exception {
        Http.Answer put = Http.send("PUT", recordUrl("bad-json"), "{\"items\": [ {\"key\": ");
        assertThat(put.status()).isEqualTo(400);
        assertNothingWritten("bad-json");
    }

    @Test
    void malformedBase64Is400NamingTheField() throws Exception {
        Http.Answer put = Http.send("PUT", recordUrl("bad-b64"), "{\"items\":[{\"key\":\"a2V5\",\"value\":\"***\"}]}");
        assertThat(put.status()).isEqualTo(400);
        assertThat(put.json().path("message").asText()).startsWith("items[0].value is not valid base64");
        assertNothingWritten("bad-b64");
    }

    @Test
    void emptyItemsAre400() throws Exception {
        Http.Answer put = Http.send("PUT", recordUrl("no-items"), "{\"items\":[]}");
        assertThat(put.status()).isEqualTo(400);
        assertNothingWritten("no-items");
    }

    @Test
    void idempotencyTokenFromTheFutureIs400() throws Exception {
        IdempotencyToken future = new IdempotencyToken(System.currentTimeMillis() * 1000 + 60_000_000L, 7);
        Http.Answer put = Http.send("PUT", recordUrl("future"), ONE_ITEM, Map.of("Idempotency-Token", future.toString()));
        assertThat(put.status()).isEqualTo(400);
        assertThat(put.json().path("message").asText()).contains("ahead of this server's clock");
        assertNothingWritten("future");
    }

    @Test
    void aMalformedDeadlineIs400AndAPassedOneIs504AndNeitherWrites() throws Exception {
        for (String bad : new String[] {"-1", "soon", "86400001"}) {
            Http.Answer put = Http.send("PUT", recordUrl("deadline"), ONE_ITEM, Map.of("Meridian-Deadline-Ms", bad));
            assertThat(put.status()).as(bad).isEqualTo(400);
            assertThat(put.json().path("message").asText()).contains("Meridian-Deadline-Ms");
        }
        Http.Answer passed = Http.send("PUT", recordUrl("deadline"), ONE_ITEM, Map.of("Meridian-Deadline-Ms", "0"));
        assertThat(passed.status()).isEqualTo(504);
        assertThat(passed.json().path("reason").asText()).isEqualTo("deadline-passed");
        assertThat(passed.json().path("message").asText()).contains("nothing was written");
        assertNothingWritten("deadline");
    }

    @Test
    void idempotencyTokensFromTheFarPastAre400() throws Exception {
        for (long micros : new long[] {1, System.currentTimeMillis() * 1000 - 2 * 3_600_000_000L}) {
            IdempotencyToken past = new IdempotencyToken(micros, 7);
            Http.Answer put = Http.send("PUT", recordUrl("past"), ONE_ITEM, Map.of("Idempotency-Token", past.toString()));
            assertThat(put.status()).as("token at " + micros).isEqualTo(400);
            assertThat(put.json().path("message").asText()).contains("s old");
        }
        assertNothingWritten("past");
    }

    @Test
    void malformedIdempotencyTokenIs400() throws Exception {
        Http.Answer put = Http.send("PUT", recordUrl("bad-token"), ONE_ITEM, Map.of("Idempotency-Token", "yesterday"));
        assertThat(put.status()).isEqualTo(400);
        assertThat(put.json().path("message").asText()).startsWith("malformed idempotency token");
        assertNothingWritten("bad-token");
    }

    @Test
    void tamperedPageTokenIs400() throws Exception {
        StringBuilder body = new StringBuilder("{\"items\":[");
        for (int i = 0; i < 5; i++) {
            body.append(i == 0 ? "" : ",").append("{\"key\":\"").append(Bytes.utf8("k" + i).toBase64()).append("\",\"value\":\"")
                    .append(Bytes.utf8("v").toBase64()).append("\"}");
        }
        assertThat(Http.send("PUT", recordUrl("paged"), body.append("]}").toString()).status()).isEqualTo(200);
        Http.Answer first = Http.send("GET", recordUrl("paged") + "?pageBytes=2", null);
        String token = first.json().path("nextPageToken").asText();
        assertThat(token).isNotEmpty();
        char last = token.charAt(token.length() - 1);
        String tampered = token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
        Http.Answer bad = Http.send("GET", recordUrl("paged") + "?pageBytes=2&pageToken=" + tampered, null);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("message").asText()).startsWith("invalid page token");
        Http.Answer other = Http.send("GET", recordUrl("other-record") + "?pageBytes=2&pageToken=" + token, null);
        assertThat(other.status()).isEqualTo(400);
    }
}
