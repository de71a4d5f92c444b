package io.meridian.core.wire;

/**
 * {@code POST /v1/replication/delays}, one entry per source: timestamp→applied delay percentiles in µs since the
 * previous call.
 */
public record ReplicationDelays(io.meridian.core.RegionId source, long count, long p50, long p99, long p999, long max) {
}
