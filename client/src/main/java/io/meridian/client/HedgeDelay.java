package io.meridian.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The hedge delay of {@link MeridianClient.Builder#hedgeReadsAtPercentile}: a percentile of this client's recent read
 * attempt latencies. Latencies are recorded per window ({@value #WINDOW_SECONDS} s); when a window ends with at least
 * {@value #MIN_SAMPLES} reads, its percentile becomes the delay for the next window. Until then (and after a window
 * with fewer reads) no read is hedged: a delay guessed from too few reads would hedge too many. Thread-safe.
 */
final class HedgeDelay {

    static final int WINDOW_SECONDS = 10;
    static final int MIN_SAMPLES = 100;
    private static final long MIN_DELAY_NANOS = 1_000_000; // 1 ms: below it a hedge is a second read of every read

    private final double percentile;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final Recorder recorder = new Recorder(2);
    private final AtomicLong windowStart;
    private volatile long delayNanos = -1;
    private Histogram recycled;

    HedgeDelay(double percentile) {
        this(percentile, Duration.ofSeconds(WINDOW_SECONDS), System::nanoTime);
    }

    HedgeDelay(double percentile, Duration window, LongSupplier nanoTime) {
        if (!(percentile >= 50 && percentile < 100)) {
            throw new IllegalArgumentException("hedge percentile must be within 50 and 100 (exclusive), e.g. 95: " + percentile);
        }
        this.percentile = percentile;
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
        this.windowStart = new AtomicLong(nanoTime.getAsLong());
    }

    /** A read attempt answered (2xx or 404) after {@code latencyNanos}. */
    void record(long latencyNanos) {
        recorder.recordValue(Math.max(1, latencyNanos));
        long start = windowStart.get();
        long now = nanoTime.getAsLong();
        if (now - start >= windowNanos && windowStart.compareAndSet(start, now)) {
            rotate();
        }
    }

    private synchronized void rotate() {
        Histogram h = recorder.getIntervalHistogram(recycled);
        delayNanos = h.getTotalCount() >= MIN_SAMPLES ? Math.max(MIN_DELAY_NANOS, h.getValueAtPercentile(percentile)) : -1;
        recycled = h;
    }

    /** The delay to hedge after, or null while not known (no hedge). */
    Duration delay() {
        long d = delayNanos;
        return d < 0 ? null : Duration.ofNanos(d);
    }
}
