package io.meridian.core.wire;

/**
 * The answer to an acknowledged write: its timestamp (µs), the idempotency token it was written
 * under, and the region that acknowledged it.
 */
public record WriteResponse(long timestamp, String token, String region) {
}
