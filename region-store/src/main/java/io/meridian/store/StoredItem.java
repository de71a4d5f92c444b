package io.meridian.store;

import io.meridian.core.Bytes;

/** An item as read from Cassandra, with its write time (µs) and remaining TTL in seconds (0: none). */
public record StoredItem(Bytes key, Bytes value, long writeTimeMicros, int ttlSeconds) {
}
