package io.meridian.localcluster.internal;

import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.StartListener;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A cluster of child-JVM engines described by {@code cluster.json}. The same class serves the
 * process that started the engines and any later process that attaches to them (the CLI): every
 * action works from the recorded pids, checked against the marker arguments so a reused pid is
 * never touched. Thread-safe: public operations are serialised on this object, except that the
 * engines of one start are launched and awaited in parallel.
 */
final class EmbeddedCluster implements LocalCluster {

    private static final int LOG_TAIL_LINES = 25;

    private final EngineDistribution distribution;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final StartListener listener;
    private final Object stateLock = new Object();
    private volatile ClusterState state;

    EmbeddedCluster(ClusterState state, EngineDistribution distribution, Duration startTimeout, Duration stopTimeout,
            StartListener listener) {
        this.state = state;
        this.distribution = distribution;
        this.startTimeout = startTimeout;
        this.stopTimeout = stopTimeout;
        this.listener = listener;
    }

    @Override
    public Path directory() {
        return state.directory();
    }

    @Override
    public List<RegionEndpoints> regions() {
        return state.regions();
    }

    @Override
    public RegionEndpoints region(RegionId region) {
        return state.region(region);
    }

    @Override
    public EngineStatus status(RegionId region, Component component) {
        RegionEndpoints r = state.region(region);
        if (live(r, component).isEmpty()) {
            return EngineStatus.DOWN;
        }
        return portAnswers(portOf(r, component)) ? EngineStatus.UP : EngineStatus.NOT_READY;
    }

    /** The port that answers when the component is up (the server's: its admin port). */
    static int portOf(RegionEndpoints r, Component component) {
        return switch (component) {
            case CASSANDRA -> r.cassandraPort();
            case KAFKA -> portOf(r.kafkaBootstrap());
            case SERVER -> portOf(r.serverAdminUrl());
        };
    }

    private java.util.Optional<ProcessHandle> live(RegionEndpoints r, Component c) {
        OptionalLong pid = r.pid(c);
        if (pid.isEmpty()) {
            return java.util.Optional.empty();
        }
        return OwnedProcesses.findEngine(pid.getAsLong(), state.directory(),
                OwnedProcesses.engineMarker(r.region().name(), c.label()));
    }

    @Override
    public synchronized void kill(RegionId region, Component component) {
        RegionEndpoints r = state.region(region);
        live(r, component).ifPresent(p -> OwnedProcesses.stop(p, Duration.ZERO));
        updatePid(region, component, 0);
    }

    @Override
    public synchronized void start(RegionId region) {
        RegionEndpoints r = state.region(region);
        List<Target> down = new ArrayList<>();
        for (Component c : Component.values()) {
            if (c == Component.SERVER && !r.hasServer()) {
                continue;
            }
            if (live(r, c).isEmpty()) {
                down.add(new Target(region, c));
            }
        }
        startEngines(down);
    }

    /**
     * Launches the targets, records their pids, and waits until all answer; on failure stops what this
     * call launched. Engines go first; servers only once every engine answers (they need them).
     */
    synchronized void startEngines(List<Target> targets) {
        startWave(targets.stream().filter(t -> t.component().isEngine()).toList());
        startWave(targets.stream().filter(t -> !t.component().isEngine()).toList());
    }

    private void startWave(List<Target> targets) {
        if (targets.isEmpty()) {
            return;
        }
        Map<Target, ProcessHandle> launched = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(targets.size(), r -> {
            Thread t = new Thread(r, "meridian-engine-start");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Target t : targets) {
                futures.add(pool.submit(() -> {
                    launchAndAwait(t, launched);
                    return null;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failures.add(e.getCause().getMessage());
                }
            }
            if (!failures.isEmpty()) {
                launched.forEach((t, p) -> {
                    OwnedProcesses.stop(p, Duration.ZERO);
                    updatePid(t.region(), t.component(), 0);
                });
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                        String.join("\n", failures), targets.get(0).region(), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            launched.forEach((t, p) -> OwnedProcesses.stop(p, Duration.ZERO));
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "interrupted while starting", null, e);
        } finally {
            pool.shutdownNow();
        }
    }

    private void launchAndAwait(Target t, Map<Target, ProcessHandle> launched) throws Exception {
        RegionId region = t.region();
        Component component = t.component();
        listener.starting(region, component);
        RegionEndpoints r = state.region(region);
        Ports ports = new Ports(state.basePort() + io.meridian.localcluster.ClusterSpec.PORTS_PER_REGION
                * state.indexOf(region));
        Path home = state.directory().resolve(region.name()).resolve(component.label());
        Path log = ClusterState.logFile(state.directory(), region, component);
        String classpath = distribution.classpath(component);
        long launchedAt = System.nanoTime();
        String failure;
        try {
            List<String> cmd;
            if (component == Component.CASSANDRA) {
                cmd = CassandraEngine.prepare(home, region, ports, state.java(), state.cassandraHeapMb(), classpath);
            } else if (component == Component.SERVER) {
                java.util.Map<RegionId, String> peers = new java.util.LinkedHashMap<>();
                java.util.Map<RegionId, String> sources = new java.util.LinkedHashMap<>();
                state.regions().stream().filter(o -> !o.region().equals(region))
                        .forEach(o -> peers.put(o.region(), o.serverUrl()));
                state.regions().forEach(o -> sources.put(o.region(), o.kafkaBootstrap()));
                cmd = ServerEngine.prepare(home, region, state.indexOf(region), ports, peers, sources, state.java(),
                        state.serverHeapMb(), classpath);
            } else {
                cmd = KafkaEngine.prepare(home, ports, state.java(), state.kafkaHeapMb(), classpath);
                if (!KafkaEngine.isFormatted(home)) {
                    runToCompletion(t, KafkaEngine.formatCommand(home, state.java(), classpath,
                            Uuid.randomUuid().toString()), home, log);
                }
            }
            Process process = launch(t, cmd, home, log);
            launched.put(t, process.toHandle());
            updatePid(region, component, process.pid());
            failure = awaitReady(t, process, r, launchedAt, log);
        } catch (IOException e) {
            failure = region + " " + component.label() + " could not be launched: " + e.getMessage();
        }
        if (failure != null) {
            listener.failed(region, component, failure);
            throw new IllegalStateException(failure);
        }
        listener.ready(region, component, Duration.ofNanos(System.nanoTime() - launchedAt));
    }

    private Process launch(Target t, List<String> command, Path workDir, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(command);
        // markers right after the java executable: they identify the engine to later processes
        cmd.add(1, OwnedProcesses.CLUSTER_MARKER + state.directory());
        cmd.add(2, OwnedProcesses.ENGINE_MARKER + OwnedProcesses.engineMarker(t.region().name(), t.component().label()));
        Files.createDirectories(log.getParent());
        Files.writeString(log, "=== " + java.time.Instant.now() + " meridian: launching " + String.join(" ", cmd) + "\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        OwnedProcesses.own(p.toHandle());
        return p;
    }

    private void runToCompletion(Target t, List<String> command, Path workDir, Path log) throws Exception {
        Process p = launch(t, command, workDir, log);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(t + ": " + command.get(command.size() - 5) + " did not finish in 120 s"
                        + tail(log));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(t.region() + " kafka storage format failed with exit code "
                        + p.exitValue() + tail(log));
            }
        } finally {
            OwnedProcesses.stop(p.toHandle(), Duration.ZERO);
        }
    }

    /** Returns null when the engine answers, or why it failed. */
    private String awaitReady(Target t, Process process, RegionEndpoints r, long launchedAt, Path log)
            throws InterruptedException {
        long deadline = launchedAt + startTimeout.toNanos();
        String lastError = "its port never opened";
        while (true) {
            if (!process.isAlive()) {
                return t.region() + " " + t.component().label() + " exited with code " + process.exitValue()
                        + " while starting" + tail(log);
            }
            if (portAnswers(portOf(r, t.component()))) {
                try {
                    switch (t.component()) {
                        case CASSANDRA -> CassandraEngine.probe(r.cassandraHost(), r.cassandraPort(), r.dataCenter());
                        case KAFKA -> KafkaEngine.probe(r.kafkaBootstrap());
                        case SERVER -> ServerEngine.probe(r.serverAdminUrl());
                    }
                    return null;
                } catch (Exception e) {
                    lastError = e.toString();
                }
            }
            if (System.nanoTime() > deadline) {
                return t.region() + " " + t.component().label() + " did not answer within " + startTimeout.toSeconds()
                        + " s (" + lastError + ")" + tail(log);
            }
            Thread.sleep(250); // polling a child process, not a test: nothing to wait on but its port
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> last = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            return "\n  last lines of " + log + ":\n    " + String.join("\n    ", last);
        } catch (IOException | UncheckedIOException e) {
            return "\n  (no log at " + log + ")";
        }
    }

    private void updatePid(RegionId region, Component component, long pid) {
        // its own lock: engine-start threads record pids while the caller holds this object's monitor
        synchronized (stateLock) {
            state = state.withRegion(state.region(region).withPid(component, pid));
            state.save();
        }
    }

    static int portOf(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    static boolean portAnswers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(Ports.HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized void detach() {
        for (RegionEndpoints r : state.regions()) {
            for (Component c : Component.values()) {
                r.pid(c).ifPresent(OwnedProcesses::disown);
            }
        }
    }

    @Override
    public synchronized void close() {
        // servers first (they use the engines), then the engines, each group in parallel
        stopAll(List.of(Component.SERVER));
        stopAll(List.of(Component.CASSANDRA, Component.KAFKA));
        // anything else marked with this cluster (a format tool, an engine whose pid was never saved)
        OwnedProcesses.findMarked(state.directory()).forEach(p -> OwnedProcesses.stop(p, Duration.ZERO));
        ClusterState.delete(state.directory());
    }

    private void stopAll(List<Component> components) {
        List<Thread> stoppers = new ArrayList<>();
        for (RegionEndpoints r : state.regions()) {
            for (Component c : components) {
                live(r, c).ifPresent(p -> {
                    Thread th = new Thread(() -> OwnedProcesses.stop(p, stopTimeout), "meridian-engine-stop");
                    th.start();
                    stoppers.add(th);
                });
            }
        }
        for (Thread th : stoppers) {
            try {
                th.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One engine of one region. */
    record Target(RegionId region, Component component) {
        @Override
        public String toString() {
            return region + "/" + component.label();
        }
    }
}
