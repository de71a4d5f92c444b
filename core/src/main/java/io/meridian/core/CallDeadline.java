package io.meridian.core;

import java.time.Duration;

/**
 * How long a client still waits for an answer, sent with every attempt in the header {@value #HEADER} as whole
 * milliseconds (relative, so the two clocks need not agree). A server past it stops working on the request and
 * answers so instead of finishing work nobody waits for.
 */
public final class CallDeadline {

    public static final String HEADER = "Meridian-Deadline-Ms";
    /** The longest wait a header may announce (a day): more is a mistake, not a deadline. */
    public static final Duration MAX = Duration.ofDays(1);
    static final long MAX_MILLIS = MAX.toMillis();

    private CallDeadline() { }

    /** The header's value for {@code remaining} (at least 1 ms: zero would read as "already passed"). */
    public static String header(Duration remaining) {
        return Long.toString(Math.max(1, remaining.toMillis()));
    }

    /**
     * The wait a header announces; null when absent.
     *
     * @throws IllegalArgumentException when it is not a whole number of milliseconds within 0..a day
     */
    public static Duration parse(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        long ms;
        try {
            ms = Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(HEADER + " must be whole milliseconds, e.g. 500; got '" + abbreviate(header) + "'");
        }
        if (ms < 0 || ms > MAX_MILLIS) {
            throw new IllegalArgumentException(HEADER + " must be within 0.." + MAX_MILLIS + " ms; got " + ms);
        }
        return Duration.ofMillis(ms);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
