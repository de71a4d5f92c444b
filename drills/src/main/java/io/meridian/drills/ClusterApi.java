package io.meridian.drills;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.RegionId;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.RegionEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The HTTP calls a drill makes to the cluster's servers: plan, replication status, operator commands. */
final class ClusterApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final LocalCluster cluster;
    private final String auth;
    final String user;
    final String password;
    /** The principal the recorded workload writes as: a service, not the operator. */
    final String appUser;
    final String appSecret;

    ClusterApi(LocalCluster cluster) {
        this.cluster = cluster;
        String user = System.getenv().getOrDefault("MERIDIAN_OPERATOR_USER", OperatorSecret.USER);
        String password = System.getenv("MERIDIAN_OPERATOR_PASSWORD");
        if (password == null) {
            password = OperatorSecret.of(cluster.directory());
        }
        this.user = user;
        this.password = password;
        String appSecret = System.getenv("MERIDIAN_APP_SECRET");
        this.appUser = System.getenv().getOrDefault("MERIDIAN_APP_USER", io.meridian.localcluster.ClusterCredentials.APP);
        this.appSecret = appSecret != null ? appSecret : io.meridian.localcluster.ClusterCredentials.of(cluster.directory()).app();
        this.auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    Optional<JsonNode> get(RegionId region, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cluster.region(region).serverUrl() + path))
                    .header("Authorization", auth).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** The plan from the first region that answers, preferring {@code avoid} last. */
    Optional<JsonNode> plan(RegionId avoid) {
        for (RegionEndpoints r : cluster.regions()) {
            if (!r.region().equals(avoid)) {
                Optional<JsonNode> p = get(r.region(), "/v1/router/plan");
                if (p.isPresent()) {
                    return p;
                }
            }
        }
        return get(avoid, "/v1/router/plan");
    }

    String state(RegionId of) {
        return plan(of).map(p -> p.path("regions").path(of.name()).path("state").asText("?")).orElse("?");
    }

    /** Lag per pair "source->region" in ms (-1: unknown or unreachable). */
    Map<String, Long> lags() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (RegionEndpoints r : cluster.regions()) {
            Optional<JsonNode> status = get(r.region(), "/v1/replication");
            for (RegionEndpoints s : cluster.regions()) {
                if (s.region().equals(r.region())) {
                    continue;
                }
                long lag = -1;
                if (status.isPresent()) {
                    for (JsonNode src : status.get().path("sources")) {
                        if (src.path("source").asText().equals(s.region().name()) && src.path("lagOffsets").asLong() >= 0) {
                            lag = src.path("caughtUp").asBoolean() ? 0 : src.path("lagMillis").asLong();
                        }
                    }
                }
                out.put(s.region().name() + "->" + r.region().name(), lag);
            }
        }
        return out;
    }

    /** Whether every region has caught up from every other (lag known and under 1 s, nothing held). */
    boolean allCaughtUp() {
        for (RegionEndpoints r : cluster.regions()) {
            Optional<JsonNode> status = get(r.region(), "/v1/replication");
            if (status.isEmpty()) {
                return false;
            }
            for (JsonNode src : status.get().path("sources")) {
                if (src.path("lagOffsets").asLong() < 0 || !src.path("held").isEmpty()
                        || (!src.path("caughtUp").asBoolean() && src.path("lagMillis").asLong() > 1_000)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** An operator command through a region other than {@code avoid}: status code and message. */
    Map.Entry<Integer, String> operator(String path, Map<String, Object> body, RegionId avoid) {
        String last = "no router answered";
        for (RegionEndpoints r : cluster.regions()) {
            if (r.region().equals(avoid)) {
                continue;
            }
            try {
                HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(r.serverUrl() + "/v1/router/" + path))
                        .header("Authorization", auth).header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                        HttpResponse.BodyHandlers.ofString());
                String message = resp.statusCode() == 200 ? "ok" : JSON.readTree(resp.body()).path("message").asText(resp.body());
                return Map.entry(resp.statusCode(), message);
            } catch (Exception e) {
                last = e.toString();
            }
        }
        return Map.entry(0, last);
    }
}
