package io.meridian.localcluster.internal;

import io.meridian.core.RegionId;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Meridian server per region: writes its Dropwizard YAML (region, slot, the region's engines, the
 * other regions' servers as peers, the ports of the block) and builds its command line. Ready when
 * the admin health check answers 200 (Cassandra and Kafka healthy).
 */
final class ServerEngine {

    /**
     * Dropwizard's console format plus the trace of the request a line was logged for ({@code trace=<id>}, none outside
     * a request); the same as deploy/meridian-server.yml.
     */
    static final String LOG_FORMAT = "%-5p [%d{ISO8601,UTC}] %c: %m%replace( trace=%X{trace}){' trace=$', ''}%n%rEx";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServerEngine() { }

    static List<String> prepare(Path home, RegionId region, int slot, Ports ports, int instance, Map<RegionId, List<String>> peers,
            Map<RegionId, String> sources, Path java, int heapMb, int cacheKb, String classpath) throws IOException {
        Path conf = Files.createDirectories(home.resolve("conf"));
        StringBuilder peerYaml = new StringBuilder();
        peers.forEach((r, urls) -> peerYaml.append("  ").append(r).append(": [").append(String.join(", ",
                urls.stream().map(u -> "\"" + u + "\"").toList())).append("]\n"));
        StringBuilder sourceYaml = new StringBuilder();
        sources.forEach((r, bootstrap) -> sourceYaml.append("    ").append(r).append(": \"").append(bootstrap).append("\"\n"));
        String yaml = "# Written by Meridian local-cluster; rewritten at every start.\n"
                + "region: " + region + "\n"
                + "regionSlot: " + slot + "\n"
                + "cassandra:\n"
                + "  contactPoints: [\"" + Ports.HOST + ":" + ports.cql() + "\"]\n"
                + "  localDatacenter: " + region + "\n"
                + "kafka:\n"
                + "  bootstrapServers: \"" + Ports.HOST + ":" + ports.kafka() + "\"\n"
                + "  partitions: 4\n"
                + "peers:" + (peers.isEmpty() ? " {}\n" : "\n" + peerYaml)
                + (cacheKb > 0 ? "cache:\n  maxWeightBytes: " + cacheKb * 1024L + "\n" : "")
                + authYaml(io.meridian.localcluster.ClusterCredentials.of(home.getParent().getParent()))
                + "faults:\n  enabled: true\n" // crash points for drills and failure tests (admin port, loopback)
                + "replication:\n"
                + "  sources:\n" + sourceYaml
                + "server:\n"
                + "  type: meridian\n"
                + "  maxQueuedRequests: 1024\n"
                + "  applicationConnectors:\n"
                + "    - type: http\n"
                + "      bindHost: " + Ports.HOST + "\n"
                + "      port: " + ports.server(instance) + "\n"
                + "  adminConnectors:\n"
                + "    - type: http\n"
                + "      bindHost: " + Ports.HOST + "\n"
                + "      port: " + ports.serverAdmin(instance) + "\n"
                + "  requestLog:\n"
                + "    appenders: []\n"
                + "logging:\n"
                + "  level: INFO\n"
                + "  loggers:\n"
                + "    org.apache.kafka: WARN\n"
                + "    com.datastax.oss.driver: WARN\n"
                + "  appenders:\n"
                + "    - type: console\n"
                + "      logFormat: \"" + LOG_FORMAT + "\"\n";
        Path file = conf.resolve("server.yml");
        writeOwnerOnly(file, yaml); // it holds the peer secret
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-Xms64m");
        cmd.add("-Xmx" + heapMb + "m");
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("io.meridian.server.MeridianServer");
        cmd.add("server");
        cmd.add(file.toString());
        return cmd;
    }

    /**
     * The {@code auth} section: every principal of the cluster with the SHA-256 of its secret (the file never
     * holds an application secret), and the peer credentials this server sends.
     */
    static String authYaml(io.meridian.localcluster.ClusterCredentials c) {
        String op = io.meridian.localcluster.ClusterCredentials.OPERATOR;
        String app = io.meridian.localcluster.ClusterCredentials.APP;
        String reader = io.meridian.localcluster.ClusterCredentials.READER;
        String peer = io.meridian.localcluster.ClusterCredentials.PEER;
        return "auth:\n"
                + "  principals:\n"
                + "    " + op + ":\n      secretSha256: " + sha256Hex(c.operator()) + "\n      roles: [admin, operator]\n"
                + "      namespaces: {\"*\": [read, write]}\n"
                + "    " + app + ":\n      secretSha256: " + sha256Hex(c.app()) + "\n      namespaces: {\"*\": [read, write]}\n"
                + "    " + reader + ":\n      secretSha256: " + sha256Hex(c.reader()) + "\n      namespaces: {\"*\": [read]}\n"
                + "    " + peer + ":\n      secretSha256: " + sha256Hex(c.peer()) + "\n      roles: [peer]\n"
                + "  peer:\n    user: " + peer + "\n    secret: \"" + c.peer() + "\"\n";
    }

    static String sha256Hex(String secret) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a file only its owner can read (0600 where the file system has POSIX permissions). */
    static void writeOwnerOnly(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, text);
    }

    /**
     * Ready when the admin health check reports Cassandra and Kafka healthy. Other checks (replication)
     * may be unhealthy for reasons outside this server (a paused partition): that is not "not started".
     */
    static void probe(String adminUrl) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(adminUrl + "/healthcheck"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        for (String check : List.of("cassandra", "kafka")) {
            if (!json.path(check).path("healthy").asBoolean(false)) {
                throw new IllegalStateException("health check " + check + " is not healthy: " + r.body());
            }
        }
    }
}
