package io.meridian.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.BasicCredentials;
import io.meridian.core.RegionId;
import io.meridian.core.wire.AuditEntry;
import io.meridian.core.wire.CacheStatus;
import io.meridian.core.wire.DeadLetterAction;
import io.meridian.core.wire.DeadLetterJson;
import io.meridian.core.wire.DeadLetterResult;
import io.meridian.core.wire.HealthObservation;
import io.meridian.core.wire.NamespaceList;
import io.meridian.core.wire.OperatorReason;
import io.meridian.core.wire.RegionHealthReport;
import io.meridian.core.wire.RepairMarkClear;
import io.meridian.core.wire.ReplicationDelays;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.core.wire.RouterStatus;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.core.wire.TrafficChange;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The typed client of a server's operator and peer endpoints: routing, replication, dead letters, cache,
 * namespaces and health, each answer a record of {@code io.meridian.core.wire} (the same records the server
 * writes). One instance holds one HTTP client and one set of credentials; {@link #at} names the server instance a
 * call goes to (operators choose the region: an evacuation is sent through another one).
 *
 * <p>A call either returns the answer or throws {@link OperatorException}, whose {@link OperatorException.Kind}
 * says what to do: try another server ({@code UNREACHABLE}, {@code UNAVAILABLE}), fix the credentials
 * ({@code UNAUTHORIZED}), fix the request ({@code BAD_REQUEST}), or read the refusal ({@code REFUSED}, a 409 with the
 * router's reason).
 */
public final class OperatorClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final HttpClient http;
    private final String authorization;
    private final Duration timeout;

    private OperatorClient(BasicCredentials credentials, Duration connectTimeout, Duration timeout) {
        this.authorization = credentials.header();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    }

    /** A client calling as {@code credentials}, 2 s to connect and {@code timeout} per call. */
    public static OperatorClient create(BasicCredentials credentials, Duration timeout) {
        return new OperatorClient(Objects.requireNonNull(credentials, "credentials"), Duration.ofSeconds(2),
                Objects.requireNonNull(timeout, "timeout"));
    }

    /** The calls to one server instance, by its base URL (e.g. {@code http://127.0.0.1:25481}). */
    public Server at(String baseUrl) {
        return new Server(URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl));
    }

    /** One Dropwizard health check's result on a server's admin port. */
    public record Check(boolean healthy, String message) {
    }

    /**
     * {@code GET <adminUrl>/healthcheck}, Dropwizard's checks of a server instance (cassandra, kafka, replication,
     * ...) by name; answered also when one is unhealthy (Dropwizard says 500 then, with the same body).
     */
    public Map<String, Check> healthChecks(String adminUrl) {
        Server admin = at(adminUrl);
        HttpResponse<String> r = admin.send("GET", "/healthcheck", null);
        if (r.statusCode() != 200 && r.statusCode() != 500) {
            throw OperatorException.of(admin.base, r.statusCode(), r.body());
        }
        return admin.parse(r, JSON.getTypeFactory().constructMapType(Map.class, String.class, Check.class));
    }

    @Override
    public void close() {
        // the JDK client on Java 17 has no close(); its threads end when it is unreachable
    }

    /** The typed calls to one server instance. */
    public final class Server {
        private final URI base;

        private Server(URI base) {
            this.base = base;
        }

        /** The base URL calls go to. */
        public URI uri() {
            return base;
        }

        // ---------------------------------------------------------------- routing

        /** {@code GET /v1/router/plan}. */
        public RoutingPlan plan() {
            return get("/v1/router/plan", RoutingPlan.class);
        }

        /** {@code GET /v1/router/status}: the plan and every region's failure verdict as this region sees them. */
        public RouterStatus routerStatus() {
            return get("/v1/router/status", RouterStatus.class);
        }

        /** {@code GET /v1/router/health}: answered also when the server is DOWN (503 with the report). */
        public RegionHealthReport health() {
            HttpResponse<String> r = send("GET", "/v1/router/health", null);
            if (r.statusCode() == 200 || r.statusCode() == 503) {
                RegionHealthReport report = parse(r, JSON.constructType(RegionHealthReport.class));
                if (report.level() != null) {
                    return report;
                }
            }
            throw OperatorException.of(base, r.statusCode(), r.body());
        }

        /** {@code GET /v1/router/observations}: what this region's observer sees of every region. */
        public Map<RegionId, HealthObservation> observations() {
            return get("/v1/router/observations", new TypeReference<Map<RegionId, HealthObservation>>() { });
        }

        /** {@code POST /v1/router/evacuate}: the plan that starts the evacuation. */
        public RoutingPlan evacuate(TrafficChange change) {
            return post("/v1/router/evacuate", change, RoutingPlan.class);
        }

        /** {@code POST /v1/router/restore}: refused (409) until the region is healthy and caught up. */
        public RoutingPlan restore(TrafficChange change) {
            return post("/v1/router/restore", change, RoutingPlan.class);
        }

        /** {@code POST /v1/router/abort}. */
        public RoutingPlan abort(String reason) {
            return post("/v1/router/abort", new OperatorReason(reason), RoutingPlan.class);
        }

        /** {@code POST /v1/router/hold}: holds the steps of the shift in progress. */
        public RoutingPlan hold(String reason) {
            return post("/v1/router/hold", new OperatorReason(reason), RoutingPlan.class);
        }

        /** {@code POST /v1/router/resume}: resumes held steps. */
        public RoutingPlan resume(String reason) {
            return post("/v1/router/resume", new OperatorReason(reason), RoutingPlan.class);
        }

        /** {@code GET /v1/router/audit}: the latest {@code limit} routing changes, newest first. */
        public List<AuditEntry> audit(int limit) {
            return get("/v1/router/audit?limit=" + limit, new TypeReference<List<AuditEntry>>() { });
        }

        // ---------------------------------------------------------------- replication

        /** {@code GET /v1/replication}. */
        public ReplicationStatus replication() {
            return get("/v1/replication", ReplicationStatus.class);
        }

        /** {@code GET /v1/replication/dead-letters}: open dead letters, oldest first. */
        public List<DeadLetterJson> deadLetters() {
            return get("/v1/replication/dead-letters", new TypeReference<List<DeadLetterJson>>() { });
        }

        /** The oldest {@code limit} open dead letters (1..10000). */
        public List<DeadLetterJson> deadLetters(int limit) {
            return get("/v1/replication/dead-letters?limit=" + limit, new TypeReference<List<DeadLetterJson>>() { });
        }

        /** {@code POST /v1/replication/dead-letters/replay}. */
        public DeadLetterResult replay(DeadLetterAction action) {
            return post("/v1/replication/dead-letters/replay", action, DeadLetterResult.class);
        }

        /** {@code POST /v1/replication/dead-letters/discard}. */
        public DeadLetterResult discard(DeadLetterAction action) {
            return post("/v1/replication/dead-letters/discard", action, DeadLetterResult.class);
        }

        /** {@code POST /v1/replication/needs-repair/clear}: clears the repair mark if it is still the one named. */
        public ReplicationStatus clearRepairMark(RepairMarkClear clear) {
            return post("/v1/replication/needs-repair/clear", clear, ReplicationStatus.class);
        }

        /** {@code POST /v1/replication/appliers/stop}. */
        public ReplicationStatus stopAppliers() {
            return post("/v1/replication/appliers/stop", null, ReplicationStatus.class);
        }

        /** {@code POST /v1/replication/appliers/start}. */
        public ReplicationStatus startAppliers() {
            return post("/v1/replication/appliers/start", null, ReplicationStatus.class);
        }

        /** {@code POST /v1/replication/delays}: delay percentiles since the previous call, which starts a new interval. */
        public List<ReplicationDelays> takeDelays() {
            return post("/v1/replication/delays", null, new TypeReference<List<ReplicationDelays>>() { });
        }

        // ---------------------------------------------------------------- cache and namespaces

        /** {@code GET /v1/cache}: this instance's cache counters. */
        public CacheStatus cache() {
            return get("/v1/cache", CacheStatus.class);
        }

        /** {@code POST /v1/cache/clear}: drops this instance's cached records. */
        public CacheStatus clearCache() {
            return post("/v1/cache/clear", null, CacheStatus.class);
        }

        /** {@code GET /v1/namespaces}. */
        public NamespaceList namespaces() {
            return get("/v1/namespaces", NamespaceList.class);
        }

        // ---------------------------------------------------------------- transport

        private <T> T get(String path, Class<T> type) {
            return answer(send("GET", path, null), JSON.constructType(type));
        }

        private <T> T get(String path, TypeReference<T> type) {
            return answer(send("GET", path, null), JSON.constructType(type));
        }

        private <T> T post(String path, Object body, Class<T> type) {
            return answer(send("POST", path, body), JSON.constructType(type));
        }

        private <T> T post(String path, Object body, TypeReference<T> type) {
            return answer(send("POST", path, body), JSON.constructType(type));
        }

        private <T> T answer(HttpResponse<String> r, JavaType type) {
            if (r.statusCode() / 100 != 2) {
                throw OperatorException.of(base, r.statusCode(), r.body());
            }
            return parse(r, type);
        }

        private <T> T parse(HttpResponse<String> r, JavaType type) {
            try {
                return JSON.readValue(r.body(), type);
            } catch (IOException e) {
                throw new OperatorException(OperatorException.Kind.UNAVAILABLE, base, r.statusCode(),
                        "not a " + type.getRawClass().getSimpleName() + " answer: " + OperatorException.abbreviate(r.body()), e);
            }
        }

        private HttpResponse<String> send(String method, String path, Object body) {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                        .header("Authorization", authorization).header("Accept", "application/json");
                if (body != null) {
                    b.header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
                } else {
                    b.method(method, HttpRequest.BodyPublishers.noBody());
                }
                return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new OperatorException(OperatorException.Kind.UNREACHABLE, base, 0, String.valueOf(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OperatorException(OperatorException.Kind.UNREACHABLE, base, 0, "interrupted", e);
            }
        }
    }
}
