package io.meridian.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HedgeDelayTest {

    @Test
    void theDelayIsThePercentileOfTheLastFullWindowAndNoneBeforeIt() {
        long seed = 42;
        Random random = new Random(seed);
        AtomicLong now = new AtomicLong();
        HedgeDelay d = new HedgeDelay(90, Duration.ofSeconds(10), now::get);
        for (int i = 0; i < 1000; i++) {
            d.record(TimeUnit.MILLISECONDS.toNanos(1 + random.nextInt(100))); // 1..100 ms, uniform
        }
        assertThat(d.delay()).as("no window has ended yet").isNull();
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        d.record(TimeUnit.MILLISECONDS.toNanos(50)); // ends the window
        assertThat(d.delay().toMillis()).as("p90 of 1..100 ms").isBetween(85L, 95L);
        for (int i = 0; i < 10; i++) {
            d.record(TimeUnit.MILLISECONDS.toNanos(2));
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        d.record(TimeUnit.MILLISECONDS.toNanos(2));
        assertThat(d.delay()).as("a window of 11 reads says too little: no hedge").isNull();
    }

    @Test
    void aDelayIsAtLeastOneMillisecondAndThePercentileIsChecked() {
        AtomicLong now = new AtomicLong();
        HedgeDelay d = new HedgeDelay(95, Duration.ofSeconds(1), now::get);
        for (int i = 0; i < 200; i++) {
            d.record(10_000); // 10 µs
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        d.record(10_000);
        assertThat(d.delay()).isEqualTo(Duration.ofMillis(1));
        assertThatThrownBy(() -> new HedgeDelay(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HedgeDelay(10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MeridianClient.builder().hedgeReadsAtPercentile(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
