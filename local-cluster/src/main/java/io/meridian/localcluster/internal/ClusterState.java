package io.meridian.localcluster.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.ServerEndpoints;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code DIR/cluster.json} holds: how the cluster was started (so another process can restart a
 * region the same way) and per region its endpoints and pids. Written atomically (temp file, then
 * rename) after every pid change, so a crash never leaves a torn file and the pids of engines that
 * are starting are already on disk. Immutable.
 *
 * <pre>{@code
 * {"backend":"embedded","directory":"/abs/.meridian/local","basePort":19000,"java":"/usr/.../java",
 *  "cassandraHeapMb":768,"kafkaHeapMb":384,
 *  "regions":[{"name":"region-a","dataCenter":"region-a",
 *              "cassandra":{"contactPoint":"127.0.0.1:19042","pid":1234,"log":".../cassandra.log"},
 *              "kafka":{"bootstrap":"127.0.0.1:19092","pid":1235,"log":".../kafka.log"},
 *              "server":{"url":"http://127.0.0.1:19080","adminUrl":"http://127.0.0.1:19081","pid":1236,"log":"..."}}]}
 * }</pre>
 */
record ClusterState(String backend, Path directory, int basePort, Path java, int cassandraHeapMb, int kafkaHeapMb,
        int serverHeapMb, int serverCacheKb, List<RegionEndpoints> regions, long proxyPid) {

    static final String FILE = "cluster.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    ClusterState {
        regions = List.copyOf(regions);
    }

    ClusterState withRegion(RegionEndpoints updated) {
        List<RegionEndpoints> copy = new ArrayList<>(regions);
        copy.replaceAll(r -> r.region().equals(updated.region()) ? updated : r);
        return new ClusterState(backend, directory, basePort, java, cassandraHeapMb, kafkaHeapMb, serverHeapMb,
                serverCacheKb, copy,
                proxyPid);
    }

    ClusterState withProxyPid(long pid) {
        return new ClusterState(backend, directory, basePort, java, cassandraHeapMb, kafkaHeapMb, serverHeapMb,
                serverCacheKb, regions,
                pid);
    }

    /**
     * Whether cross-region traffic goes through the fault proxy (embedded engines, 2 to
     * {@link Ports#MAX_PROXIED_REGIONS} regions).
     */
    boolean proxied() {
        // only the embedded engines have the per-peer Kafka listeners the proxy routes to
        return "embedded".equals(backend) && regions.size() > 1 && regions.size() <= Ports.MAX_PROXIED_REGIONS;
    }

    Ports ports(RegionId region) {
        return new Ports(basePort + io.meridian.localcluster.ClusterSpec.PORTS_PER_REGION * indexOf(region));
    }

    /**
     * Where region {@code consumer}'s appliers reach region {@code source}'s Kafka: directly for its own
     * region, else through the fault proxy's route when the cluster is proxied.
     */
    String kafkaFor(RegionId source, RegionId consumer) {
        if (source.equals(consumer) || !proxied()) {
            return region(source).kafkaBootstrap();
        }
        return Ports.HOST + ":" + ports(source).proxy(indexOf(consumer));
    }

    /** {@code server.log} for the first instance, {@code server-N.log} for the others. */
    static Path serverLog(Path directory, RegionId region, int instance) {
        return directory.resolve(region.name()).resolve((instance == 0 ? "server" : "server-" + instance) + ".log");
    }

    static Path proxyLog(Path directory) {
        return directory.resolve("fault-proxy.log");
    }

    RegionEndpoints region(RegionId id) {
        return regions.stream().filter(r -> r.region().equals(id)).findFirst()
                .orElseThrow(() -> LocalClusterException.badInput("unknown region '" + id + "': this cluster has "
                        + regions.stream().map(r -> r.region().name()).toList()));
    }

    int indexOf(RegionId id) {
        for (int i = 0; i < regions.size(); i++) {
            if (regions.get(i).region().equals(id)) {
                return i;
            }
        }
        throw LocalClusterException.badInput("unknown region '" + id + "'");
    }

    static Path file(Path directory) {
        return directory.resolve(FILE);
    }

    static Path logFile(Path directory, RegionId region, Component component) {
        return directory.resolve(region.name()).resolve(component.label() + ".log");
    }

    void save() {
        ObjectNode root = JSON.createObjectNode();
        root.put("backend", backend);
        root.put("directory", directory.toString());
        root.put("basePort", basePort);
        root.put("java", java.toString());
        root.put("cassandraHeapMb", cassandraHeapMb);
        root.put("kafkaHeapMb", kafkaHeapMb);
        root.put("serverHeapMb", serverHeapMb);
        root.put("serverCacheKb", serverCacheKb);
        if (proxied()) {
            root.putObject("faultProxy").put("pid", proxyPid).put("log", proxyLog(directory).toString())
                    .put("control", directory.resolve(FaultControl.FILE).toString());
        }
        ArrayNode list = root.putArray("regions");
        for (RegionEndpoints r : regions) {
            ObjectNode n = list.addObject();
            n.put("name", r.region().name());
            n.put("dataCenter", r.dataCenter());
            ObjectNode c = n.putObject("cassandra");
            c.put("contactPoint", r.cassandraContactPoint());
            c.put("pid", r.cassandraPid());
            c.put("log", logFile(directory, r.region(), Component.CASSANDRA).toString());
            ObjectNode k = n.putObject("kafka");
            k.put("bootstrap", r.kafkaBootstrap());
            k.put("pid", r.kafkaPid());
            k.put("log", logFile(directory, r.region(), Component.KAFKA).toString());
            if (r.hasServer()) {
                // "server": the first instance (the brief's layout); "servers": every instance
                ObjectNode sv = n.putObject("server");
                sv.put("url", r.serverUrl());
                sv.put("adminUrl", r.serverAdminUrl());
                sv.put("pid", r.serverPid());
                sv.put("log", logFile(directory, r.region(), Component.SERVER).toString());
                ArrayNode all = n.putArray("servers");
                for (ServerEndpoints s : r.servers()) {
                    all.addObject().put("instance", s.instance()).put("url", s.url()).put("adminUrl", s.adminUrl())
                            .put("pid", s.pid()).put("log", serverLog(directory, r.region(), s.instance()).toString());
                }
            }
        }
        Path target = file(directory);
        Path tmp = directory.resolve(FILE + ".tmp");
        try {
            Files.createDirectories(directory);
            JSON.writeValue(tmp.toFile(), root);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw LocalClusterException.badInput("cannot write " + target + ": " + e.getMessage());
        }
    }

    static boolean exists(Path directory) {
        return Files.isRegularFile(file(directory));
    }

    static ClusterState load(Path directory) {
        Path f = file(directory);
        if (!Files.isRegularFile(f)) {
            throw new LocalClusterException(LocalClusterException.Kind.NO_CLUSTER,
                    "no cluster in " + directory + " (" + FILE + " not found): start one with `meridian local up`");
        }
        try {
            JsonNode root = JSON.readTree(f.toFile());
            List<RegionEndpoints> regions = new ArrayList<>();
            for (JsonNode n : root.path("regions")) {
                List<ServerEndpoints> servers = new ArrayList<>();
                for (JsonNode s : n.path("servers")) {
                    servers.add(new ServerEndpoints(s.path("instance").asInt(), s.path("url").asText(),
                            s.path("adminUrl").asText(), s.path("pid").asLong()));
                }
                if (servers.isEmpty() && !n.path("server").path("url").asText("").isEmpty()) {
                    servers.add(new ServerEndpoints(0, n.path("server").path("url").asText(),
                            n.path("server").path("adminUrl").asText(), n.path("server").path("pid").asLong()));
                }
                regions.add(new RegionEndpoints(RegionId.of(n.path("name").asText()), n.path("dataCenter").asText(),
                        n.path("cassandra").path("contactPoint").asText(), n.path("cassandra").path("pid").asLong(),
                        n.path("kafka").path("bootstrap").asText(), n.path("kafka").path("pid").asLong(), servers));
            }
            return new ClusterState(root.path("backend").asText("embedded"), directory, root.path("basePort").asInt(),
                    Path.of(root.path("java").asText()), root.path("cassandraHeapMb").asInt(768),
                    root.path("kafkaHeapMb").asInt(384), root.path("serverHeapMb").asInt(256),
                    root.path("serverCacheKb").asInt(0), regions,
                    root.path("faultProxy").path("pid").asLong());
        } catch (IOException | RuntimeException e) {
            throw LocalClusterException.badInput("cannot read " + f + ": " + e.getMessage());
        }
    }

    static void delete(Path directory) {
        try {
            Files.deleteIfExists(file(directory));
        } catch (IOException e) {
            throw LocalClusterException.badInput("cannot delete " + file(directory) + ": " + e.getMessage());
        }
    }
}
