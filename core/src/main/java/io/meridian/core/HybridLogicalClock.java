package io.meridian.core;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hybrid logical clock producing write timestamps in microseconds since the epoch.
 *
 * <p>Layout: the low {@value #SLOT_BITS} bits hold the <em>region slot</em> (0..31, one per region),
 * the rest is time in units of 32 µs. {@link #now()} returns
 * {@code max(wall clock, last + 32 µs)} with the slot in the low bits, so the timestamps of one clock
 * strictly increase even when the wall clock steps back, and two regions (different slots) can never
 * produce the same timestamp. {@link #observe(long)} moves the clock past a timestamp seen elsewhere
 * (a remote mutation, a client token), so causally later writes get later timestamps.
 *
 * <p>Thread-safe and lock-free.
 */
public final class HybridLogicalClock {

    /** Bits of the region slot at the bottom of every timestamp. */
    public static final int SLOT_BITS = 5;
    /** Number of distinct region slots. */
    public static final int SLOTS = 1 << SLOT_BITS;
    private static final long SLOT_MASK = SLOTS - 1;
    private static final long TICK = SLOTS;

    private final Clock wall;
    private final int slot;
    private final AtomicLong last = new AtomicLong();

    /**
     * @param wall the wall clock (inject a fixed or stepping clock in tests)
     * @param slot this region's slot, 0..31, distinct per region
     */
    public HybridLogicalClock(Clock wall, int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("region slot " + slot + " outside 0.." + (SLOTS - 1));
        }
        this.wall = wall;
        this.slot = slot;
    }

    /** The next timestamp: later than every timestamp this clock returned or observed. */
    public long now() {
        long wallMicros = wallMicros();
        while (true) {
            long prev = last.get();
            long candidate = (wallMicros & ~SLOT_MASK) | slot;
            if (candidate <= prev) {
                candidate = ((prev & ~SLOT_MASK) + TICK) | slot;
            }
            if (last.compareAndSet(prev, candidate)) {
                return candidate;
            }
        }
    }

    /** Moves the clock so that the next {@link #now()} is later than {@code timestampMicros}. */
    public void observe(long timestampMicros) {
        last.accumulateAndGet(timestampMicros, Math::max);
    }

    /**
     * Observes {@code timestampMicros} only if it is at most {@code maxAheadMicros} ahead of this clock's wall
     * time: a peer whose clock runs far ahead must not drag this clock along (its own writes are already
     * judged by the skew checks). Returns whether it was observed.
     */
    public boolean observeWithin(long timestampMicros, long maxAheadMicros) {
        if (timestampMicros - wallMicros() > maxAheadMicros) {
            return false;
        }
        observe(timestampMicros);
        return true;
    }

    /** The wall clock in microseconds. */
    public long wallMicros() {
        Instant i = wall.instant();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    public int slot() {
        return slot;
    }

    /** The region slot encoded in a timestamp this kind of clock produced. */
    public static int slotOf(long timestampMicros) {
        return (int) (timestampMicros & SLOT_MASK);
    }

    /**
     * The timestamp of a write identified by a client's idempotency token: the token's generation time
     * with the low bits taken from its nonce. It does not depend on which region receives the write, so a
     * retry sent anywhere produces the very same cells.
     */
    public static long timestampOf(IdempotencyToken token) {
        return (token.generationMicros() & ~SLOT_MASK) | (token.nonce() & SLOT_MASK);
    }
}
