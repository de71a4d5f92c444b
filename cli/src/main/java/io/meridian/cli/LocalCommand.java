package io.meridian.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.core.RegionId;
import io.meridian.localcluster.ClusterSpec;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.EngineBackend;
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.StartListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meridian local ...}: the embedded multi-region cluster on this machine. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run real Cassandra and Kafka per region on this machine (no Docker needed).",
        subcommands = {LocalCommand.Up.class, LocalCommand.Status.class, LocalCommand.Stop.class,
                LocalCommand.Start.class, LocalCommand.Down.class, LinkCommands.Partition.class, LinkCommands.Heal.class,
                LinkCommands.Delay.class})
final class LocalCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code --dir}, shared by every local subcommand. */
    static final class DirOption {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".meridian/local",
                description = "Cluster directory (cluster.json and data). Default: ${DEFAULT-VALUE}")
        Path dir;

        Path path() {
            return dir.toAbsolutePath().normalize();
        }
    }

    static EngineBackend backend() {
        EngineBackend b = EngineBackend.fromConfiguration();
        if (!b.embedded()) {
            throw LocalClusterException.badInput("`meridian local` runs the embedded backend only; "
                    + EngineBackend.PROPERTY + "=" + b.name() + " is for tests (docker compose for containers)");
        }
        return b;
    }

    /** The cluster in {@code dir}, refused (bad input) when it is a deployment `meridian local` does not run. */
    static LocalCluster attachManaged(Path dir, StartListener listener) {
        LocalCluster cluster = backend().attach(dir, listener);
        if (!cluster.managed()) {
            throw LocalClusterException.badInput(dir.resolve("cluster.json") + " describes a deployment that `meridian local`"
                    + " does not run (use its own tooling, e.g. docker compose); data commands and status work with it");
        }
        return cluster;
    }

    /** The operator's credentials for {@code cluster} (environment, else the embedded cluster's secret). */
    static io.meridian.core.BasicCredentials operator(LocalCluster cluster) {
        return io.meridian.localcluster.OperatorSecret.credentials(cluster);
    }

    /** The typed client of the cluster's operator endpoints, as the operator, {@code timeout} per call. */
    static io.meridian.client.OperatorClient operatorClient(LocalCluster cluster, java.time.Duration timeout) {
        return io.meridian.client.OperatorClient.create(operator(cluster), timeout);
    }

    static LocalCluster attachManaged(Path dir) {
        return attachManaged(dir, StartListener.NONE);
    }

    static RegionId region(String name) {
        try {
            return RegionId.of(name);
        } catch (IllegalArgumentException e) {
            throw LocalClusterException.badInput("unknown region '" + name + "': " + e.getMessage());
        }
    }

    /** Prints engine progress lines: what starts, when it is ready and after how long. Thread-safe. */
    static final class Progress implements StartListener, AutoCloseable {
        private final PrintWriter out;
        private final long t0 = System.nanoTime();
        private final Map<String, Long> pending = new ConcurrentHashMap<>();
        private final Thread ticker;

        Progress(PrintWriter out) {
            this.out = out;
            this.ticker = new Thread(this::tick, "meridian-progress");
            this.ticker.setDaemon(true);
            this.ticker.start();
        }

        private void tick() {
            try {
                while (true) {
                    Thread.sleep(10_000);
                    if (!pending.isEmpty()) {
                        line("waiting for " + String.join(", ", new java.util.TreeSet<>(pending.keySet())));
                    }
                }
            } catch (InterruptedException e) {
                // closed
            }
        }

        private synchronized void line(String s) {
            out.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, s);
            out.flush();
        }

        @Override
        public void starting(RegionId region, Component component) {
            pending.put(region + " " + component.label(), System.nanoTime());
            line(String.format(Locale.ROOT, "%-9s %-9s starting", region, component.label()));
        }

        @Override
        public void ready(RegionId region, Component component, Duration elapsed) {
            pending.remove(region + " " + component.label());
            line(String.format(Locale.ROOT, "%-9s %-9s ready in %.1f s", region, component.label(),
                    elapsed.toMillis() / 1000.0));
        }

        @Override
        public void failed(RegionId region, Component component, String reason) {
            pending.remove(region + " " + component.label());
            line(String.format(Locale.ROOT, "%-9s %-9s FAILED", region, component.label()));
        }

        @Override
        public void retrying(RegionId region, Component component, String reason) {
            line(String.format(Locale.ROOT, "%-9s %-9s failed to start; starting it once more (%s)", region, component.label(),
                    reason.lines().findFirst().orElse("")));
        }

        @Override
        public void reaped(long pid, String what) {
            line("stopped " + what + " (pid " + pid + ") left running by an earlier run that crashed");
        }

        @Override
        public void close() {
            ticker.interrupt();
        }
    }

    /** The components a region of this cluster has (the server only when the cluster runs servers). */
    static List<Component> componentsOf(RegionEndpoints r) {
        return r.hasServer() ? List.of(Component.CASSANDRA, Component.KAFKA, Component.SERVER)
                : List.of(Component.CASSANDRA, Component.KAFKA);
    }

    static String endpointOf(RegionEndpoints r, Component c) {
        return switch (c) {
            case CASSANDRA -> r.cassandraContactPoint();
            case KAFKA -> r.kafkaBootstrap();
            case SERVER -> r.serverUrl();
        };
    }

    static void printTable(PrintWriter out, LocalCluster cluster) {
        String row = "%-10s %-10s %-24s %-8s %-10s %-7s%n";
        out.printf(Locale.ROOT, row, "REGION", "COMPONENT", "ENDPOINT", "PID", "STATUS", "RSS");
        for (RegionEndpoints r : cluster.regions()) {
            for (Component c : List.of(Component.CASSANDRA, Component.KAFKA)) {
                EngineStatus st = cluster.status(r.region(), c);
                long pid = r.pid(c).orElse(0);
                out.printf(Locale.ROOT, row, r.region(), c.label(), endpointOf(r, c), pidText(pid), label(st), rssText(st, pid));
            }
            for (io.meridian.localcluster.ServerEndpoints s : r.servers()) {
                EngineStatus st = cluster.serverStatus(r.region(), s.instance());
                out.printf(Locale.ROOT, row, r.region(), s.label(), s.url(), pidText(s.pid()), label(st), rssText(st, s.pid()));
            }
        }
        out.flush();
    }

    private static String rssText(EngineStatus status, long pid) {
        long mb = status == EngineStatus.DOWN ? -1 : residentMb(pid);
        return mb < 0 ? "-" : mb + "M";
    }

    /** Resident memory of a process in MiB from /proc (Linux), or -1 where it cannot be read. */
    static long residentMb(long pid) {
        java.util.OptionalLong kb = io.meridian.bench.ProcessMemory.residentKb(pid);
        return kb.isPresent() ? kb.getAsLong() / 1024 : -1;
    }

    private static String pidText(long pid) {
        return pid > 0 ? Long.toString(pid) : "-";
    }

    static String label(EngineStatus s) {
        return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start N regions (one Cassandra node and one Kafka broker each) and write DIR/cluster.json.")
    static final class Up implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DirOption dir;
        @Option(names = "--regions", paramLabel = "N", defaultValue = "3", description = "Number of regions. Default: ${DEFAULT-VALUE}")
        int regions;
        @Option(names = "--base-port", paramLabel = "PORT", defaultValue = "19000",
                description = "First port of region-a's block of 100 ports. Default: ${DEFAULT-VALUE}")
        int basePort;
        @Option(names = "--java", paramLabel = "PATH", description = "java executable that runs the engines. Default: this JVM's")
        Path java;
        @Option(names = "--cassandra-heap", paramLabel = "MB", defaultValue = "768", description = "Cassandra max heap. Default: ${DEFAULT-VALUE}")
        int cassandraHeap;
        @Option(names = "--kafka-heap", paramLabel = "MB", defaultValue = "384", description = "Kafka max heap. Default: ${DEFAULT-VALUE}")
        int kafkaHeap;
        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "180",
                description = "How long each engine may take to answer. Default: ${DEFAULT-VALUE}")
        int timeoutSeconds;
        @Option(names = "--no-servers", description = "Start only Cassandra and Kafka, no Meridian server.")
        boolean noServers;
        @Option(names = "--servers-per-region", paramLabel = "N", defaultValue = "1",
                description = "Meridian server instances per region, 1 to 4 (they share the region's work). Default: ${DEFAULT-VALUE}")
        int serversPerRegion;
        @Option(names = "--cache-kb", paramLabel = "KB", defaultValue = "0",
                description = "Record-cache size per namespace of every server in KiB (0: the server default, 64 MiB)."
                        + " Default: ${DEFAULT-VALUE}")
        int cacheKb;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ClusterSpec.Builder b = ClusterSpec.builder().basePort(basePort).regions(regions).directory(dir.path())
                    .cassandraHeapMb(cassandraHeap).kafkaHeapMb(kafkaHeap)
                    .startTimeout(Duration.ofSeconds(Math.max(1, timeoutSeconds))).servers(!noServers)
                    .serversPerRegion(serversPerRegion).serverCacheKb(cacheKb);
            if (java != null) {
                b.java(java);
            }
            ClusterSpec clusterSpec = b.build();
            EngineBackend backend = backend();
            if (Files.isRegularFile(clusterSpec.directory().resolve("cluster.json"))) {
                LocalCluster existing = attachManaged(clusterSpec.directory());
                boolean anyAlive = existing.regions().stream().anyMatch(r -> componentsOf(r).stream()
                        .anyMatch(c -> existing.status(r.region(), c) != EngineStatus.DOWN));
                if (anyAlive) {
                    if (existing.regions().size() != clusterSpec.regions()) {
                        throw LocalClusterException.badInput("a " + existing.regions().size() + "-region cluster is already"
                                + " running in " + clusterSpec.directory() + ": `meridian local down` first to change --regions");
                    }
                    out.println("A cluster is already running in " + clusterSpec.directory() + "; starting what is down.");
                    try (Progress progress = new Progress(out)) {
                        LocalCluster attached = backend.attach(clusterSpec.directory(), progress);
                        for (RegionEndpoints r : attached.regions()) {
                            attached.start(r.region());
                        }
                        attached.detach();
                        printTable(out, attached);
                    }
                    return Meridian.OK;
                }
                out.println("Found the state of a cluster with no live process in " + clusterSpec.directory()
                        + "; starting it again with its data.");
            }
            out.printf(Locale.ROOT, "Starting %d region(s) in %s (Cassandra %s, Kafka %s%s)%n", clusterSpec.regions(),
                    clusterSpec.directory(), "5.0.6", "4.1.1", clusterSpec.servers() ? ", Meridian server" : "");
            LocalCluster cluster;
            try (Progress progress = new Progress(out)) {
                cluster = backend.start(clusterSpec, progress);
            }
            cluster.detach();
            out.println();
            printTable(out, cluster);
            out.println();
            out.println("cluster.json: " + clusterSpec.directory().resolve("cluster.json"));
            out.println("status: ./meridian local status    stop: ./meridian local down");
            if (clusterSpec.servers()) {
                out.println("try:    ./meridian namespace create demo && ./meridian put region-a demo user1 name=Ada"
                        + " && ./meridian get region-a demo user1");
            }
            return Meridian.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Regions, endpoints, pids and health.")
    static final class Status implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DirOption dir;
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            LocalCluster cluster = attachManaged(dir.path());
            if (!json) {
                out.println("cluster: " + cluster.directory());
                printTable(out, cluster);
                LinkCommands.printLinks(out, cluster);
                return Meridian.OK;
            }
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = mapper.createObjectNode();
            root.put("directory", cluster.directory().toString());
            ArrayNode regions = root.putArray("regions");
            for (RegionEndpoints r : cluster.regions()) {
                ObjectNode n = regions.addObject();
                n.put("name", r.region().name());
                n.put("dataCenter", r.dataCenter());
                for (Component c : componentsOf(r)) {
                    ObjectNode o = n.putObject(c.label());
                    switch (c) {
                        case CASSANDRA -> o.put("contactPoint", r.cassandraContactPoint());
                        case KAFKA -> o.put("bootstrap", r.kafkaBootstrap());
                        case SERVER -> o.put("url", r.serverUrl()).put("adminUrl", r.serverAdminUrl());
                    }
                    long pid = r.pid(c).orElse(0);
                    EngineStatus st = cluster.status(r.region(), c);
                    o.put("pid", pid).put("status", label(st)).put("rssMb", st == EngineStatus.DOWN ? -1 : residentMb(pid));
                }
                if (r.hasServer()) {
                    ArrayNode servers = n.putArray("servers");
                    for (io.meridian.localcluster.ServerEndpoints s : r.servers()) {
                        EngineStatus st = cluster.serverStatus(r.region(), s.instance());
                        servers.addObject().put("instance", s.instance()).put("url", s.url()).put("adminUrl", s.adminUrl())
                                .put("pid", s.pid()).put("status", label(st))
                                .put("rssMb", st == EngineStatus.DOWN ? -1 : residentMb(s.pid()));
                    }
                }
            }
            ArrayNode links = root.putArray("links");
            for (io.meridian.localcluster.LinkFault l : cluster.links()) {
                links.addObject().put("a", l.a().name()).put("b", l.b().name()).put("cut", l.cut().label())
                        .put("delayMs", l.delay().toMillis());
            }
            out.println(mapper.writeValueAsString(root));
            out.flush();
            return Meridian.OK;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Kill a region's engines at once (kill -9, as in a crash); their data stays.")
    static final class Stop implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DirOption dir;
        @Parameters(paramLabel = "REGION", description = "Region to stop, e.g. region-a.")
        String region;
        @Option(names = "--component", paramLabel = "cassandra|kafka|server|all", defaultValue = "all",
                description = "Which engine. Default: ${DEFAULT-VALUE}")
        String component;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Component only = component.equals("all") ? null : parseComponent(component);
            RegionId id = region(region);
            LocalCluster cluster = attachManaged(dir.path());
            RegionEndpoints r = cluster.region(id);
            if (only == Component.SERVER && !r.hasServer()) {
                throw LocalClusterException.badInput("this cluster runs no Meridian servers (started with --no-servers)");
            }
            List<Component> components = only == null ? componentsOf(r) : List.of(only);
            for (Component c : components) {
                String pid = r.pid(c).isPresent() ? "pid " + r.pid(c).getAsLong() : "not running";
                cluster.kill(id, c);
                out.println("killed " + id + " " + c.label() + " (" + pid + ")");
            }
            return Meridian.OK;
        }
    }

    static Component parseComponent(String label) {
        try {
            return Component.parse(label);
        } catch (IllegalArgumentException e) {
            throw LocalClusterException.badInput("unknown component '" + label + "': expected cassandra, kafka, server or all");
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a stopped region's engines again, with their data.")
    static final class Start implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DirOption dir;
        @Parameters(paramLabel = "REGION", description = "Region to start, e.g. region-a.")
        String region;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RegionId id = region(region);
            try (Progress progress = new Progress(out)) {
                LocalCluster cluster = attachManaged(dir.path(), progress);
                cluster.region(id);
                cluster.start(id);
                cluster.detach();
                printTable(out, cluster);
            }
            return Meridian.OK;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stop every engine of the cluster (graceful, then forced); --clean also deletes its data.")
    static final class Down implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DirOption dir;
        @Option(names = "--clean", description = "Also delete cluster.json and every region's data.")
        boolean clean;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Path d = dir.path();
            if (Files.isRegularFile(d.resolve("cluster.json"))) {
                LocalCluster cluster = attachManaged(d);
                List<String> running = new ArrayList<>();
                for (RegionEndpoints r : cluster.regions()) {
                    for (Component c : componentsOf(r)) {
                        if (cluster.status(r.region(), c) != EngineStatus.DOWN) {
                            running.add(r.region() + " " + c.label() + " (pid " + r.pid(c).getAsLong() + ")");
                        }
                    }
                }
                cluster.close();
                out.println(running.isEmpty() ? "no engine was running" : "stopped " + String.join(", ", running));
            } else {
                out.println("no cluster in " + d);
            }
            if (clean) {
                deleteClusterFiles(d);
                out.println("deleted the data in " + d);
            }
            return Meridian.OK;
        }

        /** Deletes only what local-cluster creates (region-* folders, cluster.json), never other files of DIR. */
        static void deleteClusterFiles(Path d) throws IOException {
            if (!Files.isDirectory(d)) {
                return;
            }
            try (Stream<Path> children = Files.list(d)) {
                for (Path child : children.toList()) {
                    String name = child.getFileName().toString();
                    if (name.startsWith("region-") || name.startsWith("cluster.json")) {
                        deleteTree(child);
                    }
                }
            }
            try (Stream<Path> rest = Files.list(d)) {
                if (rest.findAny().isEmpty()) {
                    Files.delete(d);
                }
            }
        }

        private static void deleteTree(Path p) throws IOException {
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }
}
