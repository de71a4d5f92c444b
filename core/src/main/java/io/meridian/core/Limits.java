package io.meridian.core;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The data model's limits (design brief, section 2) and their checks. A violated limit throws
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

    /** Thrown when a size limit is exceeded (the API answers 413). */
    public static final class LimitExceededException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public LimitExceededException(String message) {
            super(message);
        }
    }
}
