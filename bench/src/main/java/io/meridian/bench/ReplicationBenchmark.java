package io.meridian.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.client.MeridianClient;
import io.meridian.client.OperatorClient;
import io.meridian.core.BasicCredentials;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import io.meridian.core.wire.ReplicationDelays;
import io.meridian.core.wire.ReplicationStatus;
import java.io.PrintStream;
import java.net.URI;
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

    private static volatile OperatorClient ops;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReplicationBenchmark() { }

    public static ObjectNode run(List<Region> regions, List<Integer> rates, Duration duration, boolean alsoAllRegions, long seed,
            Map<String, Long> pids, BasicCredentials operator, PrintStream progress) throws Exception {
        ops = OperatorClient.create(operator, Duration.ofSeconds(30));
        ObjectNode root = JSON.createObjectNode();
        root.put("benchmark", "replication");
        root.put("durationSeconds", duration.toSeconds());
        root.put("seed", seed);
        root.put("regions", regions.size());
        Random random = new Random(seed);
        Map<RegionId, MeridianClient> clients = new LinkedHashMap<>();
        for (Region r : regions) {
            clients.put(r.name(), MeridianClient.builder().homeRegion(r.name()).endpoint(r.name(), URI.create(r.serverUrl()))
                    .operator(operator.user(), operator.secret())
                    .maxAttempts(1).build());
        }
        try (MeridianClient admin = MeridianClient.builder().homeRegion(regions.get(0).name())
                .endpoint(regions.get(0).name(), URI.create(regions.get(0).serverUrl())).followRoutingPlan(Duration.ZERO)
                .operator(operator.user(), operator.secret()).build()) {
            admin.createNamespace("bench_replication");
        }
        WriteBenchmark.Settings settings = new WriteBenchmark.Settings(rates, duration, Duration.ZERO, false, 0, 100, 4096, seed, false);
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
            ops.at(r.serverUrl()).takeDelays(); // start a new interval
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
            for (ReplicationDelays d : ops.at(target.serverUrl()).takeDelays()) {
                RegionId source = d.source();
                boolean wrote = writers.stream().anyMatch(w -> w.name().equals(source));
                if (source.equals(target.name()) || !wrote) {
                    continue;
                }
                ObjectNode p = pairs.addObject();
                p.put("from", source.name());
                p.put("to", target.name().name());
                p.put("applied", d.count());
                p.put("p50Ms", d.p50() / 1000.0);
                p.put("p99Ms", d.p99() / 1000.0);
                p.put("p999Ms", d.p999() / 1000.0);
                p.put("maxMs", d.max() / 1000.0);
                progress.printf("  %d/s into %d region(s): %s -> %s  applied %d  p50 %.1f ms  p99 %.1f ms  p99.9 %.1f ms  max %.1f ms%n",
                        rate, writers.size(), source, target.name(), d.count(), d.p50() / 1000.0, d.p99() / 1000.0,
                        d.p999() / 1000.0, d.max() / 1000.0);
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
                for (ReplicationStatus.Source s : ops.at(r.serverUrl()).replication().sources()) {
                    all &= s.caughtUp();
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(200); // polling a remote status, not a test
        }
        throw new IllegalStateException("replication did not catch up within 120 s");
    }
}
