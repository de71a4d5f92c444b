package io.meridian.localcluster.internal;

import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LinkFault;
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
    private static final String PROXY_MARKER = OwnedProcesses.engineMarker("links", "proxy");

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
    public boolean managed() {
        return "embedded".equals(state.backend());
    }

    @Override
    public List<RegionEndpoints> regions() {
        return state.regions();
    }

    @Override
    public Map<String, Long> processes() {
        Map<String, Long> out = new java.util.LinkedHashMap<>(LocalCluster.super.processes());
        liveProxy().ifPresent(p -> out.put("links-proxy", p.pid()));
        return out;
    }

    @Override
    public RegionEndpoints region(RegionId region) {
        return state.region(region);
    }

    @Override
    public EngineStatus status(RegionId region, Component component) {
        RegionEndpoints r = state.region(region);
        if (component != Component.SERVER) {
            return status(r, new Target(region, component));
        }
        // several instances: up when all are, down when none runs
        List<EngineStatus> each = targetsOf(r, Component.SERVER).stream().map(t -> status(r, t)).toList();
        if (each.isEmpty() || each.stream().allMatch(s -> s == EngineStatus.DOWN)) {
            return EngineStatus.DOWN;
        }
        return each.stream().allMatch(s -> s == EngineStatus.UP) ? EngineStatus.UP : EngineStatus.NOT_READY;
    }

    @Override
    public EngineStatus serverStatus(RegionId region, int instance) {
        RegionEndpoints r = state.region(region);
        return status(r, serverTarget(r, instance));
    }

    private EngineStatus status(RegionEndpoints r, Target t) {
        if (live(r, t).isEmpty()) {
            return EngineStatus.DOWN;
        }
        return portAnswers(portOf(r, t)) ? EngineStatus.UP : EngineStatus.NOT_READY;
    }

    private static Target serverTarget(RegionEndpoints r, int instance) {
        if (instance < 0 || instance >= r.servers().size()) {
            throw LocalClusterException.badInput(r.region() + " runs " + r.servers().size() + " server instance(s); there"
                    + " is no instance " + instance);
        }
        return new Target(r.region(), Component.SERVER, instance);
    }

    /** The targets of one component of a region: one for an engine, one per server instance. */
    private static List<Target> targetsOf(RegionEndpoints r, Component c) {
        if (c != Component.SERVER) {
            return List.of(new Target(r.region(), c));
        }
        return r.servers().stream().map(s -> new Target(r.region(), c, s.instance())).toList();
    }

    static int portOf(RegionEndpoints r, Target t) {
        return t.component() == Component.SERVER ? portOf(r.servers().get(t.instance()).adminUrl())
                : portOf(r, t.component());
    }

    /** The port that answers when the component is up (the server's: its admin port). */
    static int portOf(RegionEndpoints r, Component component) {
        return switch (component) {
            case CASSANDRA -> r.cassandraPort();
            case KAFKA -> portOf(r.kafkaBootstrap());
            case SERVER -> portOf(r.serverAdminUrl());
        };
    }

    private static long pidOf(RegionEndpoints r, Target t) {
        return t.component() == Component.SERVER ? r.servers().get(t.instance()).pid() : r.pid(t.component()).orElse(0);
    }

    private java.util.Optional<ProcessHandle> live(RegionEndpoints r, Target t) {
        long pid = pidOf(r, t);
        if (pid <= 0) {
            return java.util.Optional.empty();
        }
        return OwnedProcesses.findEngine(pid, state.directory(), OwnedProcesses.engineMarker(r.region().name(), t.label()));
    }

    @Override
    public synchronized void kill(RegionId region, Component component) {
        RegionEndpoints r = state.region(region);
        for (Target t : targetsOf(r, component)) {
            live(r, t).ifPresent(p -> OwnedProcesses.stop(p, Duration.ZERO));
            updatePid(t, 0);
        }
    }

    @Override
    public synchronized void freeze(RegionId region, Component component) {
        signal(region, component, "STOP");
    }

    @Override
    public synchronized void thaw(RegionId region, Component component) {
        signal(region, component, "CONT");
    }

    private void signal(RegionId region, Component component, String signal) {
        RegionEndpoints r = state.region(region);
        for (Target t : targetsOf(r, component)) {
            ProcessHandle p = live(r, t).orElseThrow(() -> new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                    t + " is not running", region, null));
            try {
                Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).redirectErrorStream(true).start();
                if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                    throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "kill -" + signal + " " + p.pid()
                            + " failed", region, null);
                }
            } catch (IOException e) {
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "cannot signal " + t + ": " + e.getMessage(),
                        region, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "interrupted", region, e);
            }
        }
    }

    @Override
    public synchronized void killServer(RegionId region, int instance) {
        RegionEndpoints r = state.region(region);
        Target t = serverTarget(r, instance);
        live(r, t).ifPresent(p -> OwnedProcesses.stop(p, Duration.ZERO));
        updatePid(t, 0);
    }

    @Override
    public synchronized void start(RegionId region) {
        RegionEndpoints r = state.region(region);
        List<Target> down = new ArrayList<>();
        for (Component c : Component.values()) {
            for (Target t : targetsOf(r, c)) {
                if (live(r, t).isEmpty()) {
                    down.add(t);
                }
            }
        }
        startEngines(down);
    }

    /**
     * Launches the targets, records their pids, and waits until all answer; on failure stops what this
     * call launched. Engines go first; servers only once every engine answers (they need them).
     */
    synchronized void startEngines(List<Target> targets) {
        ensureProxy();
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
                    try {
                        launchAndAwait(t, launched);
                    } catch (Exception first) {
                        if (t.component() != Component.SERVER) {
                            throw first;
                        }
                        // a server can fail to start on an overloaded machine (its engines answer slowly): once more
                        ProcessHandle p = launched.remove(t);
                        if (p != null) {
                            OwnedProcesses.stop(p, Duration.ZERO);
                        }
                        listener.retrying(t.region(), t.component(), first.getMessage());
                        launchAndAwait(t, launched);
                    }
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
                    updatePid(t, 0);
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
        Ports ports = state.ports(region);
        Path home = state.directory().resolve(region.name()).resolve(t.label());
        Path log = component == Component.SERVER ? ClusterState.serverLog(state.directory(), region, t.instance())
                : ClusterState.logFile(state.directory(), region, component);
        String classpath = distribution.classpath(component);
        long launchedAt = System.nanoTime();
        String failure;
        try {
            List<String> cmd;
            if (component == Component.CASSANDRA) {
                cmd = CassandraEngine.prepare(home, region, ports, state.java(), state.cassandraHeapMb(), classpath);
            } else if (component == Component.SERVER) {
                java.util.Map<RegionId, List<String>> peers = new java.util.LinkedHashMap<>();
                java.util.Map<RegionId, String> sources = new java.util.LinkedHashMap<>();
                // every instance of every region; for its own region, its siblings
                for (RegionEndpoints o : state.regions()) {
                    List<String> urls = new ArrayList<>();
                    for (io.meridian.localcluster.ServerEndpoints sv : o.servers()) {
                        if (!(o.region().equals(region) && sv.instance() == t.instance())) {
                            urls.add(sv.url());
                        }
                    }
                    peers.put(o.region(), urls);
                }
                state.regions().forEach(o -> sources.put(o.region(), state.kafkaFor(o.region(), region)));
                cmd = ServerEngine.prepare(home, region, state.indexOf(region), ports, t.instance(), peers, sources,
                        state.java(), state.serverHeapMb(), state.serverCacheKb(), classpath);
            } else {
                List<KafkaEngine.PeerListener> peers = new ArrayList<>();
                if (state.proxied()) {
                    for (int c = 0; c < state.regions().size(); c++) {
                        if (c != state.indexOf(region)) {
                            peers.add(new KafkaEngine.PeerListener("PEER" + c, ports.kafkaPeer(c), ports.proxy(c)));
                        }
                    }
                }
                cmd = KafkaEngine.prepare(home, ports, peers, state.java(), state.kafkaHeapMb(), classpath);
                if (!KafkaEngine.isFormatted(home)) {
                    runToCompletion(t, KafkaEngine.formatCommand(home, state.java(), classpath,
                            Uuid.randomUuid().toString()), home, log);
                }
            }
            Process process = launch(OwnedProcesses.engineMarker(t.region().name(), t.label()), cmd, home, log);
            launched.put(t, process.toHandle());
            updatePid(t, process.pid());
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

    private Process launch(String engineMarker, List<String> command, Path workDir, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(command);
        // markers right after the java executable: they identify the engine to later processes
        cmd.add(1, OwnedProcesses.CLUSTER_MARKER + state.directory());
        cmd.add(2, OwnedProcesses.ENGINE_MARKER + engineMarker);
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
        Process p = launch(OwnedProcesses.engineMarker(t.region().name(), t.component().label()), command, workDir, log);
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
            if (portAnswers(portOf(r, t))) {
                try {
                    switch (t.component()) {
                        case CASSANDRA -> CassandraEngine.probe(r.cassandraHost(), r.cassandraPort(), r.dataCenter());
                        case KAFKA -> KafkaEngine.probe(r.kafkaBootstrap());
                        case SERVER -> ServerEngine.probe(r.servers().get(t.instance()).adminUrl());
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

    private void updatePid(Target t, long pid) {
        // its own lock: engine-start threads record pids while the caller holds this object's monitor
        synchronized (stateLock) {
            state = state.withRegion(state.region(t.region()).withPid(t.component(), t.instance(), pid));
            state.save();
        }
    }

    static int portOf(String hostPort) {
        return io.meridian.core.HostPort.parse(hostPort).port();
    }

    static boolean portAnswers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(Ports.HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- the fault proxy ----

    private java.util.Optional<ProcessHandle> liveProxy() {
        if (state.proxyPid() == 0) {
            return java.util.Optional.empty();
        }
        return OwnedProcesses.findEngine(state.proxyPid(), state.directory(), PROXY_MARKER);
    }

    /**
     * Starts the fault proxy when the cluster routes through one and it is not running, and waits until
     * every route listens and the wanted link states (which outlive the proxy) are in force.
     */
    private void ensureProxy() {
        if (!state.proxied() || liveProxy().isPresent()) {
            return;
        }
        Path dir = state.directory();
        Path log = ClusterState.proxyLog(dir);
        List<String> cmd = new ArrayList<>(List.of(state.java().toString(), "-Xms16m", "-Xmx64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xss512k", "-Djava.net.preferIPv4Stack=true", "-cp", proxyClasspath(),
                FaultProxy.class.getName(), dir.toString()));
        List<Integer> listenPorts = new ArrayList<>();
        for (RegionEndpoints source : state.regions()) {
            for (RegionEndpoints consumer : state.regions()) {
                if (!source.equals(consumer)) {
                    Ports p = state.ports(source.region());
                    int c = state.indexOf(consumer.region());
                    cmd.add(source.region() + ":" + consumer.region() + ":" + p.proxy(c) + ":" + p.kafkaPeer(c));
                    listenPorts.add(p.proxy(c));
                }
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try {
            Process process = launch(PROXY_MARKER, cmd, dir, log);
            updateProxyPid(process.pid());
            while (!(listenPorts.stream().allMatch(EmbeddedCluster::portAnswers)
                    && FaultControl.applied(dir) >= FaultControl.read(dir).generation())) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    OwnedProcesses.stop(process.toHandle(), Duration.ZERO);
                    updateProxyPid(0);
                    throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                            "the fault proxy did not start" + tail(log), null, null);
                }
                Thread.sleep(50); // polling a child process's ports
            }
        } catch (IOException e) {
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                    "the fault proxy could not be launched: " + e.getMessage(), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "interrupted", null, e);
        }
    }

    private static String proxyClasspath() {
        try {
            return Path.of(FaultProxy.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void updateProxyPid(long pid) {
        synchronized (stateLock) {
            state = state.withProxyPid(pid);
            state.save();
        }
    }

    @Override
    public List<LinkFault> links() {
        if (!state.proxied()) {
            return List.of();
        }
        FaultControl.Wanted wanted = readWanted();
        List<LinkFault> out = new ArrayList<>();
        List<RegionEndpoints> rs = state.regions();
        for (int i = 0; i < rs.size(); i++) {
            for (int j = i + 1; j < rs.size(); j++) {
                FaultControl.Link l = wanted.link(rs.get(i).region().name(), rs.get(j).region().name());
                out.add(new LinkFault(RegionId.of(l.a()), RegionId.of(l.b()),
                        LinkFault.Cut.valueOf(l.cut().toUpperCase(java.util.Locale.ROOT)), Duration.ofMillis(l.delayMs())));
            }
        }
        return out;
    }

    @Override
    public void cut(RegionId a, RegionId b, LinkFault.Cut cut) {
        changeLink(a, b, l -> new FaultControl.Link(l.a(), l.b(), cut.label(), l.delayMs()));
    }

    @Override
    public void heal(RegionId a, RegionId b) {
        changeLink(a, b, l -> new FaultControl.Link(l.a(), l.b(), LinkFault.Cut.NONE.label(), 0));
    }

    @Override
    public void delay(RegionId a, RegionId b, Duration roundTrip) {
        if (roundTrip.isNegative() || roundTrip.compareTo(Duration.ofSeconds(60)) > 0) {
            throw LocalClusterException.badInput("delay " + roundTrip.toMillis() + " ms is outside 0..60000 ms");
        }
        changeLink(a, b, l -> new FaultControl.Link(l.a(), l.b(), l.cut(), roundTrip.toMillis()));
    }

    private FaultControl.Wanted readWanted() {
        try {
            return FaultControl.read(state.directory());
        } catch (IOException e) {
            throw LocalClusterException.badInput("cannot read " + state.directory().resolve(FaultControl.FILE) + ": " + e);
        }
    }

    /** Writes the next generation of link states and waits (10 s at most) until the proxy has them in force. */
    private synchronized void changeLink(RegionId x, RegionId y, java.util.function.UnaryOperator<FaultControl.Link> change) {
        if (!state.proxied()) {
            throw LocalClusterException.badInput("this cluster has no fault proxy (it routes links between 2 to "
                    + Ports.MAX_PROXIED_REGIONS + " regions; it has " + state.regions().size() + ")");
        }
        state.region(x);
        state.region(y);
        if (x.equals(y)) {
            throw LocalClusterException.badInput("a link joins two different regions; got " + x + " twice");
        }
        if (liveProxy().isEmpty()) {
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "the fault proxy is not running"
                    + " (see " + ClusterState.proxyLog(state.directory()) + "); `meridian local start REGION` starts it again",
                    null, null);
        }
        FaultControl.Wanted wanted = readWanted();
        FaultControl.Link next = change.apply(wanted.link(x.name(), y.name()));
        Map<String, FaultControl.Link> links = new java.util.TreeMap<>(wanted.links());
        links.put(next.key(), next);
        FaultControl.Wanted written = new FaultControl.Wanted(wanted.generation() + 1, links);
        try {
            FaultControl.write(state.directory(), written);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (FaultControl.applied(state.directory()) < written.generation()) {
                if (System.nanoTime() > deadline) {
                    throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "the fault proxy did not"
                            + " apply the change within 10 s" + tail(ClusterState.proxyLog(state.directory())), null, null);
                }
                Thread.sleep(20); // polling the proxy's acknowledgement file
            }
        } catch (IOException e) {
            throw LocalClusterException.badInput("cannot write " + state.directory().resolve(FaultControl.FILE) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "interrupted", null, e);
        }
    }

    @Override
    public synchronized void detach() {
        for (RegionEndpoints r : state.regions()) {
            for (Component c : Component.values()) {
                targetsOf(r, c).forEach(t -> {
                    long pid = pidOf(r, t);
                    if (pid > 0) {
                        OwnedProcesses.disown(pid);
                    }
                });
            }
        }
        if (state.proxyPid() != 0) {
            OwnedProcesses.disown(state.proxyPid());
        }
    }

    @Override
    public synchronized void close() {
        // servers first (they use the engines), then the engines, each group in parallel
        stopAll(List.of(Component.SERVER));
        stopAll(List.of(Component.CASSANDRA, Component.KAFKA));
        liveProxy().ifPresent(p -> OwnedProcesses.stop(p, Duration.ZERO));
        // anything else marked with this cluster (a format tool, an engine whose pid was never saved)
        OwnedProcesses.findMarked(state.directory()).forEach(p -> OwnedProcesses.stop(p, Duration.ZERO));
        ClusterState.delete(state.directory());
    }

    private void stopAll(List<Component> components) {
        List<Thread> stoppers = new ArrayList<>();
        for (RegionEndpoints r : state.regions()) {
            for (Target t : components.stream().flatMap(c -> targetsOf(r, c).stream()).toList()) {
                live(r, t).ifPresent(p -> {
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
    /** One engine of one region, or one server instance. */
    record Target(RegionId region, Component component, int instance) {
        Target(RegionId region, Component component) {
            this(region, component, 0);
        }

        /** {@code cassandra}, {@code kafka}, {@code server}, {@code server-1}, ...: marker, home and log name. */
        String label() {
            return component == Component.SERVER && instance > 0 ? "server-" + instance : component.label();
        }

        @Override
        public String toString() {
            return region + "/" + label();
        }
    }
}
