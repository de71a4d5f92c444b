package io.meridian.localcluster.internal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.meridian.core.RegionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One Cassandra 5 node per region: writes {@code cassandra.yaml}, the rack/DC file and a logback
 * config under {@code <region>/cassandra/conf}, and builds the {@code CassandraDaemon} command line.
 *
 * <p>Design note: each region is its own single-node ring (replication between regions is Meridian's
 * job, through Kafka), so the node is its own seed and never bootstraps. {@code ring_delay_ms} is cut
 * from 30 s to 100 ms because a lone seed has nobody to wait for; without that a first start takes
 * ~40 s instead of ~8 s. The data centre is named after the region, so the driver's local DC is the
 * region name.
 */
final class CassandraEngine {

    /** The Java 17 module flags from Cassandra's {@code jvm17-server.options}. */
    private static final List<String> JAVA17_FLAGS = List.of(
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "--add-opens", "java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED");

    private CassandraEngine() { }

    /** Writes the configuration of a region's own single-node ring and returns its command line (markers not included). */
    static List<String> prepare(Path home, RegionId region, Ports ports, Path java, int heapMb, String classpath)
            throws IOException {
        return prepare(home, new Node("meridian-" + region, region, ports, ports.storage(), true), java, heapMb, classpath);
    }

    /**
     * One node of a ring: its cluster name, data centre, ports, and the storage port of the ring's seed
     * (its own for the first node). A node that is not the seed joins without bootstrap streaming
     * ({@code auto_bootstrap: false}): the rings started here are new and empty.
     */
    record Node(String clusterName, RegionId dataCenter, Ports ports, int seedStoragePort, boolean seed) {
    }

    /** Writes a ring node's configuration and returns its command line (markers not included). */
    static List<String> prepare(Path home, Node node, Path java, int heapMb, String classpath) throws IOException {
        Path conf = writeConfiguration(home, node);
        Ports ports = node.ports();
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-Xms256m");
        cmd.add("-Xmx" + heapMb + "m");
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.addAll(JAVA17_FLAGS);
        cmd.add("-Dcassandra.config=" + conf.resolve("cassandra.yaml").toUri());
        cmd.add("-Dcassandra-rackdc.properties=" + conf.resolve("cassandra-rackdc.properties").toUri());
        cmd.add("-Dlogback.configurationFile=" + conf.resolve("logback.xml"));
        cmd.add("-Dcassandra.storagedir=" + home);
        cmd.add("-Dcassandra-foreground=yes");
        cmd.add("-Dcassandra.jmx.local.port=" + ports.jmx());
        cmd.add("-Dcassandra.ring_delay_ms=100");
        cmd.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("org.apache.cassandra.service.CassandraDaemon");
        return cmd;
    }

    /** Writes the node's cassandra.yaml, rack/DC file and logging configuration under {@code home}; returns the conf dir. */
    private static Path writeConfiguration(Path home, Node node) throws IOException {
        Ports ports = node.ports();
        RegionId region = node.dataCenter();
        Path conf = Files.createDirectories(home.resolve("conf"));
        for (String d : List.of("data", "commitlog", "saved_caches", "hints", "cdc_raw")) {
            Files.createDirectories(home.resolve(d));
        }
        String yaml = String.join("\n",
                "# Written by Meridian local-cluster; rewritten at every start.",
                "cluster_name: " + node.clusterName(),
                "num_tokens: 16",
                "allocate_tokens_for_local_replication_factor: 1",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "data_file_directories: [" + home.resolve("data") + "]",
                "commitlog_directory: " + home.resolve("commitlog"),
                "saved_caches_directory: " + home.resolve("saved_caches"),
                "hints_directory: " + home.resolve("hints"),
                "cdc_raw_directory: " + home.resolve("cdc_raw"),
                "commitlog_sync: periodic",
                "commitlog_sync_period: 10000ms",
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: \"" + Ports.HOST + ":" + node.seedStoragePort() + "\"",
                "listen_address: " + Ports.HOST,
                "rpc_address: " + Ports.HOST,
                "storage_port: " + ports.storage(),
                "ssl_storage_port: " + ports.sslStorage(),
                "native_transport_port: " + ports.cql(),
                "start_native_transport: true",
                "endpoint_snitch: GossipingPropertyFileSnitch",
                "auto_snapshot: false",
                "concurrent_compactors: 1",
                node.seed() ? "" : "auto_bootstrap: false",
                "");
        Files.writeString(conf.resolve("cassandra.yaml"), yaml);
        Files.writeString(conf.resolve("cassandra-rackdc.properties"), "dc=" + region + "\nrack=rack1\n");
        Files.writeString(conf.resolve("logback.xml"), """
                <configuration>
                  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="STDOUT"/></root>
                </configuration>
                """);
        return conf;
    }

    /**
     * Readiness: a CQL query answers. Returns normally when it does; throws when it does not (yet).
     */
    static void probe(String host, int port, String dataCenter) {
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(5))
                .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
                .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, false)
                .build();
        try (CqlSession session = CqlSession.builder().withConfigLoader(config)
                .addContactPoint(new InetSocketAddress(host, port)).withLocalDatacenter(dataCenter).build()) {
            if (session.execute("SELECT release_version FROM system.local").one() == null) {
                throw new IllegalStateException("system.local returned no row");
            }
        }
    }
}
