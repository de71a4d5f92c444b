package io.meridian.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.client.MeridianClient;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replication lag under load: open-loop puts at a fixed rate into one region (or into every region at
 * once), then, per region pair, the distribution of the delay from each mutation's timestamp to its
 * apply in the other region, as recorded by that region's appliers (HdrHistogram, reset at the start of
 * each scenario). The timestamp is taken before the origin's Kafka append, so the figure is an upper
 * bound of acknowledged→applied. Prints progress; returns JSON.
 */
public final class ReplicationBenchmark {

    /** One region: its name and server. */
    public record Region(RegionId name, String serverUrl) {
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static volatile String auth = "";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReplicationBenchmark() { }

    public static ObjectNode run(List<Region> regions, List<Integer> rates, Duration duration, boolean alsoAllRegions, long seed,
            Map<String, Long> pids, Operator operator, PrintStream progress) throws Exception {
        auth = operator.basic();
        ObjectNode root = JSON.createObjectNode();
        root.put("benchmark", "replication");
        root.put("durationSeconds", duration.toSeconds());
        root.put("seed", seed);
        root.put("regions", regions.size());
        Random random = new Random(seed);
        Map<RegionId, MeridianClient> clients = new LinkedHashMap<>();
        for (Region r : regions) {
            clients.put(r.name(), MeridianClient.builder().homeRegion(r.name()).endpoint(r.name(), URI.create(r.serverUrl()))
                    .operator(operator.user(), operator.password())
                    .maxAttempts(1).build());
        }
        try (MeridianClient admin = MeridianClient.builder().homeRegion(regions.get(0).name())
                .endpoint(regions.get(0).name(), URI.create(regions.get(0).serverUrl())).followRoutingPlan(Duration.ZERO)
                .operator(operator.user(), operator.password()).build()) {
            admin.createNamespace("bench_replication");
        }
        WriteBenchmark.Settings settings = new WriteBenchmark.Settings(rates, duration, Duration.ZERO, false, 0, 100, 4096, seed);
        // warm the path (appliers, servers) before measuring
        progress.println("warming up 15 s at 100/s into " + regions.get(0).name());
        WriteBenchmark.phase(writer(clients.get(regions.get(0).name())), 100, Duration.ofSeconds(15), settings, random, null, null, null);
        awaitCaughtUp(regions);
        ArrayNode scenarios = root.putArray("scenarios");
        for (int rate : rates) {
            scenarios.add(scenario(regions.subList(0, 1), regions, clients, rate, settings, random, pids, progress));
        }
        if (alsoAllRegions) {
            for (int rate : rates) {
                scenarios.add(scenario(regions, regions, clients, rate, settings, random, pids, progress));
            }
        }
        return root;
    }

    private static WriteBenchmark.Writer writer(MeridianClient c) {
        return (id, value) -> c.putAsync("bench_replication", id, Map.of(Bytes.utf8("v"), value));
    }

    private static ObjectNode scenario(List<Region> writers, List<Region> all, Map<RegionId, MeridianClient> clients, int rate,
            WriteBenchmark.Settings s, Random random, Map<String, Long> pids, PrintStream progress) throws Exception {
        for (Region r : all) {
            post(r.serverUrl() + "/v1/replication/delays"); // start a new interval
        }
        CpuMeter cpu = new CpuMeter(pids);
        cpu.start();
        List<Thread> threads = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        for (Region w : writers) {
            Random own = new Random(random.nextLong());
            Thread t = new Thread(() -> {
                AtomicLong e = new AtomicLong();
                WriteBenchmark.phase(writer(clients.get(w.name())), rate, s.duration(), s, own, new org.HdrHistogram.Recorder(3), e,
                        java.util.concurrent.ConcurrentHashMap.newKeySet());
                errors.addAndGet(e.get());
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        awaitCaughtUp(all);
        Map<String, Double> usage = cpu.stop();
        ObjectNode out = JSON.createObjectNode();
        out.put("ratePerWritingRegion", rate);
        out.put("writingRegions", writers.size());
        out.put("writeErrors", errors.get());
        ArrayNode pairs = out.putArray("pairs");
        for (Region target : all) {
            JsonNode delays = JSON.readTree(post(target.serverUrl() + "/v1/replication/delays"));
            for (JsonNode d : delays) {
                String source = d.path("source").asText();
                boolean wrote = writers.stream().anyMatch(w -> w.name().name().equals(source));
                if (source.equals(target.name().name()) || !wrote) {
                    continue;
                }
                ObjectNode p = pairs.addObject();
                p.put("from", source);
                p.put("to", target.name().name());
                p.put("applied", d.path("count").asLong());
                p.put("p50Ms", d.path("p50").asLong() / 1000.0);
                p.put("p99Ms", d.path("p99").asLong() / 1000.0);
                p.put("p999Ms", d.path("p999").asLong() / 1000.0);
                p.put("maxMs", d.path("max").asLong() / 1000.0);
                progress.printf("  %d/s into %d region(s): %s -> %s  applied %d  p50 %.1f ms  p99 %.1f ms  p99.9 %.1f ms  max %.1f ms%n",
                        rate, writers.size(), source, target.name(), d.path("count").asLong(), d.path("p50").asLong() / 1000.0,
                        d.path("p99").asLong() / 1000.0, d.path("p999").asLong() / 1000.0, d.path("max").asLong() / 1000.0);
            }
        }
        ObjectNode c = out.putObject("cpu");
        usage.forEach(c::put);
        progress.printf("  cpu %s, write errors %d%n", usage, errors.get());
        return out;
    }

    private static void awaitCaughtUp(List<Region> regions) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (Region r : regions) {
                JsonNode st = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(r.serverUrl() + "/v1/replication")).header("Authorization", auth).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode s : st.path("sources")) {
                    all &= s.path("caughtUp").asBoolean(false);
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(200); // polling a remote status, not a test
        }
        throw new IllegalStateException("replication did not catch up within 120 s");
    }

    private static String post(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
