package io.meridian.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.bench.WriteBenchmark;
import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meridian bench write|micro}: benchmarks as commands, JSON results. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (JSON results on stdout).",
        subcommands = {BenchCommand.Visibility.class, BenchCommand.Write.class, BenchCommand.Replication.class, BenchCommand.Cache.class,
                BenchCommand.Micro.class})
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The processes whose CPU a benchmark reports: every engine and server of the cluster, and itself. */
    static Map<String, Long> pidsOf(LocalCluster cluster) {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (RegionEndpoints each : cluster.regions()) {
            for (Component c : LocalCommand.componentsOf(each)) {
                pids.put(each.region() + "-" + c.label(), each.pid(c).orElse(0));
            }
        }
        pids.put("bench", ProcessHandle.current().pid());
        return pids;
    }

    static io.meridian.core.BasicCredentials operator(LocalCluster cluster) {
        return LocalCommand.operator(cluster);
    }

    /** Prints the JSON result (and writes it to {@code out} when given). */
    static int print(CommandSpec spec, ObjectNode result, Path out) throws java.io.IOException {
        String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result);
        spec.commandLine().getOut().println(text);
        spec.commandLine().getOut().flush();
        if (out != null) {
            Files.writeString(out, text);
        }
        return Meridian.OK;
    }

    @Command(name = "visibility", mixinStandardHelpOptions = true,
            description = "Write→visible-elsewhere latency, write latency, CPU per write and idle CPU of Meridian (3 regions)"
                    + " against Cassandra's own multi-DC replication (one ring, one node per DC), measured one after the other"
                    + " in this command, each on clusters it starts and stops itself (the other's processes are not running).")
    static final class Visibility implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--rates", split = ",", defaultValue = "50,200", description = "Open-loop write rates (writes/s). Default: ${DEFAULT-VALUE}")
        List<Integer> rates;
        @Option(names = "--duration", defaultValue = "30", paramLabel = "SECONDS", description = "Measured seconds per rate. Default: ${DEFAULT-VALUE}")
        int duration;
        @Option(names = "--warmup", defaultValue = "5", paramLabel = "SECONDS", description = "Unrecorded seconds before each rate. Default: ${DEFAULT-VALUE}")
        int warmup;
        @Option(names = "--idle", defaultValue = "20", paramLabel = "SECONDS", description = "Idle CPU measurement. Default: ${DEFAULT-VALUE}")
        int idle;
        @Option(names = "--value-bytes", defaultValue = "1024", description = "Default: ${DEFAULT-VALUE}")
        int valueBytes;
        @Option(names = "--poll-ms", defaultValue = "5", description = "A pending write is re-read in each region at most this often. Default: ${DEFAULT-VALUE}")
        int pollMs;
        @Option(names = "--polls-in-flight", defaultValue = "16", description = "Reads in flight per region at most. Default: ${DEFAULT-VALUE}")
        int pollsInFlight;
        @Option(names = "--closed-concurrency", defaultValue = "32", description = "Writers of the closed-loop phase. Default: ${DEFAULT-VALUE}")
        int closedConcurrency;
        @Option(names = "--closed-duration", defaultValue = "20", paramLabel = "SECONDS", description = "Default: ${DEFAULT-VALUE}")
        int closedDuration;
        @Option(names = "--overload", defaultValue = "60", paramLabel = "SECONDS", description = "Meridian only: offer 2 x its closed-loop"
                + " writes/s for this long, then the lowest rate for 20 s (refusals, their answer time, recovery, memory); 0: skip."
                + " Default: ${DEFAULT-VALUE}")
        int overload;
        @Option(names = "--only", defaultValue = "both", description = "native, meridian or both. Default: ${DEFAULT-VALUE}")
        String only;
        @Option(names = "--settled-idle-after", defaultValue = "120", paramLabel = "SECONDS", description = "After everything,"
                + " leave the cluster alone this long and measure its idle CPU again (the first idle follows the warm-up by"
                + " seconds); 0: skip. Default: ${DEFAULT-VALUE}")
        int settledIdleAfter;
        @Option(names = "--work-dir", defaultValue = ".meridian/bench", description = "Where the clusters live while measured. Default: ${DEFAULT-VALUE}")
        Path workDir;
        @Option(names = "--base-port", defaultValue = "27000", description = "Native ring's first port; Meridian's is 500 above. Default: ${DEFAULT-VALUE}")
        int basePort;
        @Option(names = "--cassandra-heap", paramLabel = "MB", defaultValue = "768", description = "Heap of every Cassandra node (both systems). Default: ${DEFAULT-VALUE}")
        int cassandraHeap;
        @Option(names = "--profile", paramLabel = "DIR", description = "Record every process with Java Flight Recorder per phase into DIR and"
                + " summarise the top frames into the JSON (costs CPU: profile in a separate run).")
        Path profile;
        @Option(names = "--seed", description = "Random seed (ids, values). Default: the time.")
        Long seed;
        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON here.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (rates.isEmpty() || rates.stream().anyMatch(r -> r < 1 || r > 20_000) || duration < 1 || warmup < 0 || idle < 1
                    || valueBytes < 1 || valueBytes > 1024 * 1024 || pollMs < 1 || pollsInFlight < 1 || closedConcurrency < 1
                    || closedDuration < 1 || overload < 0 || overload > 3600 || settledIdleAfter < 0 || settledIdleAfter > 3600
                    || !List.of("native", "meridian", "both").contains(only)) {
                throw LocalClusterException.badInput("rates 1..20000/s, duration >= 1 s, warmup >= 0, idle >= 1 s, value-bytes"
                        + " 1..1048576, poll-ms >= 1, polls-in-flight >= 1, closed-concurrency >= 1, closed-duration >= 1 s,"
                        + " overload 0..3600 s, settled-idle-after 0..3600 s, --only native|meridian|both");
            }
            long theSeed = seed == null ? System.nanoTime() : seed;
            io.meridian.bench.VisibilityBenchmark.Settings settings = new io.meridian.bench.VisibilityBenchmark.Settings(rates,
                    Duration.ofSeconds(duration), Duration.ofSeconds(warmup), Duration.ofSeconds(idle), valueBytes,
                    Duration.ofMillis(pollMs), pollsInFlight, Duration.ofSeconds(60), closedConcurrency,
                    Duration.ofSeconds(closedDuration), theSeed, profile == null ? null : profile.toAbsolutePath(),
                    Duration.ofSeconds(overload), Duration.ofSeconds(settledIdleAfter));
            java.io.PrintWriter progress = new java.io.PrintWriter(System.err, true);
            ObjectNode root = new ObjectMapper().createObjectNode();
            root.put("benchmark", "visibility");
            root.put("date", java.time.Instant.now().toString());
            root.put("seed", theSeed);
            root.put("cores", Runtime.getRuntime().availableProcessors());
            root.put("valueBytes", valueBytes);
            root.put("pollIntervalMs", pollMs);
            root.put("profiled", profile != null);
            System.err.printf("visibility benchmark, seed %d; machine before anything starts:%n", theSeed);
            root.put("machineBusyBeforePercent", io.meridian.bench.VisibilityBenchmark.machineBusyPercent(Duration.ofSeconds(5)));
            System.err.printf("  machine %.1f %% busy%n", root.path("machineBusyBeforePercent").asDouble());
            ObjectNode nat = null;
            ObjectNode mer = null;
            if (!only.equals("meridian")) {
                // the baseline has no admission control to measure: its closed loop is its reference past capacity
                nat = measureNative(settings.withoutOverload(), progress);
                root.set("native", nat);
            }
            if (!only.equals("native")) {
                mer = measureMeridian(settings, progress);
                root.set("meridian", mer);
            }
            if (nat != null && mer != null) {
                root.set("meridianOverNative", io.meridian.bench.VisibilityBenchmark.compare(nat, mer));
            }
            return print(spec, root, out);
        }

        private ObjectNode measureNative(io.meridian.bench.VisibilityBenchmark.Settings settings, java.io.PrintWriter progress)
                throws InterruptedException {
            System.err.println("starting the native ring (3 data centres, one node each)");
            try (LocalCommand.Progress p = new LocalCommand.Progress(progress);
                    io.meridian.localcluster.NativeRing ring = io.meridian.localcluster.NativeRing.start(workDir.resolve("native"), 3,
                            basePort, cassandraHeap, p)) {
                Map<RegionId, String> cps = new LinkedHashMap<>();
                Map<String, Long> pids = new LinkedHashMap<>();
                for (io.meridian.localcluster.NativeRing.Node n : ring.nodes()) {
                    cps.put(n.dataCenter(), n.contactPoint());
                    pids.put(n.dataCenter() + "-cassandra", n.pid());
                }
                try (io.meridian.bench.NativeSubject subject = new io.meridian.bench.NativeSubject(cps, pids)) {
                    return io.meridian.bench.VisibilityBenchmark.measure(subject, settings, System.err);
                }
            }
        }

        private ObjectNode measureMeridian(io.meridian.bench.VisibilityBenchmark.Settings settings, java.io.PrintWriter progress)
                throws InterruptedException {
            System.err.println("starting Meridian (3 regions: Cassandra, Kafka, server each)");
            Path dir = workDir.resolve("meridian").toAbsolutePath();
            try {
                LocalCommand.Down.deleteClusterFiles(dir); // a fresh cluster each run, as the native ring is
            } catch (java.io.IOException e) {
                throw LocalClusterException.badInput("cannot empty " + dir + ": " + e.getMessage());
            }
            LocalCluster cluster;
            try (LocalCommand.Progress p = new LocalCommand.Progress(progress)) {
                cluster = LocalCommand.backend().start(io.meridian.localcluster.ClusterSpec.builder().directory(dir)
                        .basePort(basePort + 500).regions(3).cassandraHeapMb(cassandraHeap).build(), p);
            }
            try {
                Map<RegionId, String> urls = new LinkedHashMap<>();
                cluster.regions().forEach(r -> urls.put(r.region(), r.serverUrl()));
                try (io.meridian.bench.MeridianSubject subject = new io.meridian.bench.MeridianSubject(urls, operator(cluster),
                        cluster.processes())) {
                    return io.meridian.bench.VisibilityBenchmark.measure(subject, settings, System.err);
                }
            } finally {
                cluster.close();
            }
        }
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = "Open-loop fixed-rate puts through the client vs raw driver writes (LOCAL_QUORUM) to the same"
                    + " Cassandra, latency from the intended send time; needs a running `meridian local up`.")
    static final class Write implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Option(names = "--region", defaultValue = "region-a", description = "Region written to. Default: ${DEFAULT-VALUE}")
        String region;
        @Option(names = "--rates", split = ",", defaultValue = "50,200,500", description = "Fixed rates (writes/s). Default: ${DEFAULT-VALUE}")
        List<Integer> rates;
        @Option(names = "--duration", defaultValue = "20", paramLabel = "SECONDS", description = "Measured seconds per step. Default: ${DEFAULT-VALUE}")
        int duration;
        @Option(names = "--warmup", defaultValue = "5", paramLabel = "SECONDS", description = "Unrecorded seconds before each step. Default: ${DEFAULT-VALUE}")
        int warmup;
        @Option(names = "--search", description = "Also find the highest rate each sustains with p99 under --p99-limit.")
        boolean search;
        @Option(names = "--p99-limit", defaultValue = "50", paramLabel = "MS", description = "Default: ${DEFAULT-VALUE}")
        double p99Limit;
        @Option(names = "--value-bytes", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}")
        int valueBytes;
        @Option(names = "--floors", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Also measure the engines alone at each rate: a Kafka append, the append then the Cassandra write,"
                        + " and that write shipped by a consumer into every other region (--no-floors: not). Default: ${DEFAULT-VALUE}")
        boolean floors;
        @Option(names = "--seed", description = "Random seed (ids, values). Default: the time.")
        Long seed;
        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON here.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (rates.stream().anyMatch(r -> r < 1 || r > 100_000) || duration < 1 || warmup < 0 || valueBytes < 0
                    || valueBytes > 1024 * 1024) {
                throw LocalClusterException.badInput("rates must be 1..100000/s, duration >= 1 s, value-bytes 0..1048576");
            }
            RegionId id = LocalCommand.region(region);
            LocalCluster cluster = LocalCommand.backend().attach(dir.path());
            RegionEndpoints r = cluster.region(id);
            if (!r.hasServer() || cluster.status(id, Component.SERVER) != EngineStatus.UP) {
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "the server of " + id + " is not up", id, null);
            }
            Map<String, Long> pids = pidsOf(cluster);
            WriteBenchmark.Settings settings = new WriteBenchmark.Settings(rates, Duration.ofSeconds(duration),
                    Duration.ofSeconds(warmup), search, p99Limit, valueBytes, 4096, seed == null ? System.nanoTime() : seed, floors);
            List<io.meridian.store.StoreEndpoint> others = cluster.regions().stream().filter(o -> !o.region().equals(id))
                    .map(o -> new io.meridian.store.StoreEndpoint(o.region(), o.cassandraContactPoint(), o.dataCenter())).toList();
            ObjectNode result = WriteBenchmark.run(new WriteBenchmark.Target(id, r.serverUrl(), r.cassandraContactPoint(),
                    r.dataCenter(), pids, operator(cluster), r.kafkaBootstrap(), others), settings, System.err);
            result.put("regionsInCluster", cluster.regions().size());
            return print(spec, result, out);
        }
    }

    @Command(name = "replication", mixinStandardHelpOptions = true,
            description = "Replication lag per region pair at fixed write rates into one region (and, with --all-regions,"
                    + " into every region at once); needs a running `meridian local up`.")
    static final class Replication implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Option(names = "--rates", split = ",", defaultValue = "50,200", description = "Writes/s per writing region. Default: ${DEFAULT-VALUE}")
        List<Integer> rates;
        @Option(names = "--duration", defaultValue = "30", paramLabel = "SECONDS", description = "Default: ${DEFAULT-VALUE}")
        int duration;
        @Option(names = "--all-regions", description = "Also write into every region at once.")
        boolean allRegions;
        @Option(names = "--seed", description = "Random seed. Default: the time.")
        Long seed;
        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON here.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (rates.stream().anyMatch(r -> r < 1 || r > 100_000) || duration < 1) {
                throw LocalClusterException.badInput("rates must be 1..100000/s and duration >= 1 s");
            }
            LocalCluster cluster = LocalCommand.backend().attach(dir.path());
            List<io.meridian.bench.ReplicationBenchmark.Region> regions = DataCommands.regions(cluster).stream()
                    .map(r -> new io.meridian.bench.ReplicationBenchmark.Region(r.region(), r.serverUrl())).toList();
            if (regions.size() < 2) {
                throw LocalClusterException.badInput("replication needs at least 2 regions");
            }
            Map<String, Long> pids = pidsOf(cluster);
            ObjectNode result = io.meridian.bench.ReplicationBenchmark.run(regions, rates, Duration.ofSeconds(duration), allRegions,
                    seed == null ? System.nanoTime() : seed, pids, operator(cluster), System.err);
            return print(spec, result, out);
        }
    }

    @Command(name = "cache", mixinStandardHelpOptions = true,
            description = "YCSB-B-like reads/writes (Zipfian) at a fixed rate through the client with the cache on, off,"
                    + " and as raw driver reads of the same keys; needs a running `meridian local up` (size the cache with"
                    + " `local up --cache-kb`).")
    static final class Cache implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Option(names = "--region", defaultValue = "region-a", description = "Default: ${DEFAULT-VALUE}")
        String region;
        @Option(names = "--records", defaultValue = "100000", description = "Default: ${DEFAULT-VALUE}")
        int records;
        @Option(names = "--rate", defaultValue = "500", description = "Operations/s. Default: ${DEFAULT-VALUE}")
        int rate;
        @Option(names = "--read-fraction", defaultValue = "0.95", description = "Default: ${DEFAULT-VALUE}")
        double readFraction;
        @Option(names = "--zipf", defaultValue = "0.99", description = "Zipf exponent. Default: ${DEFAULT-VALUE}")
        double zipf;
        @Option(names = "--duration", defaultValue = "30", paramLabel = "SECONDS", description = "Default: ${DEFAULT-VALUE}")
        int duration;
        @Option(names = "--warmup", defaultValue = "15", paramLabel = "SECONDS", description = "Default: ${DEFAULT-VALUE}")
        int warmup;
        @Option(names = "--value-bytes", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}")
        int valueBytes;
        @Option(names = "--fill-reads", defaultValue = "200000",
                description = "Unrecorded Zipfian reads that fill the cache first (steady state). Default: ${DEFAULT-VALUE}")
        int fillReads;
        @Option(names = "--seed", description = "Random seed. Default: the time.")
        Long seed;
        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON here.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (fillReads < 0) {
                throw LocalClusterException.badInput("--fill-reads must not be negative");
            }
            if (records < 1 || records > 10_000_000 || rate < 1 || rate > 100_000 || duration < 1 || warmup < 0
                    || readFraction < 0 || readFraction > 1 || zipf <= 0 || valueBytes < 1 || valueBytes > 65_536) {
                throw LocalClusterException.badInput("records 1..10000000, rate 1..100000/s, duration >= 1 s,"
                        + " read-fraction 0..1, zipf > 0, value-bytes 1..65536");
            }
            RegionId id = LocalCommand.region(region);
            LocalCluster cluster = LocalCommand.backend().attach(dir.path());
            RegionEndpoints r = cluster.region(id);
            if (!r.hasServer() || cluster.status(id, Component.SERVER) != EngineStatus.UP) {
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "the server of " + id + " is not up", id, null);
            }
            io.meridian.bench.CacheBenchmark.Settings settings = new io.meridian.bench.CacheBenchmark.Settings(records,
                    valueBytes, rate, Duration.ofSeconds(duration), Duration.ofSeconds(warmup), fillReads, readFraction, zipf, 4096,
                    seed == null ? System.nanoTime() : seed);
            ObjectNode result = io.meridian.bench.CacheBenchmark.run(new io.meridian.bench.CacheBenchmark.Target(id,
                    r.serverUrl(), r.serverAdminUrl(), r.cassandraContactPoint(), r.dataCenter(), pidsOf(cluster), operator(cluster)), settings,
                    System.err);
            return print(spec, result, out);
        }
    }

    @Command(name = "micro", mixinStandardHelpOptions = true,
            description = "JMH micro-benchmarks of the mutation codec, the clock and a cache-tier hit.")
    static final class Micro implements Callable<Integer> {
        @Option(names = "--out", paramLabel = "FILE", defaultValue = "target/jmh-results.json", description = "Default: ${DEFAULT-VALUE}")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            WriteBenchmark.micro(out.toString());
            return Meridian.OK;
        }
    }
}
