package io.meridian.bench;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.client.MeridianClient;
import io.meridian.client.NamespaceSettings;
import io.meridian.client.OperatorClient;
import io.meridian.core.BasicCredentials;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import io.meridian.core.wire.CacheStatus;
import io.meridian.core.wire.NamespaceJson;
import io.meridian.store.StoreEndpoint;
import io.meridian.store.StoreSchema;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.commons.math3.distribution.ZipfDistribution;
import org.apache.commons.math3.random.Well19937c;

/**
 * A YCSB-B-like workload (95 % reads of whole records, 5 % single-item writes, Zipfian record choice)
 * at a fixed rate, open loop, through the client: once on a namespace with the cache on, once on one
 * with the cache off, and once as raw driver reads and writes of the same keys in the same Cassandra
 * (the baseline). The same seeded key sequence drives all three. Reports read and write latency
 * percentiles, the cache's hit ratio and Cassandra reads per client read (from the server's
 * {@code /v1/cache} counters, before and after), the server-side latency of a cached read (the
 * {@code meridian.cache.hit-read} timer) and the cache's size against the data's.
 *
 * <p>The records are loaded directly into the namespaces' tables with the driver (a fixture: faster
 * than 100k writes through the log, and the benchmark measures reads); they are therefore in this
 * region only.
 */
public final class CacheBenchmark {

    /** What to run. */
    public record Settings(int records, int valueBytes, int rate, Duration duration, Duration warmup, int warmupReads,
            double readFraction, double zipfExponent, int maxInFlight, long seed) {
    }

    /** Where. */
    public record Target(RegionId region, String serverUrl, String serverAdminUrl, String cassandraContactPoint,
            String dataCenter, Map<String, Long> pids, BasicCredentials operator) {
        StoreEndpoint store() {
            return new StoreEndpoint(region, cassandraContactPoint, dataCenter);
        }
    }

    static final String ON = "bench_cache_on";
    static final String OFF = "bench_cache_off";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private CacheBenchmark() { }

    /** Reads and writes of one mode, by key. */
    private interface Mode {
        CompletionStage<?> read(String id);

        CompletionStage<?> write(String id, byte[] value);
    }

    public static ObjectNode run(Target t, Settings s, PrintStream progress) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("benchmark", "cache");
        root.put("region", t.region().name());
        root.put("records", s.records());
        root.put("valueBytes", s.valueBytes());
        root.put("rate", s.rate());
        root.put("readFraction", s.readFraction());
        root.put("zipfExponent", s.zipfExponent());
        root.put("durationSeconds", s.duration().toSeconds());
        root.put("seed", s.seed());
        progress.printf("cache benchmark in %s: %d records, %d ops/s, seed %d%n", t.region(), s.records(), s.rate(), s.seed());
        try (MeridianClient client = MeridianClient.builder().homeRegion(t.region()).endpoint(t.region(), URI.create(t.serverUrl()))
                .maxAttempts(1).requestTimeout(Duration.ofSeconds(10)).operator(t.operator().user(), t.operator().secret()).build();
                CqlSession session = t.store().connect()) {
            client.createNamespace(new NamespaceSettings(ON, 0, true, 3600));
            client.createNamespace(new NamespaceSettings(OFF, 0, false, NamespaceJson.DEFAULT_CACHE_TTL_SECONDS));
            load(session, ON, s, progress);
            load(session, OFF, s, progress);
            Mode raw = rawDriver(session);
            progress.printf("warming up every path for %d s (not recorded)%n", 3 * s.warmup().toSeconds());
            phase(through(client, ON), s, s.warmup(), null, null, null, null);
            phase(through(client, OFF), s, s.warmup(), null, null, null, null);
            phase(raw, s, s.warmup(), null, null, null, null);
            fill(through(client, ON), s, progress);
            CacheStatus.Counters before = cacheCounters(t);
            ObjectNode on = measure("cache on", through(client, ON), s, t, progress);
            addCacheFigures(on, before, cacheCounters(t), s);
            on.set("serverCachedRead", serverHitTimer(t));
            root.set("cacheOn", on);
            root.set("cacheOff", measure("cache off", through(client, OFF), s, t, progress));
            root.set("rawDriver", measure("raw driver", raw, s, t, progress));
        }
        return root;
    }

    /** Reads and writes of namespace {@code ns} through the client. */
    private static Mode through(MeridianClient client, String ns) {
        return new Mode() {
            @Override
            public CompletionStage<?> read(String id) {
                return client.getAsync(ns, id);
            }

            @Override
            public CompletionStage<?> write(String id, byte[] value) {
                return client.putAsync(ns, id, Map.of(Bytes.utf8("v"), Bytes.wrap(value)));
            }
        };
    }

    /** The same reads and writes as the raw driver does them, at LOCAL_QUORUM, on the cache-off namespace's table. */
    private static Mode rawDriver(CqlSession session) {
        PreparedStatement select = session.prepare("SELECT key, value, writetime(value) AS wt, ttl(value) AS ttl FROM"
                + " " + StoreSchema.defaultNamespaceTable(OFF) + " WHERE id = ?");
        PreparedStatement insert = session.prepare("INSERT INTO " + StoreSchema.defaultNamespaceTable(OFF) + " (id, key, value) VALUES (?, ?, ?)"
                + " USING TIMESTAMP ?");
        ByteBuffer v = ByteBuffer.wrap("v".getBytes(StandardCharsets.UTF_8));
        return new Mode() {
            @Override
            public CompletionStage<?> read(String id) {
                return session.executeAsync(select.bind(id).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
            }

            @Override
            public CompletionStage<?> write(String id, byte[] value) {
                return session.executeAsync(insert.bind(id, v, ByteBuffer.wrap(value), System.currentTimeMillis() * 1000)
                        .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
            }
        };
    }

    /**
     * Steady state: fills the cache with the workload's own key distribution (a closed loop of reads, not measured),
     * as a service that has been serving this traffic for a while.
     */
    private static void fill(Mode cached, Settings s, PrintStream progress) throws InterruptedException {
        progress.printf("filling the cache with %d Zipfian reads (not recorded)%n", s.warmupReads());
        ZipfDistribution fill = new ZipfDistribution(new Well19937c(s.seed() + 1), s.records(), s.zipfExponent());
        Semaphore window = new Semaphore(16);
        for (int i = 0; i < s.warmupReads(); i++) {
            window.acquire();
            cached.read("r" + scramble(fill.sample() - 1, s.records())).whenComplete((r, e) -> window.release());
        }
        window.acquire(16);
        window.release(16);
    }

    /** The cache's side of the cache-on phase: hit ratio, Cassandra reads per client read, size against the data. */
    private static void addCacheFigures(ObjectNode on, CacheStatus.Counters before, CacheStatus.Counters after, Settings s) {
        long reads = on.path("reads").path("count").asLong();
        long hits = after.hits() + after.negativeHits() - before.hits() - before.negativeHits();
        long misses = after.misses() - before.misses();
        long cacheReads = after.reads() - before.reads();
        on.put("hitRatio", round4(cacheReads == 0 ? 0 : (double) hits / cacheReads));
        on.put("cassandraReadsPerClientRead", round4(reads == 0 ? 0 : (double) misses / reads));
        on.put("cacheEntries", after.entries());
        on.put("cacheWeightedBytes", after.weightedBytes());
        on.put("cacheMaxWeightBytes", after.maxWeightBytes());
        long dataWeight = (long) s.records() * (96 + 1 + s.valueBytes() + 48);
        on.put("dataWeightBytes", dataWeight);
        on.put("cacheToDataRatio", round4((double) after.maxWeightBytes() / dataWeight));
        on.put("evictions", after.evictions() - before.evictions());
    }

    private static double round4(double d) {
        return Math.round(d * 10_000) / 10_000.0;
    }

    /** Loads records {@code r0..r(N-1)} (one item {@code v}) unless the last one is there already. */
    private static void load(CqlSession session, String ns, Settings s, PrintStream progress) throws InterruptedException {
        String table = StoreSchema.defaultNamespaceTable(ns);
        if (session.execute("SELECT id FROM " + table + " WHERE id = 'r" + (s.records() - 1) + "'").one() != null) {
            progress.printf("%s: %d records already loaded%n", ns, s.records());
            return;
        }
        PreparedStatement insert = session.prepare("INSERT INTO " + table + " (id, key, value) VALUES (?, ?, ?) USING TIMESTAMP ?");
        Semaphore inFlight = new Semaphore(128);
        Random random = new Random(s.seed());
        ByteBuffer key = ByteBuffer.wrap("v".getBytes(StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        for (int i = 0; i < s.records(); i++) {
            byte[] value = new byte[s.valueBytes()];
            random.nextBytes(value);
            inFlight.acquire();
            session.executeAsync(insert.bind("r" + i, key, ByteBuffer.wrap(value), System.currentTimeMillis() * 1000)
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).whenComplete((r, e) -> inFlight.release());
        }
        inFlight.acquire(128);
        inFlight.release(128);
        progress.printf("%s: loaded %d records in %.1f s%n", ns, s.records(), (System.nanoTime() - t0) / 1e9);
    }

    private static ObjectNode measure(String name, Mode mode, Settings s, Target t, PrintStream progress) {
        Recorder reads = new Recorder(3);
        Recorder writes = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        Set<String> samples = ConcurrentHashMap.newKeySet();
        CpuMeter cpu = new CpuMeter(t.pids());
        cpu.start();
        phase(mode, s, s.duration(), reads, writes, errors, samples);
        Map<String, Double> usage = cpu.stop();
        ObjectNode r = JSON.createObjectNode();
        Histogram rh = reads.getIntervalHistogram();
        Histogram wh = writes.getIntervalHistogram();
        r.set("reads", percentiles(rh));
        r.set("writes", percentiles(wh));
        r.put("errors", errors.get());
        samples.forEach(r.putArray("errorSamples")::add);
        ObjectNode c = r.putObject("cpu");
        usage.forEach(c::put);
        progress.printf("  %-10s reads p50 %6.2f ms p99 %6.2f ms p99.9 %6.2f ms | writes p50 %6.2f ms p99 %6.2f ms | errors %d%n",
                name, OpenLoop.ms(rh.getValueAtPercentile(50)), OpenLoop.ms(rh.getValueAtPercentile(99)),
                OpenLoop.ms(rh.getValueAtPercentile(99.9)), OpenLoop.ms(wh.getValueAtPercentile(50)),
                OpenLoop.ms(wh.getValueAtPercentile(99)), errors.get());
        return r;
    }

    private static ObjectNode percentiles(Histogram h) {
        ObjectNode n = JSON.createObjectNode();
        n.put("count", h.getTotalCount());
        n.put("p50Ms", OpenLoop.ms(h.getValueAtPercentile(50)));
        n.put("p99Ms", OpenLoop.ms(h.getValueAtPercentile(99)));
        n.put("p999Ms", OpenLoop.ms(h.getValueAtPercentile(99.9)));
        n.put("maxMs", OpenLoop.ms(h.getMaxValue()));
        return n;
    }

    /** One phase: the seeded Zipfian key sequence (the same for every mode), reads and writes mixed. */
    private static void phase(Mode mode, Settings s, Duration length, Recorder reads, Recorder writes, AtomicLong errors,
            Set<String> samples) {
        ZipfDistribution zipf = new ZipfDistribution(new Well19937c(s.seed()), s.records(), s.zipfExponent());
        Random random = new Random(s.seed());
        IntFunction<String> id = rank -> "r" + scramble(rank - 1, s.records());
        OpenLoop.run(s.rate(), length, s.maxInFlight(), () -> {
            String record = id.apply(zipf.sample());
            if (random.nextDouble() < s.readFraction()) {
                return new OpenLoop.Send(mode.read(record), reads);
            }
            byte[] value = new byte[s.valueBytes()];
            random.nextBytes(value);
            return new OpenLoop.Send(mode.write(record, value), writes);
        }, errors, samples);
    }

    /** Spreads the popular ranks over the key space (as YCSB's scrambled Zipfian does). */
    static long scramble(long rank, int records) {
        long h = rank * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return Math.floorMod(h, records);
    }

    private static CacheStatus.Counters cacheCounters(Target t) {
        return OperatorClient.create(t.operator(), Duration.ofSeconds(10)).at(t.serverUrl()).cache().namespaces()
                .getOrDefault(ON, CacheStatus.Counters.ZERO);
    }

    /** The server's own latency of reads answered from the cache (Dropwizard timer, recent-biased reservoir). */
    private static ObjectNode serverHitTimer(Target t) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(t.serverAdminUrl() + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode timer = JSON.readTree(r.body()).path("timers").path("meridian.cache.hit-read");
        double toMs = switch (timer.path("duration_units").asText("seconds")) {
            case "milliseconds" -> 1;
            case "microseconds" -> 0.001;
            case "nanoseconds" -> 0.000001;
            default -> 1000;
        };
        ObjectNode n = JSON.createObjectNode();
        n.put("count", timer.path("count").asLong());
        n.put("p50Ms", round4(timer.path("p50").asDouble() * toMs));
        n.put("p99Ms", round4(timer.path("p99").asDouble() * toMs));
        n.put("p999Ms", round4(timer.path("p999").asDouble() * toMs));
        return n;
    }
}
