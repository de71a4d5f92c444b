package io.meridian.core.wire;

/**
 * One item on the wire. {@code key} and {@code value} are standard base64. {@code timestamp} (µs, the
 * item's write time) is set in responses; {@code ttlSeconds} may be set in puts (0 or absent: the
 * namespace default).
 */
public record ItemJson(String key, String value, Long timestamp, Integer ttlSeconds) {

    public static ItemJson of(String key, String value) {
        return new ItemJson(key, value, null, null);
    }
}
