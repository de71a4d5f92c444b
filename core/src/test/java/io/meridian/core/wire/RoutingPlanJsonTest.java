package io.meridian.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A plan's JSON is what routers store (router_chosen, router_paxos) and clients poll: region ids typed in Java must
 * not change it, and plans written before they were typed must still read.
 */
class RoutingPlanJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RegionId A = RegionId.of("region-a");
    private static final RegionId C = RegionId.of("region-c");

    /** A plan as the string-keyed code wrote it (an evacuation of region-c in progress). */
    static final String STORED_BEFORE = "{\"version\":7,\"updatedAt\":1796000000000,\"regions\":{\"region-a\":{\"state\":"
            + "\"SERVING\",\"keptPercent\":100},\"region-c\":{\"state\":\"EVACUATING\",\"keptPercent\":50}},\"weights\":{"
            + "\"region-a\":{\"region-a\":100},\"region-c\":{\"region-a\":50,\"region-c\":50}},\"operation\":{\"kind\":"
            + "\"EVACUATE\",\"region\":\"region-c\",\"steps\":[50,100],\"stepIndex\":0,\"bakeMillis\":10000,\"nextStepAt\":"
            + "1796000010000,\"held\":false,\"driver\":\"region-a\",\"actor\":\"op\",\"reason\":\"drill\"}}";

    @Test
    void aPlanStoredBeforeRegionIdsWereTypedReadsAndWritesBackTheSame() throws Exception {
        RoutingPlan p = JSON.readValue(STORED_BEFORE, RoutingPlan.class);
        assertThat(p.state(C)).isEqualTo(TrafficState.EVACUATING);
        assertThat(p.weightsFor(C)).containsEntry(A, 50).containsEntry(C, 50);
        assertThat(p.operation().region()).isEqualTo(C);
        assertThat(p.operation().driver()).isEqualTo(A);
        assertThat(p.trafficShare(C)).isEqualTo(25.0);
        JsonNode again = JSON.readTree(JSON.writeValueAsString(p));
        assertThat(again).isEqualTo(JSON.readTree(STORED_BEFORE));
    }

    @Test
    void regionIdsAreTheirNamesAlsoAsMapKeys() throws Exception {
        String json = JSON.writeValueAsString(RoutingPlan.initial(List.of(A, C)));
        assertThat(JSON.readTree(json).path("weights").path("region-a").path("region-a").asInt()).isEqualTo(100);
        assertThat(JSON.writeValueAsString(A)).isEqualTo("\"region-a\"");
        assertThat(JSON.readValue("\"region-c\"", RegionId.class)).isEqualTo(C);
    }
}
