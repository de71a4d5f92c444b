package io.meridian.bench;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.HdrHistogram.Recorder;

/**
 * The one load generator of the benchmarks and the drills: operations are issued at fixed intended times
 * ({@code rate}/s) whatever the system does, and latency is measured from the intended time, so a stall
 * shows up in every operation it delays (no coordinated omission). In-flight operations are bounded; at the
 * bound, sends wait, and their latency still counts from the intended time. With a bound of one, each
 * operation starts after the previous one completed (a drill's client whose history must be sequential).
 */
public final class OpenLoop {

    /** One issued operation and where its latency goes (null: not recorded, e.g. warm-up). */
    public record Send(CompletionStage<?> stage, Recorder into) {
    }

    private OpenLoop() { }

    /**
     * Issues {@code next.get()} at {@code rate}/s for {@code length}, then waits for all to complete.
     * Errors (a throwing {@code next}, a failed stage) are counted into {@code errors} when not null, with up
     * to five distinct samples. Returns how many were issued.
     */
    static long run(int rate, Duration length, int maxInFlight, Supplier<Send> next, AtomicLong errors,
            Set<String> errorSamples) {
        return run(List.of(new Segment(rate, length)), maxInFlight, intended -> next.get(), errors, errorSamples);
    }

    /** A stretch of fixed-rate load. */
    public record Segment(int rate, Duration length) {
    }

    /**
     * Issues {@code next} at each segment's rate for its length, one segment straight after the other (the rate changes
     * at the boundary, nothing drains in between: what the first left behind shows in the second), then waits for all
     * to complete. Returns how many were issued.
     */
    static long run(List<Segment> segments, int maxInFlight, LongFunction<Send> next, AtomicLong errors,
            Set<String> errorSamples) {
        Semaphore inFlight = new Semaphore(maxInFlight);
        long from = System.nanoTime();
        long issued = 0;
        for (Segment segment : segments) {
            long period = 1_000_000_000L / segment.rate();
            long end = from + segment.length().toNanos();
            for (long intended = from; intended < end; intended += period) {
                issue(intended, inFlight, next, errors, errorSamples);
                issued++;
            }
            from = end;
        }
        drain(inFlight, maxInFlight);
        return issued;
    }

    /**
     * Issues {@code next} (given the intended send time, nanoTime) at {@code rate}/s until {@code stop} is true, then
     * waits for all to complete. Errors of {@code next} or its stage are counted into {@code errors} when not null.
     * Returns how many were issued.
     */
    public static long until(BooleanSupplier stop, int rate, int maxInFlight, LongFunction<Send> next, AtomicLong errors) {
        Semaphore inFlight = new Semaphore(maxInFlight);
        long period = 1_000_000_000L / rate;
        long issued = 0;
        for (long intended = System.nanoTime(); !stop.getAsBoolean(); intended += period) {
            issue(intended, inFlight, next, errors, null);
            issued++;
        }
        drain(inFlight, maxInFlight);
        return issued;
    }

    /** Waits for the intended time and a free slot, then issues one operation. */
    private static void issue(long intended, Semaphore inFlight, LongFunction<Send> next, AtomicLong errors, Set<String> errorSamples) {
        long wait;
        while ((wait = intended - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
        inFlight.acquireUninterruptibly();
        Send send;
        try {
            send = next.apply(intended);
        } catch (RuntimeException e) {
            inFlight.release();
            error(errors, errorSamples, e);
            return;
        }
        send.stage().whenComplete((ok, err) -> {
            long micros = (System.nanoTime() - intended) / 1000;
            if (err != null) {
                if (send.into() != null) {
                    error(errors, errorSamples, err.getCause() != null ? err.getCause() : err);
                }
            } else if (send.into() != null) {
                send.into().recordValue(Math.max(1, micros));
            }
            inFlight.release();
        });
    }

    private static void drain(Semaphore inFlight, int maxInFlight) {
        inFlight.acquireUninterruptibly(maxInFlight);
        inFlight.release(maxInFlight);
    }

    private static void error(AtomicLong errors, Set<String> samples, Throwable e) {
        if (errors != null) {
            errors.incrementAndGet();
        }
        if (samples != null && samples.size() < 5) {
            samples.add(String.valueOf(e));
        }
    }

    static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
