package io.meridian.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationHealthTest {

    private static SourceStatus source(String region, long lagOffsets, long lagMillis, List<String> held) {
        return new SourceStatus(RegionId.of(region), 4, lagOffsets, lagMillis, 1, 10, 0, held, "", 4, 0);
    }

    @Test
    void caughtUpOrSlightlyBehindIsHealthy() {
        var v = ReplicationHealth.evaluate(List.of(source("region-a", 0, 0, List.of()), source("region-b", 12, 800, List.of())),
                Duration.ofHours(1));
        assertThat(v.healthy()).isTrue();
        assertThat(v.message()).contains("region-b: lag 12 mutations / 800 ms");
    }

    @Test
    void aHeldPartitionIsCritical() {
        var v = ReplicationHealth.evaluate(List.of(source("region-b", 3, 10, List.of("p-1@5: namespace 'x' does not exist"))),
                Duration.ofHours(1));
        assertThat(v.healthy()).isFalse();
        assertThat(v.message()).startsWith("CRITICAL").contains("holding p-1@5");
    }

    @Test
    void lagBeyondTheGcGraceMarginIsCriticalEvenWhenTheSourceIsUnreachable() {
        Duration margin = Duration.ofSeconds(864_000 / 2);
        var v = ReplicationHealth.evaluate(List.of(source("region-c", -1, margin.toMillis() + 1, List.of())), margin);
        assertThat(v.healthy()).isFalse();
        assertThat(v.message()).contains("lag ? mutations").contains("exceeds the safety margin 432000 s");
        assertThat(ReplicationHealth.evaluate(List.of(source("region-c", -1, margin.toMillis(), List.of())), margin).healthy()).isTrue();
    }

    @Test
    void alertsNameEveryProblemAndNothingWhenAllIsWell() {
        Duration margin = Duration.ofHours(1);
        assertThat(ReplicationHealth.alerts(List.of(source("region-a", 0, 0, List.of())), margin, 0)).isEmpty();
        assertThat(ReplicationHealth.alerts(List.of(source("region-a", 0, 0, List.of())), margin, -1)).as("unknown count").isEmpty();
        SourceStatus failing = new SourceStatus(RegionId.of("region-b"), 4, 5, 10, 1, 10, 0, List.of(), "apply failed: timeout", 4, 0);
        List<String> alerts = ReplicationHealth.alerts(List.of(failing, source("region-c", 1, margin.toMillis() + 1,
                List.of("p-2@7: schema version 9"))), margin, 3);
        assertThat(alerts).hasSize(4);
        assertThat(alerts.get(0)).contains("applier of region-b is failing: apply failed: timeout");
        assertThat(alerts.get(1)).contains("region-c holds p-2@7");
        assertThat(alerts.get(2)).contains("beyond the gc_grace margin");
        assertThat(alerts.get(3)).startsWith("3 open dead letter(s)");
    }
}
