package io.meridian.server.data;

import com.codahale.metrics.annotation.Timed;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.wire.ErrorResponse;
import io.meridian.core.wire.NamespaceJson;
import io.meridian.core.wire.NamespaceList;
import io.meridian.server.ApiException;
import io.meridian.server.auth.Authorization;
import io.meridian.server.auth.Caller;
import io.meridian.store.CassandraStore;
import io.meridian.store.NamespaceConfig;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Namespaces. Creating one needs the {@code admin} role; listing and describing, read access (admins see all): {@code PUT /v1/namespaces/{ns}} creates the namespace's table in this region and
 * then in every peer region ({@code ?scope=local} stops the fan-out; peers are called with it).
 * Creation is idempotent: creating an existing namespace with the same settings answers 200; with
 * other settings 409. If a peer cannot be reached the answer is 503 naming it, and the call can be
 * repeated. A creation honours the caller's {@code Meridian-Deadline-Ms}: passed before it starts, nothing is created
 * (504); passing during the fan-out, the peers not reached yet are named (504) and the call can be repeated.
 */
@Path("/v1/namespaces")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class NamespacesResource {

    private final CassandraStore store;
    private final Map<String, List<String>> peers;
    private final ObjectMapper json;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    /** How long a peer region may take to create the namespace (less when the caller's deadline is nearer). */
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(30);

    public NamespacesResource(CassandraStore store, Map<String, List<String>> peers, ObjectMapper json) {
        this.store = store;
        this.peers = peers;
        this.json = json;
    }

    static NamespaceJson toJson(NamespaceConfig c) {
        return new NamespaceJson(c.name(), c.defaultTtlSeconds(), c.cacheEnabled(), c.cacheTtlSeconds());
    }

    /** The namespaces the caller may read (every one for an admin); internal ones are never listed. */
    @GET
    @Timed(name = "namespaces-list")
    public NamespaceList list(@io.dropwizard.auth.Auth Caller caller) {
        return new NamespaceList(store.namespaces().stream()
                .filter(c -> !c.name().startsWith(Authorization.INTERNAL_PREFIX))
                .filter(c -> caller.has(Caller.Role.ADMIN) || caller.can(Caller.Access.READ, c.name()))
                .map(NamespacesResource::toJson).toList());
    }

    @GET
    @Path("/{ns}")
    @Timed(name = "namespaces-describe")
    public NamespaceJson describe(@io.dropwizard.auth.Auth Caller caller, @PathParam("ns") String ns) {
        String name = WireConversions.namespace(ns);
        if (!caller.has(Caller.Role.ADMIN)) {
            Authorization.require(caller, Caller.Access.READ, name);
        } else if (name.startsWith(Authorization.INTERNAL_PREFIX)) {
            Authorization.require(caller, Caller.Access.READ, name); // refuses: internal
        }
        return store.namespace(name).map(NamespacesResource::toJson)
                .orElseThrow(() -> ApiException.notFound(ErrorResponse.NAMESPACE_NOT_FOUND, "namespace '" + name + "' does not exist"));
    }

    @PUT
    @Path("/{ns}")
    @Timed(name = "namespaces-create")
    public Response create(@io.dropwizard.auth.Auth Caller caller, @jakarta.ws.rs.HeaderParam("Authorization") String authorization,
            @PathParam("ns") String ns, @QueryParam("scope") String scope,
            @jakarta.ws.rs.HeaderParam(io.meridian.core.CallDeadline.HEADER) String deadlineHeader, NamespaceJson body) {
        Authorization.require(caller, Caller.Role.ADMIN);
        Duration deadline;
        try {
            deadline = io.meridian.core.CallDeadline.parse(deadlineHeader);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (deadline != null && deadline.isZero()) {
            throw ApiException.deadlinePassed("the caller's deadline has passed: nothing was created", null);
        }
        long until = deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos();
        String name = WireConversions.namespace(ns);
        if (name.startsWith(Authorization.INTERNAL_PREFIX)) {
            throw ApiException.badRequest("namespace names starting with '" + Authorization.INTERNAL_PREFIX
                    + "' are reserved for Meridian's own state");
        }
        if (body != null && body.name() != null && !body.name().equals(name)) {
            throw ApiException.badRequest("body names namespace '" + body.name() + "' but the path names '" + name + "'");
        }
        NamespaceConfig wanted;
        try {
            wanted = new NamespaceConfig(name, body == null || body.defaultTtlSeconds() == null ? 0 : body.defaultTtlSeconds(),
                    body == null || body.cacheEnabled() == null || body.cacheEnabled(),
                    body == null || body.cacheTtlSeconds() == null ? NamespaceJson.DEFAULT_CACHE_TTL_SECONDS : body.cacheTtlSeconds());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        var existing = store.namespace(name);
        boolean created = existing.isEmpty();
        if (existing.isPresent() && !existing.get().equals(wanted)) {
            throw new ApiException(409, "namespace '" + name + "' exists with other settings: " + toJson(existing.get()),
                    false, 0, null);
        }
        if (created) {
            store.createNamespace(wanted, System.currentTimeMillis() * 1000);
        }
        if (!"local".equals(scope)) {
            List<String> failed = new ArrayList<>();
            for (Map.Entry<String, List<String>> peer : peers.entrySet()) {
                String error = "no server configured";
                for (String url : peer.getValue()) { // one instance per region suffices: they share the region's store
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        error = "the caller's deadline passed first";
                        break;
                    }
                    error = createAtPeer(url, name, toJson(wanted), authorization, Duration.ofNanos(Math.min(left,
                            PEER_TIMEOUT.toNanos())));
                    if (error == null) {
                        break;
                    }
                }
                if (error != null) {
                    failed.add(peer.getKey() + " (" + error + ")");
                }
            }
            if (!failed.isEmpty() && System.nanoTime() - until >= 0) {
                throw ApiException.deadlinePassed("the caller's deadline passed: namespace '" + name + "' is created in this"
                        + " region but not yet in " + String.join(", ", failed) + "; repeat the call to finish", null);
            }
            if (!failed.isEmpty()) {
                throw new ApiException(503, "namespace '" + name + "' is created in this region but not yet in "
                        + String.join(", ", failed) + "; repeat the call to finish", false, 1, null);
            }
        }
        return Response.status(created ? 201 : 200).entity(toJson(wanted)).build();
    }

    /** Returns null on success, else what went wrong. */
    private String createAtPeer(String baseUrl, String name, NamespaceJson body, String authorization, Duration timeout) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/namespaces/"
                    + URLEncoder.encode(name, StandardCharsets.UTF_8) + "?scope=local"))
                    .timeout(timeout).header("Content-Type", "application/json")
                    .header(io.meridian.core.CallDeadline.HEADER, io.meridian.core.CallDeadline.header(timeout))
                    .header("Authorization", authorization) // every region has the same operators
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))).build();
            HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            return resp.statusCode() == 200 || resp.statusCode() == 201 ? null : "HTTP " + resp.statusCode() + ": " + resp.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
    }
}
