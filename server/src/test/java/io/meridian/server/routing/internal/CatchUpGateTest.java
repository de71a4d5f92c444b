package io.meridian.server.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import io.meridian.core.wire.ReplicationStatus;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Catch-up of a region is its slowest instance's, and an instance that does not answer refuses. */
class CatchUpGateTest {

    static ReplicationStatus.Source source(String name, int assigned, long lagOffsets, long lagMillis, List<String> held) {
        return new ReplicationStatus.Source(RegionId.of(name), assigned, lagOffsets, lagMillis, 1, 1, 0, held, "", lagOffsets == 0 && held.isEmpty(), 4, 0);
    }

    static ReplicationStatus status(ReplicationStatus.Source... sources) {
        return new ReplicationStatus(RegionId.of("region-a"), List.of(sources), 0, null, true, false);
    }

    @Test
    void twoInstancesSharingThePartitionsAndBothCaughtUpPass() {
        var gate = CatchUpGate.notCaughtUp(List.of(CatchUpGate.Instance.of("i0", status(source("region-b", 2, 0, 0, List.of()))),
                CatchUpGate.Instance.of("i1", status(source("region-b", 2, 0, 0, List.of())))), Set.of(), 1_000);
        assertThat(gate).isEmpty();
    }

    @Test
    void theSlowestInstanceDecides() {
        var gate = CatchUpGate.notCaughtUp(List.of(CatchUpGate.Instance.of("i0", status(source("region-b", 2, 0, 0, List.of()))),
                CatchUpGate.Instance.of("i1", status(source("region-b", 2, 900, 30_000, List.of())))), Set.of(), 1_000);
        assertThat(gate).hasValueSatisfying(m -> assertThat(m).contains("30000 ms behind on i1"));
    }

    @Test
    void anInstanceThatDoesNotAnswerOrPartitionsNobodyHoldsRefuse() {
        var silent = CatchUpGate.notCaughtUp(List.of(CatchUpGate.Instance.of("i0", status(source("region-b", 2, 0, 0, List.of()))),
                CatchUpGate.Instance.failed("i1", "connection refused")), Set.of(), 1_000);
        assertThat(silent).hasValueSatisfying(m -> assertThat(m).contains("i1 did not answer").contains("only 2 of 4 partitions"));
    }

    @Test
    void failedSourcesAreIgnoredButRepairFlagsAndDeadLettersRefuse() {
        var ignored = CatchUpGate.notCaughtUp(List.of(CatchUpGate.Instance.of("i0", status(source("region-b", 4, -1, 90_000, List.of())))),
                Set.of(RegionId.of("region-b")), 1_000);
        assertThat(ignored).isEmpty();
        var flagged = CatchUpGate.notCaughtUp(List.of(CatchUpGate.Instance.of("i0", new ReplicationStatus(RegionId.of("region-a"),
                List.of(source("region-b", 4, 0, 0, List.of())), 2, "log gap from region-b", true, false))), Set.of(), 1_000);
        assertThat(flagged).hasValueSatisfying(m -> assertThat(m).contains("needs repair (log gap from region-b)")
                .contains("2 open dead letter(s)"));
    }
}
