package io.meridian.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Raw HTTP against a server, for tests that must send what the client library never would. */
final class Http {

    static final HttpClient CLIENT = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    record Answer(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    static Answer send(String method, String url, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        headers.forEach(b::header);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    /** The Authorization header of the cluster's operator (namespace admin, router commands). */
    static Map<String, String> operator(io.meridian.localcluster.LocalCluster cluster) {
        String pair = io.meridian.localcluster.OperatorSecret.USER + ":"
                + io.meridian.localcluster.OperatorSecret.of(cluster.directory());
        return Map.of("Authorization", "Basic " + java.util.Base64.getEncoder()
                .encodeToString(pair.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    static Answer send(String method, String url, String body) throws Exception {
        return send(method, url, body, Map.of());
    }

    /** Sum of the end offsets of the mutation-log topic: grows by one per appended mutation. */
    static long logEnd(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            var desc = admin.describeTopics(List.of("meridian.mutations")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("meridian.mutations");
            Map<TopicPartition, OffsetSpec> req = new java.util.HashMap<>();
            desc.partitions().forEach(p -> req.put(new TopicPartition("meridian.mutations", p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(req).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(o -> o.offset()).sum();
        }
    }

    private Http() { }
}
