package io.meridian.core.wire;

import io.meridian.core.RegionId;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/router/health}: a server's health (200 while it can serve, 503 when DOWN), probed by every region's
 * observer.
 *
 * @param healthy level is not DOWN
 * @param level HEALTHY, DEGRADED or DOWN
 * @param down what makes it DOWN
 * @param alerts what degrades it
 * @param problems everything wrong in one line, or null when healthy
 * @param clockMillis the server's clock (observers estimate skew from it)
 * @param planVersion the routing plan version it follows
 * @param observations what this region's observer sees of every region
 */
public record RegionHealthReport(boolean healthy, String level, List<String> down, List<String> alerts, String problems,
        long clockMillis, long planVersion, Map<RegionId, HealthObservation> observations) {

    public RegionHealthReport {
        down = down == null ? List.of() : List.copyOf(down);
        alerts = alerts == null ? List.of() : List.copyOf(alerts);
        observations = observations == null ? Map.of() : Map.copyOf(observations);
    }
}
