package io.meridian.client;

import io.meridian.core.Bytes;
import java.util.Objects;

/**
 * One item of a record as read: key, value, write timestamp (µs) and the seconds it had left to live when the
 * server read it from Cassandra (0: no TTL; a read served from a region's cache reports what was left when the
 * cache loaded it). Immutable.
 */
public record Item(Bytes key, Bytes value, long timestamp, int ttlSeconds) {
    public Item {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("ttlSeconds must not be negative");
        }
    }

    /** An item without TTL. */
    public Item(Bytes key, Bytes value, long timestamp) {
        this(key, value, timestamp, 0);
    }
}
