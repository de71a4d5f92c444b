package io.meridian.localcluster.internal;

import io.meridian.core.RegionId;
import io.meridian.localcluster.ClusterSpec;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.ServerEndpoints;
import io.meridian.localcluster.EngineBackend;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.StartListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The default backend: Cassandra and Kafka as child JVMs started from their Maven artifacts. Checks
 * everything it can before starting anything (Java, engine classpaths, directory, ports, a cluster
 * already running), so bad input never leaves a half-started cluster. Thread-safe (stateless).
 */
public final class EmbeddedBackend implements EngineBackend {

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public String unavailableReason() {
        return "";
    }

    @Override
    public LocalCluster start(ClusterSpec spec, StartListener listener) {
        Path dir = spec.directory();
        if (!Files.isRegularFile(spec.java()) || !Files.isExecutable(spec.java())) {
            throw LocalClusterException.badInput("Java not found at " + spec.java()
                    + ": install a JDK 17 or point --java (or JAVA_HOME) at one");
        }
        EngineDistribution distribution = EngineDistribution.locate();
        distribution.libDir(Component.CASSANDRA);
        distribution.libDir(Component.KAFKA);
        if (spec.servers()) {
            distribution.libDir(Component.SERVER);
        }
        checkWritable(dir);
        refuseRunningCluster(dir, distribution, spec, listener);
        reapOrphans(dir, listener);
        List<RegionEndpoints> regions = new ArrayList<>();
        List<EmbeddedCluster.Target> targets = new ArrayList<>();
        for (int i = 0; i < spec.regions(); i++) {
            RegionId id = RegionId.defaultName(i);
            Ports ports = new Ports(spec.blockOf(i));
            for (Map.Entry<Integer, String> port : ports.all(id, i, spec.serverInstances(), spec.regions()).entrySet()) {
                checkFree(port.getKey(), port.getValue());
            }
            List<ServerEndpoints> servers = new ArrayList<>();
            for (int s = 0; s < spec.serverInstances(); s++) {
                servers.add(new ServerEndpoints(s, ports.serverUrl(s), ports.serverAdminUrl(s), 0));
            }
            regions.add(new RegionEndpoints(id, id.name(), Ports.HOST + ":" + ports.cql(), 0,
                    Ports.HOST + ":" + ports.kafka(), 0, servers));
            targets.add(new EmbeddedCluster.Target(id, Component.CASSANDRA));
            targets.add(new EmbeddedCluster.Target(id, Component.KAFKA));
            for (int s = 0; s < spec.serverInstances(); s++) {
                targets.add(new EmbeddedCluster.Target(id, Component.SERVER, s));
            }
        }
        ClusterState state = new ClusterState(name(), dir, spec.basePort(), spec.java(), spec.cassandraHeapMb(),
                spec.kafkaHeapMb(), spec.serverHeapMb(), spec.serverCacheKb(), regions, 0);
        state.save();
        EmbeddedCluster cluster = new EmbeddedCluster(state, distribution, spec.startTimeout(), spec.stopTimeout(),
                listener);
        try {
            cluster.startEngines(targets);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Bad input when a cluster of this directory still has a process alive. */
    private static void refuseRunningCluster(Path dir, EngineDistribution distribution, ClusterSpec spec,
            StartListener listener) {
        if (ClusterState.exists(dir)) {
            EmbeddedCluster existing = new EmbeddedCluster(ClusterState.load(dir), distribution, spec.startTimeout(),
                    spec.stopTimeout(), listener);
            for (RegionEndpoints r : existing.regions()) {
                for (Component c : Component.values()) {
                    if (existing.status(r.region(), c) != io.meridian.localcluster.EngineStatus.DOWN) {
                        throw LocalClusterException.badInput("a cluster is already running in " + dir + " ("
                                + r.region() + " " + c.label() + " is alive): stop it with `meridian local down`");
                    }
                }
            }
        }
    }

    /** Stops engines of this directory left by a run that crashed before it could stop them. */
    private static void reapOrphans(Path dir, StartListener listener) {
        for (ProcessHandle orphan : OwnedProcesses.findMarked(dir)) {
            String what = OwnedProcesses.engineOf(orphan).orElse("engine");
            OwnedProcesses.stop(orphan, Duration.ZERO);
            listener.reaped(orphan.pid(), what);
        }
    }

    @Override
    public LocalCluster attach(Path directory) {
        return attach(directory, StartListener.NONE);
    }

    @Override
    public boolean embedded() {
        return true;
    }

    /** Attaches with a listener for progress of later {@code start(region)} calls. */
    @Override
    public LocalCluster attach(Path directory, StartListener listener) {
        ClusterState state = ClusterState.load(directory.toAbsolutePath().normalize());
        return new EmbeddedCluster(state, EngineDistribution.locate(), Duration.ofSeconds(180), Duration.ofSeconds(30),
                listener);
    }

    private static void checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw LocalClusterException.badInput("data directory " + dir + " is not writable ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private static void checkFree(int port, String what) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(Ports.HOST), port));
        } catch (IOException e) {
            throw LocalClusterException.badInput("port " + port + " (" + what + ") is already in use;"
                    + " stop what holds it or choose another --base-port");
        }
    }
}
