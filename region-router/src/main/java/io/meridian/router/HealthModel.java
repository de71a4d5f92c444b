package io.meridian.router;

import io.meridian.core.RegionId;
import io.meridian.core.wire.HealthObservation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Region health as a majority of observers sees it. Every region's router observes every region
 * (its servers' health checks: Cassandra, Kafka, replication lag) and publishes what it sees with
 * how long it has seen it. A region is <em>failed</em> only when more than half of the observers in
 * the <em>other</em> regions have seen it unhealthy for at least {@code failAfter}: one observer cut
 * off from a region cannot evacuate it. (With two regions there is one other observer, and it
 * decides alone: nothing can tell a partition from a failure with two.) Stateless.
 */
public final class HealthModel {

    private HealthModel() { }


    /**
     * The verdict on one region.
     *
     * @param failed          a majority of the other regions' observers agree it has been unhealthy for failAfter
     * @param agreeing        how many observers see it unhealthy for that long
     * @param observers       how many observers count (the other regions)
     * @param healthyForMillis how long a majority of them has seen it healthy (0 if no majority does;
     *                        {@link Long#MAX_VALUE} with no other observer)
     * @param detail          what the observers see
     */
    public record Verdict(RegionId region, boolean failed, int agreeing, int observers, long healthyForMillis,
            String detail) {
    }

    /**
     * @param byObserver observer region → target region → observation (missing: no report)
     */
    public static Verdict verdict(RegionId target, List<RegionId> regions, Map<RegionId, Map<RegionId, HealthObservation>> byObserver,
            long nowMillis, long failAfterMillis) {
        List<RegionId> observers = regions.stream().filter(r -> !r.equals(target)).toList();
        if (observers.isEmpty()) {
            return new Verdict(target, false, 0, 0, Long.MAX_VALUE, "no other region observes it");
        }
        int needed = observers.size() / 2 + 1;
        int agreeing = 0;
        List<Long> healthyFor = new ArrayList<>();
        StringBuilder detail = new StringBuilder();
        for (RegionId o : observers) {
            HealthObservation obs = byObserver.getOrDefault(o, Map.of()).get(target);
            if (obs == null) {
                detail.append(o).append(": no report; ");
                continue;
            }
            long age = Math.max(0, nowMillis - obs.sinceMillis());
            if (obs.healthy()) {
                healthyFor.add(age);
                detail.append(o).append(": healthy ").append(age / 1000).append(" s; ");
            } else {
                if (age >= failAfterMillis) {
                    agreeing++;
                }
                detail.append(o).append(": unhealthy ").append(age / 1000).append(" s (").append(obs.detail()).append("); ");
            }
        }
        healthyFor.sort(Comparator.reverseOrder());
        long majorityHealthyFor = healthyFor.size() >= needed ? healthyFor.get(needed - 1) : 0;
        return new Verdict(target, agreeing >= needed, agreeing, observers.size(), majorityHealthyFor,
                detail.toString().trim());
    }
}
