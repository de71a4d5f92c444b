package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A client's tokens give strictly increasing write timestamps, whatever its clock does. */
class TokenGeneratorTest {

    static final class SteppingClock extends Clock {
        Instant now = Instant.parse("2026-11-30T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void timestampsIncreaseWhenTheClockStandsStillOrStepsBack() {
        SteppingClock clock = new SteppingClock();
        IdempotencyToken.Generator tokens = new IdempotencyToken.Generator(clock);
        long previous = HybridLogicalClock.timestampOf(tokens.next());
        for (int i = 0; i < 1_000; i++) {
            if (i == 500) {
                clock.now = clock.now.minusSeconds(3_600); // NTP steps the clock back an hour
            }
            long ts = HybridLogicalClock.timestampOf(tokens.next());
            assertThat(ts).as("token " + i).isGreaterThan(previous);
            previous = ts;
        }
    }

    @Test
    void aClockThatMovesOnIsFollowed() {
        SteppingClock clock = new SteppingClock();
        IdempotencyToken.Generator tokens = new IdempotencyToken.Generator(clock);
        tokens.next();
        clock.now = clock.now.plusSeconds(10);
        assertThat(tokens.next().generationMicros()).isEqualTo(clock.now.getEpochSecond() * 1_000_000L);
    }

    @Test
    void twoClientsPastOneVersionRarelyStampTheSameTimestamp() {
        // both refused by version V with their clocks behind it: before, both took V + 32 µs, so 1 pair in 32 shared a
        // timestamp (5 low bits of the nonce); with a step of 1..16 units, 1 in 512. 2,000 pairs: ~62 against ~4
        SteppingClock clock = new SteppingClock();
        long version = clock.now.getEpochSecond() * 1_000_000L + 5_000_000L; // 5 s ahead of both clients
        int same = 0;
        for (int i = 0; i < 2_000; i++) {
            IdempotencyToken.Generator a = new IdempotencyToken.Generator(clock);
            IdempotencyToken.Generator b = new IdempotencyToken.Generator(clock);
            a.observe(version);
            b.observe(version);
            long ta = HybridLogicalClock.timestampOf(a.next());
            long tb = HybridLogicalClock.timestampOf(b.next());
            assertThat(ta).isGreaterThan(version).isLessThanOrEqualTo(version + 16 * HybridLogicalClock.SLOTS + HybridLogicalClock.SLOTS);
            same += ta == tb ? 1 : 0;
        }
        assertThat(same).as("pairs of 2,000 with one timestamp").isLessThan(20);
    }
}
