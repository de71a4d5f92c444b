package io.meridian.core;

import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context {@code traceparent} (version 00): the trace a call belongs to and the span that sent it.
 * The client sends one per attempt (the caller's trace, a new span), the server logs the trace id with what the
 * request did and puts the header on the mutation it appends, so each region's applier logs the same trace id when
 * it applies the write. Immutable.
 *
 * @param traceId 32 lowercase hex digits, not all zero
 * @param spanId 16 lowercase hex digits, not all zero (the W3C "parent-id")
 * @param flags the trace flags (bit 0: sampled)
 */
public record Traceparent(String traceId, String spanId, int flags) {

    /** The header's name (on HTTP requests and on mutation-log records). */
    public static final String HEADER = "traceparent";

    /**
     * The logger of one line per write where it was written and per region where it was applied, each naming the
     * trace: off (INFO) by default; at DEBUG a write can be followed through every region.
     */
    public static final String LOGGER = "meridian.trace";

    private static final Pattern FORMAT = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);
    private static final HexFormat HEX = HexFormat.of();

    public Traceparent {
        if (!isLowerHex(traceId, 32) || traceId.equals(ZERO_TRACE)) {
            throw new IllegalArgumentException("trace id must be 32 lowercase hex digits, not all zero: " + traceId);
        }
        if (!isLowerHex(spanId, 16) || spanId.equals(ZERO_SPAN)) {
            throw new IllegalArgumentException("span id must be 16 lowercase hex digits, not all zero: " + spanId);
        }
        if (flags < 0 || flags > 0xff) {
            throw new IllegalArgumentException("trace flags must be one byte: " + flags);
        }
    }

    /**
     * The header's value, when it is a valid {@code traceparent}; empty otherwise (W3C: a receiver ignores an invalid
     * one and starts a new trace). Version {@code ff} is invalid; a later version is read by its first four fields; a
     * version-00 header with more fields is invalid.
     */
    public static Optional<Traceparent> parse(String header) {
        if (header == null || header.length() > 512) {
            return Optional.empty();
        }
        var m = FORMAT.matcher(header.trim());
        if (!m.matches() || m.group(1).equals("ff") || (m.group(1).equals("00") && m.group(5) != null)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Traceparent(m.group(2), m.group(3), Integer.parseInt(m.group(4), 16)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code s} is exactly {@code length} lowercase hex digits (runs per call: no regex compiled). */
    private static boolean isLowerHex(String s, int length) {
        if (s == null || s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** A new trace (sampled), for a call its caller sent without one. */
    public static Traceparent newTrace() {
        return new Traceparent(randomHex(16), randomHex(8), 1);
    }

    /** The same trace, a new span of it (one per attempt of a call). */
    public Traceparent child() {
        return new Traceparent(traceId, randomHex(8), flags);
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        do {
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(b); // ids, not secrets: cheap on every call
        } while (isZero(b));
        return HEX.formatHex(b);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** The header's value: {@code 00-<trace id>-<span id>-<flags>}. */
    @Override
    public String toString() {
        return "00-" + traceId + "-" + spanId + "-" + HEX.toHexDigits((byte) flags);
    }
}
