package io.meridian.bench;

import io.meridian.core.HybridLogicalClock;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/** The hybrid logical clock, alone and contended by 2 threads (JMH). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ClockBenchmark {

    private final HybridLogicalClock clock = new HybridLogicalClock(Clock.systemUTC(), 1);

    @Benchmark
    public long now() {
        return clock.now();
    }

    @Benchmark
    @Threads(2)
    public long nowContended() {
        return clock.now();
    }
}
