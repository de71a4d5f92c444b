package io.meridian.bench;

import io.meridian.core.Bytes;
import io.meridian.core.Mutation;
import io.meridian.core.MutationCodec;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Encode and decode of a mutation with one put of a {@code valueBytes} value (JMH). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {

    @Param({"100", "10000"})
    public int valueBytes;

    private Mutation mutation;
    private byte[] encoded;

    @Setup
    public void setUp() {
        mutation = new Mutation("profiles", "user-42", List.of(new Operation.Put(Bytes.utf8("name"),
                Bytes.of(new byte[valueBytes]))), 1_790_000_000_000_032L, RegionId.of("region-a"), 42, 1);
        encoded = MutationCodec.encode(mutation);
    }

    @Benchmark
    public byte[] encode() {
        return MutationCodec.encode(mutation);
    }

    @Benchmark
    public Object decode() {
        return MutationCodec.decode(encoded);
    }
}
