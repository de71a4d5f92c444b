package io.meridian.core.wire;

/**
 * What a replay or discard did in one region.
 *
 * @param region the region
 * @param action {@code replay} or {@code discard}
 * @param resolved letters resolved by this call
 * @param failedOffset where a replay stopped (that letter stays open), or null
 * @param error why it stopped, or empty
 * @param open open letters left
 */
public record DeadLetterResult(String region, String action, long resolved, Long failedOffset, String error, long open) {
}
