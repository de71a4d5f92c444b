package io.meridian.core;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The data model's limits (docs/api.md) and their checks. A violated limit throws
 * {@link LimitExceededException} naming the limit, or {@link IllegalArgumentException} for a
 * malformed name. Stateless, thread-safe.
 */
public final class Limits {

    /** {@code [a-z][a-z0-9_]{0,47}}: safe as part of a CQL table name. */
    public static final Pattern NAMESPACE = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    public static final int MAX_ID_BYTES = 512;
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_VALUE_BYTES = 1024 * 1024;
    public static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;
    /**
     * Largest TTL of an item or a namespace default, in seconds: Cassandra's own maximum (20 years). A
     * larger one could be appended to the log but never applied anywhere.
     */
    public static final int MAX_TTL_SECONDS = 630_720_000;
    /**
     * Latest moment an item may expire, in seconds since the epoch: 2038-01-19T03:14:06Z, the largest local
     * deletion time of Cassandra's storage format in its default compatibility mode (CASSANDRA-14092; Cassandra
     * 5.0 lifts it only with {@code storage_compatibility_mode: NONE}). A put whose timestamp plus TTL lies beyond
     * it is refused by Cassandra, in every region, so it is refused before the log.
     */
    public static final long MAX_EXPIRATION_EPOCH_SECONDS = Integer.MAX_VALUE - 1L;
    /**
     * Most operations in one write (puts, item deletes and a record delete together). A write is applied
     * as one single-partition batch; the driver refuses batches of 65,535 statements or more.
     */
    public static final int MAX_OPERATIONS = 10_000;
    /**
     * Largest mutation-log record, in bytes: a write at {@link #MAX_REQUEST_BYTES} of keys, values and id with
     * {@link #MAX_OPERATIONS} operations, encoded, with room for headers. Producers, topics and dead letters are
     * configured for it.
     */
    public static final int MAX_LOG_RECORD_BYTES = 8 * 1024 * 1024;

    private Limits() { }

    /** Checks a namespace name; the message quotes the rule. */
    public static String checkNamespace(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("invalid namespace name '" + namespace
                    + "': expected [a-z][a-z0-9_]{0,47} (lower-case letter, then up to 47 of a-z, 0-9, _)");
        }
        return namespace;
    }

    public static String checkId(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("record id must not be empty");
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_ID_BYTES) {
            throw new LimitExceededException("record id is " + bytes + " bytes; the limit is " + MAX_ID_BYTES
                    + " bytes (UTF-8)");
        }
        return id;
    }

    /**
     * {@code text} for a log line: control characters (line breaks among them) as {@code \\uXXXX}, so a record id cannot
     * forge a line of its own.
     */
    public static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (out == null) {
                    out = new StringBuilder(text.substring(0, i));
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    public static Bytes checkKey(Bytes key) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("item key must not be empty");
        }
        if (key.size() > MAX_KEY_BYTES) {
            throw new LimitExceededException("item key is " + key.size() + " bytes; the limit is " + MAX_KEY_BYTES
                    + " bytes");
        }
        return key;
    }

    public static Bytes checkValue(Bytes value) {
        if (value.size() > MAX_VALUE_BYTES) {
            throw new LimitExceededException("item value is " + value.size() + " bytes; the limit is "
                    + MAX_VALUE_BYTES + " bytes (1 MiB)");
        }
        return value;
    }

    /** Checks a TTL in seconds: 0 (none) to {@link #MAX_TTL_SECONDS}. */
    public static int checkTtl(String what, long ttlSeconds) {
        if (ttlSeconds < 0 || ttlSeconds > MAX_TTL_SECONDS) {
            throw new IllegalArgumentException(what + " is " + ttlSeconds + "; it must be within 0.." + MAX_TTL_SECONDS
                    + " seconds (20 years, Cassandra's largest TTL; 0: no expiry)");
        }
        return (int) ttlSeconds;
    }

    /**
     * Checks that an item written at {@code timestampMicros} with {@code ttlSeconds} expires no later than
     * {@link #MAX_EXPIRATION_EPOCH_SECONDS}.
     */
    public static void checkExpiration(String what, long timestampMicros, long ttlSeconds) {
        long expires = timestampMicros / 1_000_000 + ttlSeconds;
        if (ttlSeconds > 0 && expires > MAX_EXPIRATION_EPOCH_SECONDS) {
            throw new IllegalArgumentException(what + " of " + ttlSeconds + " s would expire at "
                    + java.time.Instant.ofEpochSecond(expires) + ", after " + java.time.Instant.ofEpochSecond(MAX_EXPIRATION_EPOCH_SECONDS)
                    + ", the latest expiration Cassandra stores (CASSANDRA-14092): at most "
                    + Math.max(0, MAX_EXPIRATION_EPOCH_SECONDS - timestampMicros / 1_000_000) + " s now");
        }
    }

    /** Checks the number of operations of one write. */
    public static void checkOperations(int count) {
        if (count > MAX_OPERATIONS) {
            throw new LimitExceededException("a write has " + count + " operations; the limit is " + MAX_OPERATIONS);
        }
    }

    /** Thrown when a size limit is exceeded (the API answers 413). */
    public static final class LimitExceededException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public LimitExceededException(String message) {
            super(message);
        }
    }
}
