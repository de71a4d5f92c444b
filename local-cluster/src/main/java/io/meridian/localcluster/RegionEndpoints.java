package io.meridian.localcluster;

import io.meridian.core.HostPort;
import io.meridian.core.RegionId;
import io.meridian.store.StoreEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Where one region's engines and servers listen, and which processes run them.
 *
 * @param region the region
 * @param dataCenter the Cassandra data-centre name of the region (the driver's local DC)
 * @param cassandraContactPoint {@code host:port} of CQL
 * @param cassandraPid process id of Cassandra, or 0 when none runs (or the backend hides it)
 * @param kafkaBootstrap {@code host:port} of the Kafka bootstrap listener
 * @param kafkaPid process id of Kafka, or 0 when none runs (or the backend hides it)
 * @param servers the region's Meridian server instances (empty when the cluster runs none); they share
 *     the region's engines and its appliers' consumer group
 */
public record RegionEndpoints(RegionId region, String dataCenter, String cassandraContactPoint, long cassandraPid,
        String kafkaBootstrap, long kafkaPid, List<ServerEndpoints> servers) {

    public RegionEndpoints {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(dataCenter, "dataCenter");
        Objects.requireNonNull(cassandraContactPoint, "cassandraContactPoint");
        Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
        servers = List.copyOf(servers);
    }

    /** A region with one Meridian server (none when {@code serverUrl} is empty). */
    public RegionEndpoints(RegionId region, String dataCenter, String cassandraContactPoint, long cassandraPid,
            String kafkaBootstrap, long kafkaPid, String serverUrl, String serverAdminUrl, long serverPid) {
        this(region, dataCenter, cassandraContactPoint, cassandraPid, kafkaBootstrap, kafkaPid,
                serverUrl == null || serverUrl.isEmpty() ? List.of()
                        : List.of(new ServerEndpoints(0, serverUrl, serverAdminUrl, serverPid)));
    }

    /** A region without a Meridian server. */
    public RegionEndpoints(RegionId region, String dataCenter, String cassandraContactPoint, long cassandraPid,
            String kafkaBootstrap, long kafkaPid) {
        this(region, dataCenter, cassandraContactPoint, cassandraPid, kafkaBootstrap, kafkaPid, List.of());
    }

    /** Whether the cluster runs a Meridian server in this region. */
    public boolean hasServer() {
        return !servers.isEmpty();
    }

    /** Base URL of the region's first server instance, empty when none. */
    public String serverUrl() {
        return servers.isEmpty() ? "" : servers.get(0).url();
    }

    /** Admin URL of the region's first server instance, empty when none. */
    public String serverAdminUrl() {
        return servers.isEmpty() ? "" : servers.get(0).adminUrl();
    }

    /** Pid of the region's first server instance, 0 when none. */
    public long serverPid() {
        return servers.isEmpty() ? 0 : servers.get(0).pid();
    }

    /**
     * The pid of a component, empty when none is recorded; for {@link Component#SERVER}, the first
     * instance's.
     */
    public OptionalLong pid(Component component) {
        long pid = switch (component) {
            case CASSANDRA -> cassandraPid;
            case KAFKA -> kafkaPid;
            case SERVER -> serverPid();
        };
        return pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    /** Host of the CQL contact point. */
    public String cassandraHost() {
        return HostPort.parse(cassandraContactPoint).host();
    }

    /** Port of the CQL contact point. */
    public int cassandraPort() {
        return HostPort.parse(cassandraContactPoint).port();
    }

    /** Where the region's Cassandra answers, for the region store's sessions and tools. */
    public StoreEndpoint store() {
        return new StoreEndpoint(region, cassandraContactPoint, dataCenter);
    }

    /** Returns a copy with the pid of an engine, or of server {@code instance}, replaced. */
    public RegionEndpoints withPid(Component component, int instance, long pid) {
        List<ServerEndpoints> s = new ArrayList<>(servers);
        if (component == Component.SERVER) {
            s.replaceAll(e -> e.instance() == instance ? e.withPid(pid) : e);
        }
        return new RegionEndpoints(region, dataCenter, cassandraContactPoint,
                component == Component.CASSANDRA ? pid : cassandraPid, kafkaBootstrap,
                component == Component.KAFKA ? pid : kafkaPid, s);
    }

    /** Returns a copy with the pid of {@code component} replaced (the first server instance's for SERVER). */
    public RegionEndpoints withPid(Component component, long pid) {
        return withPid(component, 0, pid);
    }
}
