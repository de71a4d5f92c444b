package io.meridian.core;

import java.util.Objects;

/** One change to a record, part of a {@link Mutation}. Immutable values. */
public sealed interface Operation {

    /**
     * Sets item {@code key} to {@code value}; {@code ttlSeconds} 0 means the namespace default
     * (0 there too means no expiry).
     */
    record Put(Bytes key, Bytes value, int ttlSeconds) implements Operation {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (ttlSeconds < 0) {
                throw new IllegalArgumentException("ttlSeconds must not be negative: " + ttlSeconds);
            }
        }

        public Put(Bytes key, Bytes value) {
            this(key, value, 0);
        }
    }

    /** Deletes item {@code key}. */
    record DeleteItem(Bytes key) implements Operation {
        public DeleteItem {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Deletes every item of the record written before the mutation's timestamp. */
    record DeleteRecord() implements Operation {
    }
}
