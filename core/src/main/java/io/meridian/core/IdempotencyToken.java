package io.meridian.core;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Identifies one logical write across retries and hedges: its generation time (µs since the epoch)
 * and a random 64-bit nonce. The write's timestamp is derived from it
 * ({@link HybridLogicalClock#timestampOf}), so however often and wherever it is retried, the write
 * creates one version. Text form: {@code <generationMicros>-<16 hex digits>}. Immutable.
 *
 * @param generationMicros when the client generated the token
 * @param nonce random, distinguishes writes generated in the same microsecond
 */
public record IdempotencyToken(long generationMicros, long nonce) {

    private static final SecureRandom RANDOM = new SecureRandom();

    public IdempotencyToken {
        if (generationMicros <= 0) {
            throw new IllegalArgumentException("idempotency token time must be positive");
        }
    }

    /** A new token for a new logical write. */
    public static IdempotencyToken generate(Clock clock) {
        Instant now = clock.instant();
        return new IdempotencyToken(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000, RANDOM.nextLong());
    }

    /**
     * Parses the text form.
     *
     * @throws IllegalArgumentException naming the expected form
     */
    public static IdempotencyToken parse(String text) {
        int dash = text == null ? -1 : text.indexOf('-');
        if (dash <= 0 || text.length() - dash - 1 != 16) {
            throw new IllegalArgumentException("malformed idempotency token '" + text
                    + "': expected <generation time in µs>-<16 hex digits>");
        }
        try {
            long micros = Long.parseLong(text.substring(0, dash));
            long nonce = HexFormat.fromHexDigitsToLong(text.substring(dash + 1));
            if (!text.substring(dash + 1).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new NumberFormatException();
            }
            return new IdempotencyToken(micros, nonce);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed idempotency token '" + text
                    + "': expected <generation time in µs>-<16 hex digits>");
        }
    }

    @Override
    public String toString() {
        return generationMicros + "-" + HexFormat.of().toHexDigits(nonce);
    }
}
