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

    /** The HTTP header a write's token travels in (client and server). */
    public static final String HEADER = "Idempotency-Token";

    private static final SecureRandom RANDOM = new SecureRandom();

    public IdempotencyToken {
        if (generationMicros <= 0) {
            throw new IllegalArgumentException("idempotency token time must be positive");
        }
    }

    /**
     * Makes tokens whose times strictly increase, even when the clock steps back (NTP, a VM resumed): a client's
     * later write always gets a later timestamp than its earlier ones, so it never silently loses to them.
     * Thread-safe and lock-free.
     */
    public static final class Generator {
        private final Clock clock;
        private final java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();

        public Generator(Clock clock) {
            this.clock = java.util.Objects.requireNonNull(clock, "clock");
        }

        /** A token for a new logical write, later than every token this generator made before. */
        public IdempotencyToken next() {
            Instant now = clock.instant();
            long wall = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
            // timestamps keep only the bits above the slot bits: step by a whole timestamp unit
            long unit = HybridLogicalClock.SLOTS;
            // past what it saw (observe) with the clock behind, every client would take the very next unit, and two
            // clients refused by one version would stamp the same timestamp 1 time in 32 (its low bits are 5 of the
            // nonce's): a step of 1..16 units makes that 1 in 512, still after everything seen and at most 512 µs on
            long step = unit * (1 + java.util.concurrent.ThreadLocalRandom.current().nextInt(16));
            long micros = last.accumulateAndGet(wall, (prev, w) -> w >= prev + unit ? w : prev + step);
            return new IdempotencyToken(micros, RANDOM.nextLong());
        }

        /**
         * Makes every later token later than {@code timestampMicros} (a version this client has seen: a write it
         * made, an item it read, a failed condition's current version), so a client whose clock is behind still
         * writes after what it saw.
         */
        public void observe(long timestampMicros) {
            last.accumulateAndGet(timestampMicros, Math::max);
        }
    }

    /** A new token for a new logical write (not monotonic across calls: use a {@link Generator} per client). */
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
