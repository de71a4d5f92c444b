package io.meridian.drills;

import io.meridian.client.OperatorClient;
import io.meridian.client.OperatorException;
import io.meridian.core.BasicCredentials;
import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.core.wire.TrafficChange;
import io.meridian.localcluster.ClusterCredentials;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.RegionEndpoints;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The operator calls a drill makes to the cluster's servers (plan, replication status, routing changes), typed. */
final class ClusterApi {

    /** A routing change's outcome: accepted, or refused/failed with the reason. */
    record Answer(boolean accepted, String message) {
    }

    private final LocalCluster cluster;
    private final OperatorClient quick;
    private final OperatorClient changes;
    /** The operator, for namespace administration. */
    final BasicCredentials operator;
    /** The principal the recorded workload writes as: a service, not the operator. */
    final BasicCredentials app;

    ClusterApi(LocalCluster cluster) {
        this.cluster = cluster;
        this.operator = OperatorSecret.credentials(cluster);
        String appSecret = System.getenv("MERIDIAN_APP_SECRET");
        this.app = new BasicCredentials(System.getenv().getOrDefault("MERIDIAN_APP_USER", ClusterCredentials.APP),
                appSecret != null ? appSecret : ClusterCredentials.of(cluster.directory()).app());
        this.quick = OperatorClient.create(operator, Duration.ofSeconds(2));
        this.changes = OperatorClient.create(operator, Duration.ofSeconds(10));
    }

    private Optional<ReplicationStatus> replication(RegionEndpoints r) {
        try {
            return Optional.of(quick.at(r.serverUrl()).replication());
        } catch (OperatorException e) {
            return Optional.empty();
        }
    }

    /** The plan from the first region that answers, asking {@code avoid} last. */
    Optional<RoutingPlan> plan(RegionId avoid) {
        for (RegionEndpoints r : cluster.regions()) {
            if (!r.region().equals(avoid)) {
                try {
                    return Optional.of(quick.at(r.serverUrl()).plan());
                } catch (OperatorException e) {
                    // the next region
                }
            }
        }
        try {
            return Optional.of(quick.at(cluster.region(avoid).serverUrl()).plan());
        } catch (OperatorException e) {
            return Optional.empty();
        }
    }

    /** The region's traffic state, empty when no router answers. */
    Optional<TrafficState> state(RegionId of) {
        return plan(of).map(p -> p.state(of));
    }

    /** Whether the plan, as a router answers it, has {@code region} in {@code state}. */
    boolean is(RegionId region, TrafficState state) {
        return state(region).map(state::equals).orElse(false);
    }

    /** Lag per pair "source->region" in ms (-1: unknown or unreachable). */
    Map<String, Long> lags() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (RegionEndpoints r : cluster.regions()) {
            Optional<ReplicationStatus> status = replication(r);
            for (RegionEndpoints s : cluster.regions()) {
                if (!s.region().equals(r.region())) {
                    long lag = status.flatMap(st -> st.from(s.region())).map(ReplicationStatus.Source::effectiveLagMillis)
                            .orElse(-1L);
                    out.put(s.region().name() + "->" + r.region().name(), lag);
                }
            }
        }
        return out;
    }

    /** Whether every region has caught up from every other (lag known and under 1 s, nothing held). */
    boolean allCaughtUp() {
        for (RegionEndpoints r : cluster.regions()) {
            Optional<ReplicationStatus> status = replication(r);
            if (status.isEmpty()) {
                return false;
            }
            for (ReplicationStatus.Source src : status.get().sources()) {
                if (src.lagOffsets() < 0 || !src.held().isEmpty() || src.effectiveLagMillis() > 1_000) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Evacuates through a region other than the one evacuated. */
    Answer evacuate(TrafficChange change) {
        return change(server -> server.evacuate(change), RegionId.of(change.region()));
    }

    /** Restores through a region other than the one restored. */
    Answer restore(TrafficChange change) {
        return change(server -> server.restore(change), RegionId.of(change.region()));
    }

    /** A routing change through a region other than {@code avoid}; the next region when one does not answer. */
    private Answer change(Function<OperatorClient.Server, RoutingPlan> call, RegionId avoid) {
        String last = "no router answered";
        for (RegionEndpoints r : cluster.regions()) {
            if (r.region().equals(avoid)) {
                continue;
            }
            try {
                call.apply(changes.at(r.serverUrl()));
                return new Answer(true, "ok");
            } catch (OperatorException e) {
                if (!e.retryElsewhere()) {
                    return new Answer(false, e.getMessage());
                }
                last = e.server() + ": " + e.getMessage();
            }
        }
        return new Answer(false, last);
    }
}
