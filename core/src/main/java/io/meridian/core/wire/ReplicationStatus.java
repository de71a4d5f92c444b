package io.meridian.core.wire;

import io.meridian.core.RegionId;
import java.util.List;

/**
 * {@code GET /v1/replication}: a region's appliers, one entry per source region.
 *
 * @param region the region answering
 * @param sources replication into it, one per other region
 * @param openDeadLetters dead letters of this region not yet replayed or discarded (-1: unknown)
 * @param needsRepair why this region may miss mutations (a log gap, a discarded dead letter) until a repair or
 *        rebuild, or an operator's clear, or null
 * @param appliersRunning false while an operator has the appliers stopped (a rebuild)
 * @param repairMarkNeedsOperator whether the mark names a discarded dead letter: that may be a write no region
 *        applied, which no repair brings back, so only an operator clears it (repair and rebuild leave it)
 */
public record ReplicationStatus(RegionId region, List<Source> sources, long openDeadLetters, String needsRepair,
        boolean appliersRunning, boolean repairMarkNeedsOperator) {

    public ReplicationStatus {
        sources = sources == null ? List.of() : List.copyOf(sources);
    }

    /**
     * Replication from one source region.
     *
     * @param source the source region
     * @param assignedPartitions partitions of its log this server's applier reads
     * @param lagOffsets mutations not yet applied (-1: unknown, e.g. the source's Kafka unreachable)
     * @param lagMillis age of the oldest mutation not yet applied (0 when caught up)
     * @param lastAppliedTimestamp write timestamp (µs) of the last mutation applied
     * @param applied mutations applied since start
     * @param deadLetters mutations dead-lettered since start
     * @param held partitions held back, each with its reason (unknown namespace, newer schema version)
     * @param lastError the last apply error, or empty
     * @param caughtUp nothing left to apply and nothing held
     * @param topicPartitions partitions of the source's log
     * @param skippedOwnWrites mutations skipped because this region's write path had applied them
     */
    public record Source(RegionId source, int assignedPartitions, long lagOffsets, long lagMillis, long lastAppliedTimestamp,
            long applied, long deadLetters, List<String> held, String lastError, boolean caughtUp, int topicPartitions,
            long skippedOwnWrites) {

        public Source {
            held = held == null ? List.of() : List.copyOf(held);
        }

        /** The lag in milliseconds, 0 when caught up, -1 when unknown. */
        public long effectiveLagMillis() {
            return lagOffsets < 0 ? -1 : caughtUp ? 0 : lagMillis;
        }
    }

    /** The entry for {@code source}, if this region replicates from it. */
    public java.util.Optional<Source> from(RegionId source) {
        return sources.stream().filter(s -> s.source().equals(source)).findFirst();
    }
}
