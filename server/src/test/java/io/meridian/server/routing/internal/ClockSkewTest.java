package io.meridian.server.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Clock skew from the observers' probes: the median of the regions, shrunk by the best sample's error. */
class ClockSkewTest {

    static final long NOW = Instant.parse("2026-11-30T12:00:00Z").toEpochMilli();

    static HealthObservers observers() {
        return new HealthObservers(new HealthObservers.Scope(RegionId.of("region-a"), List.of(RegionId.of("region-a"), RegionId.of("region-b"),
                RegionId.of("region-c")), Map.of()), () -> null, "Basic x", Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
    }

    static String body(long clock) {
        return "{\"healthy\":true,\"level\":\"HEALTHY\",\"clockMillis\":" + clock + ",\"planVersion\":3}";
    }

    @Test
    void aServerAheadOfBothOthersIsSkewedAndTheOthersAreNot() {
        HealthObservers ahead = observers(); // region-a is 2 s ahead: b and c read 2 s behind it
        ahead.noteClock(RegionId.of("region-b"), body(NOW - 2_000), NOW - 10, NOW);
        ahead.noteClock(RegionId.of("region-c"), body(NOW - 2_000), NOW - 10, NOW);
        assertThat(ahead.clockSkewMillis()).isBetween(1_980L, 2_000L);
        HealthObservers fine = observers(); // region-b's view: a is 2 s ahead, c agrees with b
        fine.noteClock(RegionId.of("region-b"), body(NOW + 2_000), NOW - 10, NOW);
        fine.noteClock(RegionId.of("region-c"), body(NOW - 5), NOW - 10, NOW);
        assertThat(fine.clockSkewMillis()).isZero();
    }

    @Test
    void slowAnswersNeverMakeAGoodClockLookSkewedAndTheFastestSampleWins() {
        HealthObservers o = observers();
        // answers that took 1.8 s: the offset is known only to within 0.9 s
        o.noteClock(RegionId.of("region-b"), body(NOW - 800), NOW - 1_800, NOW);
        o.noteClock(RegionId.of("region-c"), body(NOW - 800), NOW - 1_800, NOW);
        assertThat(o.clockSkewMillis()).as("within the error").isZero();
        // one fast sample each settles it
        o.noteClock(RegionId.of("region-b"), body(NOW - 900), NOW - 4, NOW);
        o.noteClock(RegionId.of("region-c"), body(NOW - 900), NOW - 4, NOW);
        assertThat(o.clockSkewMillis()).isBetween(895L, 900L);
    }

    @Test
    void withOneOtherRegionNeitherIsBlamed() {
        HealthObservers o = observers();
        o.noteClock(RegionId.of("region-b"), body(NOW + 3_000), NOW - 10, NOW);
        assertThat(o.clockSkewMillis()).isZero();
    }
}
