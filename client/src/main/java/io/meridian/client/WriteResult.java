package io.meridian.client;

import io.meridian.core.IdempotencyToken;
import io.meridian.core.RegionId;

/**
 * An acknowledged write: the timestamp (µs) it was applied with, its idempotency token, and the
 * region that acknowledged it. Immutable.
 */
public record WriteResult(long timestamp, IdempotencyToken token, RegionId region) {
}
