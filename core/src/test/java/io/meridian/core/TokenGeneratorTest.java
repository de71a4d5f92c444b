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
}
