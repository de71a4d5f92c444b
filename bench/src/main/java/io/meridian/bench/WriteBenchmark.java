package io.meridian.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.client.MeridianClient;
import io.meridian.core.BasicCredentials;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import io.meridian.store.StoreEndpoint;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Open-loop write benchmark: puts through the Meridian client at fixed rates, and in the same run the
 * same rate of raw driver writes (LOCAL_QUORUM, same value size) to the same region's Cassandra as the
 * baseline. Latency is measured from each request's <em>intended</em> send time (no coordinated
 * omission) into HdrHistogram. Optionally searches the highest rate each sustains with p99 under a
 * limit. Prints progress to {@code progress} and returns the results as JSON.
 */
public final class WriteBenchmark {

    /** What to run. */
    public record Settings(List<Integer> rates, Duration duration, Duration warmup, boolean search, double p99LimitMs,
            int valueBytes, int maxInFlight, long seed, boolean floors) {
    }

    /** Where: a region's server and Cassandra, and the pids whose CPU to report. */
    public record Target(RegionId region, String serverUrl, String cassandraContactPoint, String dataCenter,
            Map<String, Long> pids, BasicCredentials operator, String kafkaBootstrap, List<StoreEndpoint> otherRegions) {
        StoreEndpoint store() {
            return new StoreEndpoint(region, cassandraContactPoint, dataCenter);
        }
    }

    interface Writer {
        CompletionStage<?> write(String id, Bytes value);
    }

    private WriteBenchmark() { }

    public static ObjectNode run(Target target, Settings s, PrintStream progress) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("benchmark", "write");
        root.put("region", target.region().name());
        root.put("valueBytes", s.valueBytes());
        root.put("durationSeconds", s.duration().toSeconds());
        root.put("warmupSeconds", s.warmup().toSeconds());
        root.put("seed", s.seed());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        progress.printf("write benchmark in %s, seed %d%n", target.region(), s.seed());

        MeridianClient client = MeridianClient.builder().homeRegion(target.region())
                .endpoint(target.region(), URI.create(target.serverUrl())).maxAttempts(1)
                .requestTimeout(Duration.ofSeconds(10)).operator(target.operator().user(), target.operator().secret()).build();
        client.createNamespace("bench");
        try (CqlSession session = target.store().connect()) {
            EngineFloors.createTable(session, target.dataCenter());
            PreparedStatement insert = EngineFloors.insert(session, "meridian_bench.kv");
            Writer raw = (id, value) -> EngineFloors.write(session, insert, id, value.unsafeArray(), System.currentTimeMillis() * 1000);
            Writer meridian = (id, value) -> client.putAsync("bench", id, Map.of(Bytes.utf8("v"), value));
            Random random = new Random(s.seed());
            EngineFloors floors = s.floors() ? new EngineFloors(target.kafkaBootstrap(), session, "meridian_bench.kv",
                    target.otherRegions()) : null;
            try {
                measure(root, s, target, progress, json, random, meridian, raw, floors);
            } finally {
                if (floors != null) {
                    floors.close();
                }
            }
        }
        return root;
    }

    private static void measure(ObjectNode root, Settings s, Target target, PrintStream progress, ObjectMapper json,
            Random random, Writer meridian, Writer raw, EngineFloors floors) {

            // JIT warm-up of every JVM on the path (servers, client, driver) before anything is recorded:
            // the numbers are steady-state ones, as for a service that has been running
        int warmRate = s.rates().stream().mapToInt(Integer::intValue).max().orElse(200);
        progress.printf("warming up %d s at %d/s (not recorded)%n", 2 * s.warmup().toSeconds() + 10, warmRate);
        Duration warm = s.warmup().multipliedBy(2).plusSeconds(10);
        Map<String, Writer> floorWriters = new java.util.LinkedHashMap<>();
        if (floors != null) {
            floorWriters.put("kafkaAppend", floors.kafkaAppend());
            floorWriters.put("logThenStore", floors.logThenStore());
            if (!target.otherRegions().isEmpty()) { // with one region there is nowhere to ship to
                floorWriters.put("shipped", floors.shipped());
            }
        }
        phase(meridian, warmRate, warm, s, random, null, null, null);
        phase(raw, warmRate, warm, s, random, null, null, null);
        // the floors' own code (producer, consumer) warms with the last one: it runs both
        if (floors != null) {
            phase(target.otherRegions().isEmpty() ? floors.logThenStore() : floors.shipped(), warmRate, warm, s, random, null, null, null);
        }

        ArrayNode fixed = root.putArray("fixedRates");
        for (int rate : s.rates()) {
            ObjectNode row = fixed.addObject();
            row.put("rate", rate);
            row.set("meridian", step("meridian", meridian, rate, s, random, target, progress, json));
            row.set("rawDriver", step("raw driver", raw, rate, s, random, target, progress, json));
            floorWriters.forEach((name, w) -> row.set(name, step(name, w, rate, s, random, target, progress, json)));
        }
        if (s.search()) {
            ObjectNode search = root.putObject("sustainable");
            search.put("p99LimitMs", s.p99LimitMs());
            search.set("meridian", searchMax("meridian", meridian, s, random, target, progress, json));
            search.set("rawDriver", searchMax("raw driver", raw, s, random, target, progress, json));
        }
    }

    private static ObjectNode searchMax(String name, Writer w, Settings s, Random random, Target target, PrintStream progress,
            ObjectMapper json) {
        int[] ladder = {100, 200, 300, 400, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10000};
        ObjectNode out = json.createObjectNode();
        ArrayNode steps = out.putArray("steps");
        int best = 0;
        for (int rate : ladder) {
            ObjectNode r = step(name, w, rate, s, random, target, progress, json);
            steps.add(r);
            boolean ok = r.path("p99Ms").asDouble() < s.p99LimitMs() && r.path("errors").asLong() == 0
                    && r.path("achievedRate").asDouble() >= 0.95 * rate;
            if (!ok) {
                break;
            }
            best = rate;
        }
        out.put("highestSustainableRate", best);
        return out;
    }

    private static ObjectNode step(String name, Writer w, int rate, Settings s, Random random, Target target,
            PrintStream progress, ObjectMapper json) {
        phase(w, rate, s.warmup(), s, random, null, null, null); // warm-up: same load, nothing recorded
        Recorder recorder = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        java.util.Set<String> errorSamples = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CpuMeter cpu = new CpuMeter(target.pids());
        cpu.start();
        long t0 = System.nanoTime();
        long sent = phase(w, rate, s.duration(), s, random, recorder, errors, errorSamples);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> usage = cpu.stop();
        Histogram h = recorder.getIntervalHistogram();
        ObjectNode r = json.createObjectNode();
        r.put("targetRate", rate);
        r.put("sent", sent);
        r.put("completed", h.getTotalCount());
        r.put("errors", errors.get());
        r.put("achievedRate", Math.round(10.0 * h.getTotalCount() / seconds) / 10.0);
        r.put("p50Ms", ms(h.getValueAtPercentile(50)));
        r.put("p99Ms", ms(h.getValueAtPercentile(99)));
        r.put("p999Ms", ms(h.getValueAtPercentile(99.9)));
        r.put("maxMs", ms(h.getMaxValue()));
        errorSamples.forEach(r.putArray("errorSamples")::add);
        ObjectNode c = r.putObject("cpu");
        usage.forEach(c::put);
        progress.printf("  %-10s %5d/s  p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  max %7.2f ms  errors %d  cpu %s%n", name, rate,
                r.path("p50Ms").asDouble(), r.path("p99Ms").asDouble(), r.path("p999Ms").asDouble(), r.path("maxMs").asDouble(),
                errors.get(), usage);
        return r;
    }

    private static double ms(long micros) {
        return OpenLoop.ms(micros);
    }

    /** Sends writes of random values to random ids at {@code rate}/s for {@code length}; returns how many were sent. */
    static long phase(Writer w, int rate, Duration length, Settings s, Random random, Recorder recorder,
            AtomicLong errors, java.util.Set<String> errorSamples) {
        return OpenLoop.run(rate, length, s.maxInFlight(), () -> {
            byte[] value = new byte[s.valueBytes()];
            random.nextBytes(value);
            return new OpenLoop.Send(w.write(Long.toHexString(random.nextLong()), Bytes.wrap(value)), recorder);
        }, recorder == null ? null : errors, errorSamples);
    }

    /** Runs the JMH micro-benchmarks of the codec and the clock; JSON results go to {@code resultFile}. */
    public static void micro(String resultFile) throws Exception {
        org.openjdk.jmh.Main.main(new String[] {"io.meridian.bench.(Codec|Clock|CacheHit)Benchmark", "-f", "1", "-wi", "3", "-w", "2s",
                "-i", "5", "-r", "2s", "-rf", "json", "-rff", resultFile});
    }

}
