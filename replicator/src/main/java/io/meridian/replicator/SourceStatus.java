package io.meridian.replicator;

import io.meridian.core.RegionId;
import java.util.List;

/**
 * Replication from one source region into this region, as last observed. Immutable snapshot.
 *
 * @param source the region whose mutation log is consumed
 * @param assignedPartitions partitions of the source topic this instance consumes (others may consume the rest)
 * @param lagOffsets mutations in the source log not yet applied here (over the assigned partitions); -1 unknown
 * @param lagMillis 0 when caught up; with mutations pending, now minus the timestamp of the newest applied
 *     one; when the source is unreachable (lag unknown), the time since it was last seen caught up — an
 *     upper bound, so a long partition shows as a long lag
 * @param lastAppliedTimestampMicros timestamp of the newest mutation applied from this source, 0 before any
 * @param applied mutations applied since start
 * @param deadLetters messages sent to the dead-letter topic since start
 * @param held partitions held back, each with its reason (unknown namespace, newer schema version)
 * @param lastError the last failure (source unreachable, store down), or empty
 * @param topicPartitions partitions of the source topic (0 before known): what every instance together must hold
 * @param skipped records of the own log passed without applying them again since start, because this process's write
 *     path applied them (0 for other sources)
 */
public record SourceStatus(RegionId source, int assignedPartitions, long lagOffsets, long lagMillis,
        long lastAppliedTimestampMicros, long applied, long deadLetters, List<String> held, String lastError, int topicPartitions,
        long skipped) {

    public SourceStatus {
        held = List.copyOf(held);
    }

    /** Nothing pending and nothing held back. */
    public boolean caughtUp() {
        return lagOffsets == 0 && held.isEmpty();
    }
}
