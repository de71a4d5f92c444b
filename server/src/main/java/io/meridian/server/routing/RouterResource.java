package io.meridian.server.routing;

import io.dropwizard.auth.Auth;
import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.AuditEntry;
import io.meridian.core.wire.HealthObservation;
import io.meridian.core.wire.OperatorReason;
import io.meridian.core.wire.PlanAccept;
import io.meridian.core.wire.PlanAccepted;
import io.meridian.core.wire.PlanPrepare;
import io.meridian.core.wire.PlanPromise;
import io.meridian.core.wire.RegionHealthReport;
import io.meridian.core.wire.RouterStatus;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.core.wire.TrafficChange;
import io.meridian.router.HealthModel;
import io.meridian.router.RegionRouter;
import io.meridian.router.RouterException;
import io.meridian.server.ApiException;
import io.meridian.server.auth.Authorization;
import io.meridian.server.auth.Caller;
import io.meridian.server.health.RegionHealth;
import io.meridian.server.routing.internal.HealthObservers;
import io.meridian.server.routing.internal.StoredRouting;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The region router's API, every call authenticated (HTTP Basic, {@code auth.principals}). Any caller:
 * {@code GET /v1/router/plan} (clients follow it). Peers and operators: {@code /health} (this server's health,
 * probed by every region's observer), {@code /observations} (what this region's observer sees),
 * {@code /status}. Operators:
 * {@code POST /evacuate}, {@code /restore}, {@code /abort}, {@code /hold}, {@code /resume},
 * {@code GET /audit}. A refusal is 409 with the reason; bad input 400.
 */
@Path("/v1/router")
@Produces(MediaType.APPLICATION_JSON)
public final class RouterResource {

    private final RegionRouter router;
    private final io.meridian.router.PlanAcceptor acceptor;
    private final HealthObservers observers;
    private final StoredRouting stored;
    private final io.meridian.server.health.RegionHealth health;

    /** The router's verdicts, its own region and the observers' views come from {@code router} and {@code observers}. */
    public RouterResource(RegionRouter router, io.meridian.router.PlanAcceptor acceptor, HealthObservers observers,
            StoredRouting stored, io.meridian.server.health.RegionHealth health) {
        this.acceptor = acceptor;
        this.router = router;
        this.observers = observers;
        this.stored = stored;
        this.health = health;
    }

    @GET
    @Path("/plan")
    public RoutingPlan plan(@Auth Caller caller) {
        return router.plan();
    }

    /**
     * This server's health, from cached inputs (cheap: every region's observer probes it every second): 200
     * while it can serve (level HEALTHY or DEGRADED, with the alerts), 503 when it cannot (DOWN). Only a 503
     * counts toward failing the region. {@code clockMillis} lets observers estimate clock skew.
     */
    @GET
    @Path("/health")
    public Response health(@Auth Caller caller) {
        Authorization.require(caller, Caller.Role.PEER, Caller.Role.OPERATOR);
        var r = health.report();
        boolean down = r.level() == io.meridian.server.health.RegionHealth.Level.DOWN;
        // observations: what this region's observer sees, so one request per probe carries both
        RegionHealthReport body = new RegionHealthReport(!down, r.level().name(), r.down(), r.alerts(), r.problems(),
                System.currentTimeMillis(), router.plan().version(), observers.observations());
        return Response.status(down ? 503 : 200).entity(body).build();
    }

    @GET
    @Path("/observations")
    public Map<RegionId, HealthObservation> observations(@Auth Caller caller) {
        Authorization.require(caller, Caller.Role.PEER, Caller.Role.OPERATOR);
        return observers.observations();
    }

    @GET
    @Path("/status")
    public RouterStatus status(@Auth Caller caller) {
        Authorization.require(caller, Caller.Role.OPERATOR, Caller.Role.PEER);
        RoutingPlan plan = router.plan();
        Map<RegionId, HealthModel.Verdict> verdicts = router.health();
        List<RouterStatus.RegionStatus> regions = new ArrayList<>();
        for (RegionId r : router.regions()) {
            RoutingPlan.RegionPlan rp = plan.regions().get(r);
            HealthModel.Verdict v = verdicts.get(r);
            regions.add(new RouterStatus.RegionStatus(r, rp == null ? TrafficState.SERVING : rp.state(), rp == null ? 100 : rp.keptPercent(),
                    Math.round(plan.trafficShare(r) * 10) / 10.0, v.failed(), v.agreeing(), v.observers(),
                    v.healthyForMillis(), v.detail()));
        }
        return new RouterStatus(router.self(), plan.version(), plan.operation(), regions, new LinkedHashMap<>(plan.weights()));
    }

    private static RegionId region(String name) {
        try {
            return RegionId.of(name);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("region: " + e.getMessage());
        }
    }

    /**
     * Runs a plan change: bad input 400; a refusal 409; another change took the plan version 409 with
     * {@code currentPlan}; no majority of regions reached 503 (retry, e.g. through another region).
     */
    private static <T> T guarded(Supplier<T> change) {
        try {
            return change.get();
        } catch (RouterException e) {
            switch (e.kind()) {
                case BAD_INPUT -> throw ApiException.badRequest(e.getMessage());
                case CONFLICT -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("code", 409);
                    body.put("message", e.getMessage());
                    body.put("currentPlan", e.current());
                    throw new jakarta.ws.rs.WebApplicationException(Response.status(409).type(MediaType.APPLICATION_JSON_TYPE)
                            .entity(body).build());
                }
                case UNAVAILABLE -> throw new ApiException(503, e.getMessage(), false, 2, null);
                default -> throw new ApiException(409, e.getMessage(), false, 0, null);
            }
        }
    }

    // ---------------------------------------------------------------- agreement on plans (peers only)

    @POST
    @Path("/agreement/prepare")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public PlanPromise prepare(@Auth Caller peer, PlanPrepare r) {
        Authorization.require(peer, Caller.Role.PEER);
        if (r == null || r.version() < 1 || r.ballot() < 1) {
            throw ApiException.badRequest("body {\"version\": >= 1, \"ballot\": >= 1} required");
        }
        return acceptor.prepare(r.version(), r.ballot());
    }

    @POST
    @Path("/agreement/accept")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public PlanAccepted accept(@Auth Caller peer, PlanAccept r) {
        Authorization.require(peer, Caller.Role.PEER);
        if (r == null || r.value() == null || r.version() < 1 || r.value().version() != r.version()) {
            throw ApiException.badRequest("body {\"version\", \"ballot\", \"value\": a plan of that version} required");
        }
        return new PlanAccepted(acceptor.accept(r.version(), r.ballot(), r.value()));
    }

    @POST
    @Path("/agreement/learn")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public Response learn(@Auth Caller peer, RoutingPlan plan) {
        Authorization.require(peer, Caller.Role.PEER);
        if (plan == null || plan.version() < 1) {
            throw ApiException.badRequest("a routing plan of version >= 1 required");
        }
        acceptor.learn(plan);
        return Response.noContent().build();
    }

    @GET
    @Path("/agreement/chosen")
    public Response chosen(@Auth Caller peer) {
        Authorization.require(peer, Caller.Role.PEER);
        RoutingPlan p = acceptor.latestChosen();
        return p == null ? Response.noContent().build() : Response.ok(p).build();
    }

    private static String reasonOf(String reason) {
        if (reason == null || reason.isBlank()) {
            throw ApiException.badRequest("reason is required: say why (it goes to the audit log)");
        }
        if (reason.length() > 500) {
            throw ApiException.badRequest("reason is longer than 500 characters");
        }
        return reason;
    }

    @POST
    @Path("/evacuate")
    public RoutingPlan evacuate(@Auth Caller op, TrafficChange c) {
        Authorization.require(op, Caller.Role.OPERATOR);
        if (c == null || c.region() == null) {
            throw ApiException.badRequest("body {\"region\": ..., \"reason\": ...} required");
        }
        return guarded(() -> router.evacuate(region(c.region()), c.steps(), bake(c), reasonOf(c.reason()), op.getName(),
                Boolean.TRUE.equals(c.force())));
    }

    @POST
    @Path("/restore")
    public RoutingPlan restore(@Auth Caller op, TrafficChange c) {
        Authorization.require(op, Caller.Role.OPERATOR);
        if (c == null || c.region() == null) {
            throw ApiException.badRequest("body {\"region\": ..., \"reason\": ...} required");
        }
        return guarded(() -> router.restore(region(c.region()), c.steps(), bake(c), reasonOf(c.reason()), op.getName()));
    }

    private static Duration bake(TrafficChange c) {
        if (c.bakeSeconds() == null) {
            return null;
        }
        if (c.bakeSeconds() < 0) {
            throw ApiException.badRequest("bakeSeconds must not be negative");
        }
        return Duration.ofSeconds(c.bakeSeconds());
    }

    @POST
    @Path("/abort")
    public RoutingPlan abort(@Auth Caller op, OperatorReason r) {
        Authorization.require(op, Caller.Role.OPERATOR);
        return guarded(() -> router.abort(reasonOf(r == null ? null : r.reason()), op.getName()));
    }

    @POST
    @Path("/hold")
    public RoutingPlan hold(@Auth Caller op, OperatorReason r) {
        Authorization.require(op, Caller.Role.OPERATOR);
        return guarded(() -> router.hold(true, reasonOf(r == null ? null : r.reason()), op.getName()));
    }

    @POST
    @Path("/resume")
    public RoutingPlan resume(@Auth Caller op, OperatorReason r) {
        Authorization.require(op, Caller.Role.OPERATOR);
        return guarded(() -> router.hold(false, reasonOf(r == null ? null : r.reason()), op.getName()));
    }

    @GET
    @Path("/audit")
    public List<AuditEntry> audit(@Auth Caller op, @QueryParam("limit") Integer limit) {
        Authorization.require(op, Caller.Role.OPERATOR);
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 10_000) {
            throw ApiException.badRequest("limit must be within 1..10000");
        }
        return stored.audit(n);
    }
}
