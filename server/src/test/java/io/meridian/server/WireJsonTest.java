package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.jackson.Jackson;
import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.HealthObservation;
import io.meridian.core.wire.PlanAccept;
import io.meridian.core.wire.RegionHealthReport;
import io.meridian.core.wire.RouterStatus;
import io.meridian.core.wire.RoutingPlan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wire records through the server's own mapper (Dropwizard's, with its modules and the setting
 * {@link MeridianServer} adds): region ids are their names, also as map keys, both ways.
 */
class WireJsonTest {

    private static final ObjectMapper SERVER = Jackson.newObjectMapper().enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    private static final RegionId A = RegionId.of("region-a");
    private static final RegionId B = RegionId.of("region-b");

    @Test
    void plansAndStatusesKeepRegionNamesOnTheWire() throws Exception {
        RoutingPlan plan = RoutingPlan.initial(List.of(A, B));
        String json = SERVER.writeValueAsString(new PlanAccept(1, 7, plan));
        assertThat(json).contains("\"regions\":{").contains("\"region-a\":{\"region-a\":100}").doesNotContain("\"name\"");
        assertThat(SERVER.readValue(json, PlanAccept.class).value()).isEqualTo(plan);

        RouterStatus status = new RouterStatus(A, 3, null, List.of(new RouterStatus.RegionStatus(B, TrafficState.EVACUATED, 0,
                0.0, true, 2, 2, 0, "down")), Map.of(B, Map.of(A, 100)));
        String s = SERVER.writeValueAsString(status);
        assertThat(s).contains("\"observer\":\"region-a\"").contains("\"region\":\"region-b\"").contains("\"state\":\"EVACUATED\"");
        assertThat(SERVER.readValue(s, RouterStatus.class)).isEqualTo(status);
    }

    @Test
    void aHealthAnswerCarriesTheObserversViewKeyedByRegionName() throws Exception {
        RegionHealthReport report = new RegionHealthReport(true, "HEALTHY", List.of(), List.of(), null, 5, 3,
                Map.of(B, new HealthObservation(false, 4, "unreachable")));
        String json = SERVER.writeValueAsString(report);
        assertThat(json).contains("\"observations\":{\"region-b\":{\"healthy\":false");
        // what an observer reads: the peer's answer, typed, by the plain mapper the observers use
        RegionHealthReport read = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(json, RegionHealthReport.class);
        assertThat(read).isEqualTo(report);
        assertThat(read.observations()).containsKey(B);
    }
}
