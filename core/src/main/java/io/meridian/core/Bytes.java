package io.meridian.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * An immutable byte string: item keys and values. Compares as unsigned bytes, lexicographically,
 * which is how Cassandra orders {@code blob} clustering keys. Immutable and thread-safe.
 */
public final class Bytes implements Comparable<Bytes> {

    /** The empty byte string. */
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] data;

    private Bytes(byte[] data) {
        this.data = data;
    }

    /** A copy of {@code data}. */
    public static Bytes of(byte[] data) {
        return new Bytes(Objects.requireNonNull(data, "data").clone());
    }

    /** Wraps without copying; the caller must not change {@code data} afterwards. */
    public static Bytes wrap(byte[] data) {
        return new Bytes(Objects.requireNonNull(data, "data"));
    }

    /** The UTF-8 bytes of {@code text}. */
    public static Bytes utf8(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Decodes standard base64 (RFC 4648, with or without padding).
     *
     * @throws IllegalArgumentException if {@code base64} is not valid base64
     */
    public static Bytes fromBase64(String base64) {
        return new Bytes(Base64.getDecoder().decode(Objects.requireNonNull(base64, "base64")));
    }

    public int size() {
        return data.length;
    }

    public boolean isEmpty() {
        return data.length == 0;
    }

    /** A copy of the bytes. */
    public byte[] toArray() {
        return data.clone();
    }

    /** The bytes themselves, for codecs that only read them; never modify the result. */
    public byte[] unsafeArray() {
        return data;
    }

    public String toBase64() {
        return Base64.getEncoder().encodeToString(data);
    }

    /** The bytes decoded as UTF-8 (malformed sequences replaced). */
    public String toUtf8() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public int compareTo(Bytes o) {
        return Arrays.compareUnsigned(data, o.data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(data, b.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return data.length <= 64 ? "Bytes[" + toBase64() + "]" : "Bytes[" + data.length + " bytes]";
    }
}
