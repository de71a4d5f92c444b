package io.meridian.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.HealthObservation;
import io.meridian.core.wire.RoutingPlan;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingTest {

    static final RegionId A = RegionId.of("region-a");

    static final RegionId B = RegionId.of("region-b");
    static final RegionId C = RegionId.of("region-c");

    static RoutingPlan plan(Map<RegionId, Integer> weightsOfA) {
        Map<RegionId, RoutingPlan.RegionPlan> regions = new HashMap<>();
        for (RegionId r : List.of(A, B, C)) {
            regions.put(r, new RoutingPlan.RegionPlan(TrafficState.SERVING, 100));
        }
        return new RoutingPlan(1, 1, regions, Map.of(A, weightsOfA, B, Map.of(B, 100), C, Map.of(C, 100)), null);
    }

    @Test
    void keysMovedAt25PercentStayMovedAt50AndSharesFollowTheWeights() {
        RoutingPlan p25 = plan(Map.of(A, 75, B, 13, C, 12));
        RoutingPlan p50 = plan(Map.of(A, 50, B, 25, C, 25));
        int moved25 = 0;
        int moved50 = 0;
        for (int i = 0; i < 10_000; i++) {
            String key = "ns/record-" + i;
            RegionId at25 = Routing.preference(p25, A, key).get(0);
            RegionId at50 = Routing.preference(p50, A, key).get(0);
            if (!at25.equals(A)) {
                moved25++;
                assertThat(at50).as(key + " moved at 25 % stays moved at 50 %").isNotEqualTo(A);
            }
            if (!at50.equals(A)) {
                moved50++;
            }
            assertThat(Routing.preference(p25, A, key).get(0)).as("sticky").isEqualTo(at25);
        }
        assertThat(moved25).isBetween(2_200, 2_800);
        assertThat(moved50).isBetween(4_600, 5_400);
    }

    @Test
    void thePreferenceListsEveryRegionOnceBestFirst() {
        RoutingPlan p = plan(Map.of(B, 50, C, 50));
        List<RegionId> order = Routing.preference(p, A, "ns/x");
        assertThat(order).hasSize(3).doesNotHaveDuplicates();
        assertThat(order.get(0)).isIn(RegionId.of("region-b"), RegionId.of("region-c"));
        assertThat(order.get(2)).isEqualTo(A); // evacuated home: last resort
    }

    @Test
    void healthNeedsAMajorityOfTheOtherRegionsObservers() {
        RegionId b = RegionId.of("region-b");
        RegionId c = RegionId.of("region-c");
        List<RegionId> all = List.of(A, b, c);
        HealthObservation down = new HealthObservation(false, 0, "connection refused");
        HealthObservation up = new HealthObservation(true, 0, "");
        // only region-b is cut off from region-a: not failed
        HealthModel.Verdict one = HealthModel.verdict(A, all, Map.of(b, Map.of(A, down),
                c, Map.of(A, up)), 10_000, 5_000);
        assertThat(one.failed()).isFalse();
        assertThat(one.agreeing()).isEqualTo(1);
        // both see it down, but not for long enough yet
        HealthModel.Verdict young = HealthModel.verdict(A, all, Map.of(b, Map.of(A, down),
                c, Map.of(A, new HealthObservation(false, 8_000, "x"))), 10_000, 5_000);
        assertThat(young.failed()).isFalse();
        HealthModel.Verdict both = HealthModel.verdict(A, all, Map.of(b, Map.of(A, down),
                c, Map.of(A, down)), 10_000, 5_000);
        assertThat(both.failed()).isTrue();
        // healthy-for counts only when a majority reports healthy
        HealthModel.Verdict half = HealthModel.verdict(A, all, Map.of(b, Map.of(A, up)), 10_000, 5_000);
        assertThat(half.healthyForMillis()).isEqualTo(0);
    }
}
