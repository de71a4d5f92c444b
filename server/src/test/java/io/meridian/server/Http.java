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

    /**
     * Sends a request; without an {@code Authorization} header it goes as the application principal ({@code app},
     * read/write on every namespace) of the test cluster that serves {@code url}. {@link #anonymous} sends none.
     */
    static Answer send(String method, String url, String body, Map<String, String> headers) throws Exception {
        if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Authorization"))) {
            String auth = appAuthorizationFor(url);
            if (auth != null) {
                java.util.Map<String, String> withAuth = new java.util.HashMap<>(headers);
                withAuth.put("Authorization", auth);
                headers = withAuth;
            }
        }
        return raw(method, url, body, headers);
    }

    /** Sends a request without credentials. */
    static Answer anonymous(String method, String url, String body) throws Exception {
        return raw(method, url, body, Map.of());
    }

    private static Answer raw(String method, String url, String body, Map<String, String> headers) throws Exception {
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
        return as(cluster, io.meridian.localcluster.ClusterCredentials.OPERATOR);
    }

    /** The Authorization header of one of the cluster's principals ({@code operator}, {@code app}, {@code reader}, {@code peer}). */
    static Map<String, String> as(io.meridian.localcluster.LocalCluster cluster, String principal) {
        return Map.of("Authorization", io.meridian.localcluster.ClusterCredentials.of(cluster.directory()).basic(principal));
    }

    /**
     * The app principal's header of the running test cluster serving {@code url} (clusters under
     * {@code meridian.test.dir}; a stopped cluster has no {@code cluster.json}). Looked up per call: private
     * clusters reuse ports with new credentials.
     */
    static String appAuthorizationFor(String url) {
        java.nio.file.Path root = java.nio.file.Path.of(System.getProperty("meridian.test.dir", "target/it-clusters")).toAbsolutePath();
        try (var dirs = java.nio.file.Files.list(root)) {
            for (java.nio.file.Path d : dirs.toList()) {
                if (!java.nio.file.Files.isRegularFile(d.resolve("cluster.json"))) {
                    continue;
                }
                var cluster = new io.meridian.localcluster.internal.EmbeddedBackend().attach(d);
                for (var r : cluster.regions()) {
                    for (var sv : r.servers()) {
                        if (url.startsWith(sv.url() + "/")) {
                            return io.meridian.localcluster.ClusterCredentials.of(d).basic(io.meridian.localcluster.ClusterCredentials.APP);
                        }
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        return null;
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
