package io.meridian.bench;

import io.meridian.cache.RecordCache;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/** A cache-tier hit on one thread: {@link RecordCache#get} of a key that is cached (10k records cached). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CacheHitBenchmark {

    private static final int KEYS = 10_000;
    private static final Duration TTL = Duration.ofHours(1);
    private static final Function<String, Optional<List<byte[]>>> NEVER = k -> {
        throw new IllegalStateException("a hit must not load");
    };

    private RecordCache<String, List<byte[]>> cache;
    private String[] keys;
    private int i;

    @Setup
    public void fill() {
        cache = RecordCache.<List<byte[]>>builder(v -> 100).build();
        keys = new String[KEYS];
        for (int k = 0; k < KEYS; k++) {
            keys[k] = "r" + k;
            cache.get(keys[k], TTL, key -> Optional.of(List.of(new byte[100])));
        }
    }

    @Benchmark
    @Threads(1)
    public Optional<List<byte[]>> hit() {
        i = (i + 1) % KEYS;
        return cache.get(keys[i], TTL, NEVER);
    }
}
