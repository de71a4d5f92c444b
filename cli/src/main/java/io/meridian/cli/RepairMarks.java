package io.meridian.cli;

import io.meridian.client.OperatorClient;
import io.meridian.client.OperatorException;
import io.meridian.core.wire.RepairMarkClear;
import io.meridian.core.wire.ReplicationStatus;
import java.util.Optional;

/**
 * A region's repair mark as {@code meridian repair} and {@code rebuild} handle it: read before they start making the
 * region whole, cleared afterwards only if it is still exactly what they read. An incident that arrives while they
 * work (a log gap, a discarded dead letter) changes the mark, so it stays for the next repair instead of being
 * cleared by one that did not cover it.
 */
final class RepairMarks {

    private RepairMarks() {
    }

    /**
     * A mark as read.
     *
     * @param text the mark, what a clear must name
     * @param needsOperator it names a discarded dead letter: a repair or rebuild cannot know whether that was a write
     *        no region applied, so it leaves the mark for an operator
     */
    record Seen(String text, boolean needsOperator) {
    }

    /** Why a repair or rebuild leaves a mark that names discarded dead letters. */
    static final String LEFT_FOR_OPERATOR = "it names discarded dead letters, and one may be a write no region applied (no copy"
            + " brings that back): an operator clears it after checking (docs/operations.md, dead letters)";

    /** The region's mark, empty when it has none; throws {@link OperatorException} when its server does not answer. */
    static Optional<Seen> read(OperatorClient.Server server) {
        ReplicationStatus status = server.replication();
        return Optional.ofNullable(status.needsRepair()).map(text -> new Seen(text, status.repairMarkNeedsOperator()));
    }

    /**
     * Clears the mark if it is still {@code seen} and a repair may clear it: empty when cleared, else why it stays
     * (one line).
     */
    static Optional<String> clear(OperatorClient.Server server, Seen seen, String reason) {
        if (seen.needsOperator()) {
            return Optional.of(LEFT_FOR_OPERATOR);
        }
        try {
            server.clearRepairMark(new RepairMarkClear(reason, seen.text()));
            return Optional.empty();
        } catch (OperatorException e) {
            return Optional.of(e.kind() == OperatorException.Kind.REFUSED ? e.getMessage() + ": run meridian repair again"
                    : e.status() == 0 ? "not answered (" + e.getMessage() + ")" : "answered " + e.status() + ": " + e.getMessage());
        }
    }
}
