package io.meridian.server.routing;

import io.dropwizard.core.setup.Environment;
import io.meridian.core.RegionId;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.router.PlanAcceptor;
import io.meridian.router.PlanAgreement;
import io.meridian.router.RegionRouter;
import io.meridian.server.MeridianConfiguration;
import io.meridian.server.Peers;
import io.meridian.server.Startup;
import io.meridian.server.data.internal.WritePath;
import io.meridian.server.health.RegionHealth;
import io.meridian.server.routing.internal.HealthObservers;
import io.meridian.server.routing.internal.HttpAcceptor;
import io.meridian.server.routing.internal.RegionCatchUp;
import io.meridian.server.routing.internal.RouterTicks;
import io.meridian.server.routing.internal.StoredRouting;
import io.meridian.store.CassandraAcceptor;
import io.meridian.store.CassandraStore;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The routing capability of a server: its observer (probes every region each second and shares what it sees), this
 * region's plan acceptor (in its Cassandra) and the other regions' (over HTTP), the agreement on plan versions, the
 * evacuation/restore state machine with its restore gate, the audit log in Meridian's own storage, and the
 * {@code /v1/router} API.
 */
public final class RoutingCapability {

    private RoutingCapability() { }

    /** What the router needs from the rest of the server. */
    public record Inputs(CassandraStore store, WritePath writes, Supplier<ReplicationStatus> replicationStatus,
            RegionHealth health, AtomicLong clockSkewMillis, io.meridian.server.auth.CallerAuthenticator authenticator) {
    }

    /** Builds the router and registers its ticks and API. {@code in.replicationStatus} null: replication is off here. */
    public static void register(MeridianConfiguration config, Peers peers, Inputs in, Environment env) throws Exception {
        RegionId region = RegionId.of(config.region);
        Startup.retry("Cassandra schema (router namespace)", () -> StoredRouting.ensureNamespace(in.store(),
                System.currentTimeMillis() * 1000));
        List<RegionId> regions = regions(config, peers);
        Duration failAfter = config.router.failAfter.toJavaDuration();
        HealthObservers observers = observers(region, regions, peers, in.health());
        StoredRouting stored = new StoredRouting(in.store(), in.writes());
        CassandraAcceptor acceptor = Startup.retry("Cassandra schema (plan acceptor)", () -> new CassandraAcceptor(in.store()));
        HttpClient peerHttp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Map<RegionId, PlanAcceptor> acceptors = new LinkedHashMap<>();
        for (RegionId r : regions) {
            acceptors.put(r, r.equals(region) ? acceptor : new HttpAcceptor(peers.of(r.name()), peers.authorization(), peerHttp));
        }
        PlanAgreement agreement = new PlanAgreement(region, acceptors, config.regionSlot, Duration.ofSeconds(8), Clock.systemUTC());
        Map<RegionId, PlanAcceptor> remoteAcceptors = new LinkedHashMap<>(acceptors);
        remoteAcceptors.remove(region);
        RegionCatchUp catchUp = new RegionCatchUp(region, peers, peerHttp, in.replicationStatus(),
                config.router.maxCatchUpLag.toMilliseconds());
        var r = config.router;
        RegionRouter router = new RegionRouter(region, regions, Clock.systemUTC(), new RegionRouter.Settings(failAfter,
                r.healthyFor.toJavaDuration(), r.steps, r.bake.toJavaDuration(), r.automaticFailover),
                new RegionRouter.Inputs(agreement, stored, catchUp, () -> observers.verdicts(failAfter)));
        env.lifecycle().manage(new RouterTicks(observers, router, acceptor, remoteAcceptors, in.clockSkewMillis()));
        RouterResource resource = new RouterResource(router, acceptor, observers, stored, in.health());
        env.jersey().register(resource);
        // health probes and plan polls without Jersey's pipeline (only where Jersey serves the paths the filter sees)
        if (io.meridian.server.api.DirectPath.jerseyAtRoot(config.getServerFactory())) {
            env.servlets().addFilter("direct-router", new DirectRouter(resource, in.authenticator(),
                    env.getObjectMapper(), env.metrics()))
                    .addMappingForUrlPatterns(java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST), true, "/v1/router/*");
        }
    }

    /** Every region this server knows of (peers, replication sources, its own), in name order. */
    private static List<RegionId> regions(MeridianConfiguration config, Peers peers) {
        TreeSet<String> names = new TreeSet<>(peers.otherRegions().keySet());
        names.addAll(config.replication.sources.keySet());
        names.add(config.region);
        return names.stream().map(RegionId::of).toList();
    }

    private static HealthObservers observers(RegionId region, List<RegionId> regions, Peers peers, RegionHealth health) {
        // only what stops this region from serving counts toward failing it; alerts (DEGRADED) never evacuate it
        Supplier<String> ownProblems = () -> {
            var report = health.report();
            return report.level() == RegionHealth.Level.DOWN ? String.join("; ", report.down()) : null;
        };
        Map<RegionId, List<String>> instances = new LinkedHashMap<>();
        peers.otherRegions().forEach((name, urls) -> instances.put(RegionId.of(name), urls));
        instances.put(region, peers.siblings());
        return new HealthObservers(new HealthObservers.Scope(region, regions, instances), ownProblems, peers.authorization(),
                Clock.systemUTC());
    }
}
