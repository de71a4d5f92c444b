package io.meridian.core.wire;

/**
 * What a replay or discard did in one region.
 *
 * @param region the region
 * @param action {@code replay} or {@code discard}
 * @param resolved letters resolved by this call
 * @param failedOffset where a replay stopped (that letter stays open), or null
 * @param error why it stopped (or why a discard did not reach every letter asked for), or empty
 * @param open open letters left
 * @param mark the incident this call recorded in the region's repair mark (a discard always records one: a
 *        discarded letter may be a write some region acknowledged), or null when it recorded none
 * @param needsRepair the region's whole repair mark after the call (this incident and any other), or null
 */
public record DeadLetterResult(io.meridian.core.RegionId region, String action, long resolved, Long failedOffset, String error, long open, String mark,
        String needsRepair) {
}
