package io.meridian.client;

import io.meridian.core.Bytes;
import java.util.Objects;

/**
 * One item of a record as read: key, value and write timestamp (µs). Immutable.
 */
public record Item(Bytes key, Bytes value, long timestamp) {
    public Item {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
