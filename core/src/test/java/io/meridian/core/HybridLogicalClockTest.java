package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HybridLogicalClockTest {

    /** A wall clock the test moves by hand. */
    static final class FakeClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T10:00:00Z"));

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advanceMicros(long micros) {
            now.updateAndGet(i -> i.plusNanos(micros * 1000));
        }
    }

    @Test
    void followsTheWallClockWithTheRegionSlotInTheLowBits() {
        FakeClock wall = new FakeClock();
        HybridLogicalClock hlc = new HybridLogicalClock(wall, 3);
        long t = hlc.now();
        assertThat(HybridLogicalClock.slotOf(t)).isEqualTo(3);
        assertThat(t).isBetween(hlc.wallMicros() - HybridLogicalClock.SLOTS, hlc.wallMicros() + HybridLogicalClock.SLOTS);
        wall.advanceMicros(1_000_000);
        long later = hlc.now();
        assertThat(later - t).isBetween(1_000_000L - 32, 1_000_000L + 32);
    }

    @Test
    void staysMonotonicWhenTheWallClockStepsBackOrStandsStill() {
        FakeClock wall = new FakeClock();
        HybridLogicalClock hlc = new HybridLogicalClock(wall, 1);
        long prev = hlc.now();
        for (int i = 0; i < 1000; i++) {
            if (i % 100 == 0) {
                wall.advanceMicros(-5_000_000); // NTP steps the clock back 5 s
            }
            long t = hlc.now();
            assertThat(t).isGreaterThan(prev);
            assertThat(HybridLogicalClock.slotOf(t)).isEqualTo(1);
            prev = t;
        }
    }

    @Test
    void observingARemoteTimestampOrdersLaterWritesAfterIt() {
        FakeClock wall = new FakeClock();
        HybridLogicalClock slow = new HybridLogicalClock(wall, 0);
        long remote = slow.wallMicros() + 10_000_000; // a region whose clock is 10 s ahead
        slow.observe(remote);
        long t = slow.now();
        assertThat(t).isGreaterThan(remote);
        assertThat(HybridLogicalClock.slotOf(t)).isZero();
    }

    @Test
    void twoRegionsNeverProduceTheSameTimestamp() {
        FakeClock wall = new FakeClock(); // same wall clock, so same microseconds
        HybridLogicalClock a = new HybridLogicalClock(wall, 0);
        HybridLogicalClock b = new HybridLogicalClock(wall, 1);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertThat(seen.add(a.now())).isTrue();
            assertThat(seen.add(b.now())).isTrue();
            if (i % 7 == 0) {
                wall.advanceMicros(3);
            }
        }
    }

    @Test
    void concurrentCallersGetDistinctIncreasingTimestamps() throws Exception {
        HybridLogicalClock hlc = new HybridLogicalClock(Clock.systemUTC(), 2);
        Set<Long> all = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long prev = 0;
                for (int i = 0; i < 20_000; i++) {
                    long ts = hlc.now();
                    if (ts <= prev) {
                        throw new AssertionError("not increasing within a thread");
                    }
                    prev = ts;
                    all.add(ts);
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(all).hasSize(80_000);
    }

    @Test
    void tokenTimestampsDoNotDependOnTheRegion() {
        IdempotencyToken token = new IdempotencyToken(1_790_000_000_000_123L, 0x1234_5678_9abc_def7L);
        long ts = HybridLogicalClock.timestampOf(token);
        assertThat(ts).isEqualTo(HybridLogicalClock.timestampOf(IdempotencyToken.parse(token.toString())));
        assertThat(Math.abs(ts - token.generationMicros())).isLessThan(HybridLogicalClock.SLOTS);
        assertThat(HybridLogicalClock.slotOf(ts)).isEqualTo(0x17);
    }

    @Test
    void slotOutsideTheRangeIsRefused() {
        assertThatThrownBy(() -> new HybridLogicalClock(Clock.systemUTC(), 32)).hasMessageContaining("0..31");
    }
}
