package io.meridian.localcluster.internal;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import io.meridian.core.RegionId;
import io.meridian.localcluster.ClusterSpec;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.EngineBackend;
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.ServerEndpoints;
import io.meridian.localcluster.StartListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The Testcontainers backend: per region one {@code cassandra:5.0} and one {@code apache/kafka}
 * container, published on the same fixed loopback ports as the embedded backend (so a killed and
 * restarted container keeps its ports and Kafka's advertised listener stays true). Chosen with
 * {@code -Dmeridian.engines=docker}; needs a Docker engine. Clusters live as long as the JVM that
 * started them (Testcontainers' reaper removes the containers), so {@link #attach} is not offered.
 * Meridian's servers, when asked for, run as child JVMs on this host exactly as with the embedded
 * backend (same configuration writer, same process handling), against the containers' ports; there is
 * no fault proxy (the containers' Kafka has no per-peer listeners).
 */
public final class DockerBackend implements EngineBackend {

    /** Image of the Cassandra containers. */
    public static final String CASSANDRA_IMAGE = "cassandra:5.0";
    /** Image of the Kafka containers (same version as the embedded engine). */
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.1";

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public boolean isAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public String unavailableReason() {
        return isAvailable() ? "" : "no Docker engine is reachable (the docker client alone cannot run containers)";
    }

    @Override
    public LocalCluster start(ClusterSpec spec, StartListener listener) {
        if (!isAvailable()) {
            throw LocalClusterException.badInput("docker backend: " + unavailableReason());
        }
        EngineDistribution distribution = null;
        if (spec.servers()) {
            distribution = EngineDistribution.locate();
            distribution.libDir(Component.SERVER); // checked before any container starts
        }
        Map<RegionId, Map<Component, GenericContainer<?>>> containers = new LinkedHashMap<>();
        List<RegionEndpoints> regions = new ArrayList<>();
        try {
            for (int i = 0; i < spec.regions(); i++) {
                RegionId id = RegionId.defaultName(i);
                Ports ports = new Ports(spec.blockOf(i));
                Map<Component, GenericContainer<?>> pair = new LinkedHashMap<>();
                pair.put(Component.CASSANDRA, cassandra(id, ports));
                pair.put(Component.KAFKA, kafka(ports));
                for (Map.Entry<Component, GenericContainer<?>> e : pair.entrySet()) {
                    listener.starting(id, e.getKey());
                    long t0 = System.nanoTime();
                    e.getValue().start();
                    listener.ready(id, e.getKey(), Duration.ofNanos(System.nanoTime() - t0));
                }
                containers.put(id, pair);
                List<ServerEndpoints> servers = new ArrayList<>();
                for (int s = 0; s < spec.serverInstances(); s++) {
                    servers.add(new ServerEndpoints(s, ports.serverUrl(s), ports.serverAdminUrl(s), 0));
                }
                regions.add(new RegionEndpoints(id, id.name(), Ports.HOST + ":" + ports.cql(), 0,
                        Ports.HOST + ":" + ports.kafka(), 0, servers));
            }
        } catch (RuntimeException e) {
            containers.values().forEach(m -> m.values().forEach(GenericContainer::stop));
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                    "docker backend: a container did not start: " + e.getMessage(), null, e);
        }
        EmbeddedCluster serverProcesses = null;
        if (spec.servers()) {
            // Meridian's servers run as child JVMs on this host, as with the embedded backend, against the
            // containers' published ports; the engines stay in the containers
            ClusterState state = new ClusterState(name(), spec.directory(), spec.basePort(), spec.java(),
                    spec.cassandraHeapMb(), spec.kafkaHeapMb(), spec.serverHeapMb(), spec.serverCacheKb(), regions, 0);
            state.save();
            serverProcesses = new EmbeddedCluster(state, distribution, spec.startTimeout(), spec.stopTimeout(), listener);
            List<EmbeddedCluster.Target> targets = new ArrayList<>();
            for (RegionEndpoints r : regions) {
                r.servers().forEach(s -> targets.add(new EmbeddedCluster.Target(r.region(), Component.SERVER, s.instance())));
            }
            try {
                serverProcesses.startEngines(targets);
            } catch (RuntimeException e) {
                serverProcesses.close();
                containers.values().forEach(m -> m.values().forEach(GenericContainer::stop));
                throw e;
            }
        }
        return new DockerCluster(spec.directory(), regions, containers, serverProcesses);
    }

    @Override
    public LocalCluster attach(Path directory) {
        throw LocalClusterException.badInput("the docker backend keeps clusters only inside the JVM that started them;"
                + " use the embedded backend for `meridian local`, or docker compose (docker-compose.yml)");
    }

    @SuppressWarnings("resource")
    private static GenericContainer<?> cassandra(RegionId region, Ports ports) {
        return new GenericContainer<>(DockerImageName.parse(CASSANDRA_IMAGE))
                .withEnv("CASSANDRA_DC", region.name())
                .withEnv("CASSANDRA_ENDPOINT_SNITCH", "GossipingPropertyFileSnitch")
                .withEnv("MAX_HEAP_SIZE", "768M")
                .withEnv("HEAP_NEWSIZE", "128M")
                .withExposedPorts(9042)
                .withCreateContainerCmdModifier(cmd -> cmd.withHostConfig(HostConfig.newHostConfig()
                        .withPortBindings(PortBinding.parse(Ports.HOST + ":" + ports.cql() + ":9042"))))
                .waitingFor(Wait.forLogMessage(".*Starting listening for CQL clients.*", 1)
                        .withStartupTimeout(Duration.ofMinutes(3)));
    }

    @SuppressWarnings("resource")
    private static GenericContainer<?> kafka(Ports ports) {
        return new GenericContainer<>(DockerImageName.parse(KAFKA_IMAGE))
                .withEnv("KAFKA_NODE_ID", "1")
                .withEnv("KAFKA_PROCESS_ROLES", "broker,controller")
                .withEnv("KAFKA_LISTENERS", "PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093")
                .withEnv("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://" + Ports.HOST + ":" + ports.kafka())
                .withEnv("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
                .withEnv("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT")
                .withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withExposedPorts(9092)
                .withCreateContainerCmdModifier(cmd -> cmd.withExposedPorts(ExposedPort.tcp(9092))
                        .withHostConfig(HostConfig.newHostConfig()
                                .withPortBindings(PortBinding.parse(Ports.HOST + ":" + ports.kafka() + ":9092"))))
                .waitingFor(Wait.forListeningPort().withStartupTimeout(Duration.ofMinutes(2)));
    }

    /** A cluster of containers; kill and start act on the containers, whose filesystems keep the data. */
    private static final class DockerCluster implements LocalCluster {
        private final Path directory;
        private final List<RegionEndpoints> regions;
        private final Map<RegionId, Map<Component, GenericContainer<?>>> containers;
        private final EmbeddedCluster servers; // null when the cluster runs no Meridian servers

        DockerCluster(Path directory, List<RegionEndpoints> regions,
                Map<RegionId, Map<Component, GenericContainer<?>>> containers, EmbeddedCluster servers) {
            this.directory = directory;
            this.regions = List.copyOf(regions);
            this.containers = containers;
            this.servers = servers;
        }

        @Override
        public Path directory() {
            return directory;
        }

        @Override
        public List<RegionEndpoints> regions() {
            return servers == null ? regions : servers.regions(); // the latter with the servers' pids
        }

        @Override
        public RegionEndpoints region(RegionId region) {
            return regions().stream().filter(r -> r.region().equals(region)).findFirst()
                    .orElseThrow(() -> LocalClusterException.badInput("unknown region '" + region + "'"));
        }

        private EmbeddedCluster servers() {
            if (servers == null) {
                throw LocalClusterException.badInput("this cluster runs no Meridian servers");
            }
            return servers;
        }

        private GenericContainer<?> container(RegionId region, Component c) {
            region(region);
            return containers.get(region).get(c);
        }

        @Override
        public EngineStatus status(RegionId region, Component component) {
            if (!component.isEngine()) {
                return servers == null ? EngineStatus.DOWN : servers.status(region, component);
            }
            GenericContainer<?> c = container(region, component);
            if (!c.isRunning()) {
                return EngineStatus.DOWN;
            }
            RegionEndpoints r = region(region);
            int port = EmbeddedCluster.portOf(r, component);
            return EmbeddedCluster.portAnswers(port) ? EngineStatus.UP : EngineStatus.NOT_READY;
        }

        @Override
        public synchronized void kill(RegionId region, Component component) {
            if (!component.isEngine()) {
                servers().kill(region, component);
                return;
            }
            GenericContainer<?> c = container(region, component);
            DockerClientFactory.instance().client().killContainerCmd(c.getContainerId()).exec();
        }

        @Override
        public synchronized void start(RegionId region) {
            RegionEndpoints r = region(region);
            for (Component component : List.of(Component.CASSANDRA, Component.KAFKA)) {
                GenericContainer<?> c = container(region, component);
                if (!c.isRunning()) {
                    DockerClientFactory.instance().client().startContainerCmd(c.getContainerId()).exec();
                }
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (true) {
                try {
                    CassandraEngine.probe(r.cassandraHost(), r.cassandraPort(), r.dataCenter());
                    KafkaEngine.probe(r.kafkaBootstrap());
                    if (servers != null) {
                        servers.start(region); // the region's server instances that are down
                    }
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                                region + " did not answer after restart: " + e, region, e);
                    }
                }
            }
        }

        @Override
        public EngineStatus serverStatus(RegionId region, int instance) {
            return servers().serverStatus(region, instance);
        }

        @Override
        public void killServer(RegionId region, int instance) {
            servers().killServer(region, instance);
        }

        @Override
        public List<io.meridian.localcluster.LinkFault> links() {
            return List.of();
        }

        @Override
        public void cut(RegionId a, RegionId b, io.meridian.localcluster.LinkFault.Cut cut) {
            throw noProxy();
        }

        @Override
        public void heal(RegionId a, RegionId b) {
            throw noProxy();
        }

        @Override
        public void delay(RegionId a, RegionId b, Duration roundTrip) {
            throw noProxy();
        }

        private static LocalClusterException noProxy() {
            return LocalClusterException.badInput("the docker backend runs no fault proxy: partition, heal and delay"
                    + " need the embedded backend");
        }

        @Override
        public void detach() {
            // containers are removed with the JVM by Testcontainers' reaper; nothing to hand over
        }

        @Override
        public synchronized void close() {
            if (servers != null) {
                servers.close(); // the servers first: they use the engines
            }
            containers.values().forEach(m -> m.values().forEach(GenericContainer::stop));
        }
    }
}
