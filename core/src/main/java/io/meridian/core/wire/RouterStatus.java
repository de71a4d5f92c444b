package io.meridian.core.wire;

import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/router/status}: the routing plan and every region's failure verdict, as one region's router sees
 * them.
 *
 * @param observer the region answering
 * @param planVersion the plan's version
 * @param operation the traffic shift in progress, or null
 * @param regions one entry per region
 * @param weights home region → target region → weight
 */
public record RouterStatus(RegionId observer, long planVersion, RoutingPlan.Shift operation, List<RegionStatus> regions,
        Map<RegionId, Map<RegionId, Integer>> weights) {

    public RouterStatus {
        regions = regions == null ? List.of() : List.copyOf(regions);
        weights = weights == null ? Map.of() : weights;
    }

    /**
     * One region.
     *
     * @param state its traffic state in the plan
     * @param keptPercent share of its own clients' traffic it keeps
     * @param trafficSharePercent share of all clients' traffic it gets
     * @param failed whether a majority of observers see it down long enough to fail it
     * @param observersAgreeing observers that see it down
     * @param observers observers asked
     * @param healthyForMillis how long it has been healthy to a majority (0: not healthy)
     * @param health what the observers see
     */
    public record RegionStatus(RegionId region, TrafficState state, int keptPercent, double trafficSharePercent,
            boolean failed, int observersAgreeing, int observers, long healthyForMillis, String health) {
    }
}
