package io.meridian.localcluster.internal;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.NativeRing;
import io.meridian.localcluster.StartListener;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link NativeRing} on child JVMs: the same {@link CassandraEngine} configuration as a region's node,
 * with one cluster name for all nodes and the first node as the seed. Processes carry the usual markers
 * ({@code -Dmeridian.cluster=<dir>}), so they are in the owned-process registry and orphans of a crashed
 * run are found and stopped at the next start. Thread-safe (its state is set once).
 */
public final class EmbeddedNativeRing implements NativeRing {

    private static final String CLUSTER_NAME = "meridian-native-baseline";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final Path directory;
    private final List<Node> nodes;
    private final List<ProcessHandle> processes;

    private EmbeddedNativeRing(Path directory, List<Node> nodes, List<ProcessHandle> processes) {
        this.directory = directory;
        this.nodes = List.copyOf(nodes);
        this.processes = List.copyOf(processes);
    }

    /** See {@link NativeRing#start}. */
    public static NativeRing start(Path dir, int dataCenters, int basePort, int heapMb, StartListener listener) {
        Path directory = dir.toAbsolutePath().normalize();
        if (dataCenters < 2 || dataCenters > RegionId.MAX_DEFAULT_REGIONS) {
            throw LocalClusterException.badInput("a native ring needs 2.." + RegionId.MAX_DEFAULT_REGIONS + " data centres");
        }
        if (heapMb < 256) {
            throw LocalClusterException.badInput("Cassandra heap " + heapMb + " MiB is below 256 MiB");
        }
        String classpath = EngineDistribution.locate().classpath(Component.CASSANDRA);
        for (ProcessHandle orphan : OwnedProcesses.findMarked(directory)) {
            OwnedProcesses.stop(orphan, Duration.ZERO);
            listener.reaped(orphan.pid(), OwnedProcesses.engineOf(orphan).orElse("engine"));
        }
        List<Ports> ports = new ArrayList<>();
        for (int i = 0; i < dataCenters; i++) {
            Ports p = new Ports(basePort + 100 * i);
            for (int port : List.of(p.cql(), p.storage(), p.sslStorage(), p.jmx())) {
                checkFree(port);
            }
            ports.add(p);
        }
        try {
            deleteTree(directory);
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw LocalClusterException.badInput("directory " + directory + " cannot be emptied and created: " + e.getMessage());
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<Node> nodes = new ArrayList<>();
        List<ProcessHandle> started = new ArrayList<>();
        try {
            for (int i = 0; i < dataCenters; i++) {
                RegionId dc = RegionId.defaultName(i);
                Path home = directory.resolve(dc.name()).resolve("cassandra");
                Path log = directory.resolve(dc.name()).resolve("cassandra.log");
                List<String> cmd = new ArrayList<>(CassandraEngine.prepare(home, new CassandraEngine.Node(CLUSTER_NAME, dc,
                        ports.get(i), ports.get(0).storage(), i == 0), java, heapMb, classpath));
                cmd.add(1, OwnedProcesses.CLUSTER_MARKER + directory);
                cmd.add(2, OwnedProcesses.ENGINE_MARKER + OwnedProcesses.engineMarker(dc.name(), "cassandra"));
                listener.starting(dc, Component.CASSANDRA);
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                OwnedProcesses.own(p.toHandle());
                started.add(p.toHandle());
                awaitCql(dc, p, ports.get(i).cql(), log);
                listener.ready(dc, Component.CASSANDRA, Duration.ofNanos(System.nanoTime() - t0));
                nodes.add(new Node(dc, Ports.HOST + ":" + ports.get(i).cql(), p.pid()));
            }
            awaitRing(nodes);
        } catch (IOException | RuntimeException e) {
            started.forEach(p -> OwnedProcesses.stop(p, Duration.ZERO));
            if (e instanceof LocalClusterException l) {
                throw l;
            }
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "native ring: " + e.getMessage(), null, e);
        }
        return new EmbeddedNativeRing(directory, nodes, started);
    }

    private static void awaitCql(RegionId dc, Process p, int port, Path log) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "its port never opened";
        while (true) {
            if (!p.isAlive()) {
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "native ring node " + dc
                        + " exited with code " + p.exitValue() + " while starting" + EmbeddedCluster.tail(log), dc, null);
            }
            if (EmbeddedCluster.portAnswers(port)) {
                try {
                    CassandraEngine.probe(Ports.HOST, port, dc.name());
                    return;
                } catch (RuntimeException e) {
                    last = e.toString();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "native ring node " + dc
                        + " did not answer within " + START_TIMEOUT.toSeconds() + " s (" + last + ")" + EmbeddedCluster.tail(log),
                        dc, null);
            }
            pause(250); // polling a child process: nothing to wait on but its port
        }
    }

    /** Waits until the seed sees every other node as a peer (the ring is whole). */
    private static void awaitRing(List<Node> nodes) {
        Node seed = nodes.get(0);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (CqlSession s = CqlSession.builder().addContactPoint(io.meridian.core.HostPort.parse(seed.contactPoint()).address())
                .withLocalDatacenter(seed.dataCenter().name()).build()) {
            while (true) {
                int peers = s.execute("SELECT peer FROM system.peers_v2").all().size();
                if (peers >= nodes.size() - 1) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the seed sees " + peers + " of " + (nodes.size() - 1) + " peers after 60 s");
                }
                pause(250);
            }
        }
    }

    @Override
    public List<Node> nodes() {
        return nodes;
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        List<Thread> stoppers = new ArrayList<>();
        for (ProcessHandle p : processes) {
            Thread t = new Thread(() -> OwnedProcesses.stop(p, Duration.ofSeconds(30)), "meridian-native-stop");
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void checkFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(Ports.HOST, port));
        } catch (IOException e) {
            throw LocalClusterException.badInput("port " + port + " (native ring) is already in use; choose another base port");
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path each : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "interrupted", null, e);
        }
    }
}
