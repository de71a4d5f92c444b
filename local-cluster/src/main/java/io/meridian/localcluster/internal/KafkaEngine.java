package io.meridian.localcluster.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * One Kafka 4 broker per region in KRaft combined mode (broker and controller in one process).
 * Writes {@code server.properties} and a log4j2 config under {@code <region>/kafka/conf}; the log
 * directory is formatted once with {@code kafka.tools.StorageTool} (skipped when
 * {@code meta.properties} exists, so a restarted broker keeps its data).
 *
 * <p>Topics are never created implicitly ({@code auto.create.topics.enable=false}): Meridian creates
 * its topics with explicit partition counts, and a typo must not silently create a new topic.
 */
final class KafkaEngine {

    private KafkaEngine() { }

    static Path dataDir(Path home) {
        return home.resolve("data");
    }

    static boolean isFormatted(Path home) {
        return Files.isRegularFile(dataDir(home).resolve("meta.properties"));
    }

    /**
     * A listener for one other region's clients, bound on {@code port} and advertised at the fault
     * proxy's {@code advertisedPort}, so every connection of that region's clients (bootstrap and the
     * ones that follow metadata) goes through the proxy route.
     */
    record PeerListener(String name, int port, int advertisedPort) {
    }

    static List<String> prepare(Path home, Ports ports, List<PeerListener> peers, Path java, int heapMb,
            String classpath) throws IOException {
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(dataDir(home));
        StringBuilder listeners = new StringBuilder("PLAINTEXT://" + Ports.HOST + ":" + ports.kafka() + ",CONTROLLER://"
                + Ports.HOST + ":" + ports.kafkaController());
        StringBuilder advertised = new StringBuilder("PLAINTEXT://" + Ports.HOST + ":" + ports.kafka());
        StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        for (PeerListener p : peers) {
            listeners.append(',').append(p.name()).append("://").append(Ports.HOST).append(':').append(p.port());
            advertised.append(',').append(p.name()).append("://").append(Ports.HOST).append(':').append(p.advertisedPort());
            protocols.append(',').append(p.name()).append(":PLAINTEXT");
        }
        String props = String.join("\n",
                "# Written by Meridian local-cluster; rewritten at every start.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@" + Ports.HOST + ":" + ports.kafkaController(),
                "listeners=" + listeners,
                "advertised.listeners=" + advertised,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=" + protocols,
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dataDir(home),
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                // idle cost: the controller appends a no-op record to its metadata log (and every listener of it
                // wakes) every 500 ms by default; a single-node quorum has no follower that needs them that often
                "metadata.max.idle.interval.ms=5000",
                // Meridian's largest log record (a 4 MiB write, encoded, with dead-letter headers) fits every topic
                "message.max.bytes=8454144",
                "replica.fetch.max.bytes=8454144",
                "");
        Files.writeString(conf.resolve("server.properties"), props);
        Files.writeString(conf.resolve("log4j2.properties"), String.join("\n",
                "status = warn",
                "appender.console.type = Console",
                "appender.console.name = STDOUT",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p [%t] %c{1} - %m%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.stdout.ref = STDOUT",
                "logger.state.name = state.change.logger",
                "logger.state.level = WARN",
                ""));
        return command(conf, java, heapMb, classpath, "kafka.Kafka", List.of(conf.resolve("server.properties").toString()));
    }

    /** {@code StorageTool format} for a fresh log directory; the caller runs it to completion. */
    static List<String> formatCommand(Path home, Path java, String classpath, String clusterId) {
        Path conf = home.resolve("conf");
        return command(conf, java, 128, classpath, "kafka.tools.StorageTool",
                List.of("format", "-t", clusterId, "-c", conf.resolve("server.properties").toString(),
                        "--ignore-formatted"));
    }

    private static List<String> command(Path conf, Path java, int heapMb, String classpath, String main,
            List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-Xms" + Math.min(128, heapMb) + "m");
        cmd.add("-Xmx" + heapMb + "m");
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.add("-Dlog4j2.configurationFile=" + conf.resolve("log4j2.properties"));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(main);
        cmd.addAll(args);
        return cmd;
    }

    /** Readiness: the broker answers a metadata request and lists itself. */
    static void probe(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8_000))) {
            if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
                throw new IllegalStateException("broker lists no nodes yet");
            }
        }
    }
}
