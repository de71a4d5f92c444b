package io.meridian.core.wire;

/**
 * One open dead letter of a region ({@code GET /v1/replication/dead-letters}).
 *
 * @param offset its offset in the region's dead-letter topic: what replay and discard name
 * @param atMillis when it was dead-lettered
 * @param sourceRegion the region whose mutation log held it
 * @param sourceTopic the topic it came from
 * @param sourcePartition the partition it came from
 * @param sourceOffset its offset there
 * @param error why it could not be applied
 * @param key its mutation-log key ({@code namespace/id})
 * @param namespace the mutation's namespace, null when the message was not a readable mutation
 * @param id the mutation's record id, or null
 * @param timestampMicros the mutation's timestamp, or null
 * @param operations the number of operations, or 0
 */
public record DeadLetterJson(long offset, long atMillis, String sourceRegion, String sourceTopic, int sourcePartition,
        long sourceOffset, String error, String key, String namespace, String id, Long timestampMicros, int operations) {
}
