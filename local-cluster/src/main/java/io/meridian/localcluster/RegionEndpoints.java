package io.meridian.localcluster;

import io.meridian.core.RegionId;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Where one region's engines and server listen, and which processes run them.
 *
 * @param region the region
 * @param dataCenter the Cassandra data-centre name of the region (the driver's local DC)
 * @param cassandraContactPoint {@code host:port} of CQL
 * @param cassandraPid process id of Cassandra, or 0 when none runs (or the backend hides it)
 * @param kafkaBootstrap {@code host:port} of the Kafka bootstrap listener
 * @param kafkaPid process id of Kafka, or 0 when none runs (or the backend hides it)
 * @param serverUrl base URL of the region's Meridian server ({@code /v1}), empty when the cluster runs none
 * @param serverAdminUrl base URL of the server's admin port (health checks, metrics), empty when none
 * @param serverPid process id of the server, or 0 when none runs
 */
public record RegionEndpoints(RegionId region, String dataCenter, String cassandraContactPoint, long cassandraPid,
        String kafkaBootstrap, long kafkaPid, String serverUrl, String serverAdminUrl, long serverPid) {

    public RegionEndpoints {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(dataCenter, "dataCenter");
        Objects.requireNonNull(cassandraContactPoint, "cassandraContactPoint");
        Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
        serverUrl = serverUrl == null ? "" : serverUrl;
        serverAdminUrl = serverAdminUrl == null ? "" : serverAdminUrl;
    }

    /** A region without a Meridian server. */
    public RegionEndpoints(RegionId region, String dataCenter, String cassandraContactPoint, long cassandraPid,
            String kafkaBootstrap, long kafkaPid) {
        this(region, dataCenter, cassandraContactPoint, cassandraPid, kafkaBootstrap, kafkaPid, "", "", 0);
    }

    /** Whether the cluster runs a Meridian server in this region. */
    public boolean hasServer() {
        return !serverUrl.isEmpty();
    }

    /** The pid of a component, empty when none is recorded. */
    public OptionalLong pid(Component component) {
        long pid = switch (component) {
            case CASSANDRA -> cassandraPid;
            case KAFKA -> kafkaPid;
            case SERVER -> serverPid;
        };
        return pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    /** Host of the CQL contact point. */
    public String cassandraHost() {
        return cassandraContactPoint.substring(0, cassandraContactPoint.lastIndexOf(':'));
    }

    /** Port of the CQL contact point. */
    public int cassandraPort() {
        return Integer.parseInt(cassandraContactPoint.substring(cassandraContactPoint.lastIndexOf(':') + 1));
    }

    /** Returns a copy with the pid of {@code component} replaced. */
    public RegionEndpoints withPid(Component component, long pid) {
        return new RegionEndpoints(region, dataCenter, cassandraContactPoint,
                component == Component.CASSANDRA ? pid : cassandraPid, kafkaBootstrap,
                component == Component.KAFKA ? pid : kafkaPid, serverUrl, serverAdminUrl,
                component == Component.SERVER ? pid : serverPid);
    }
}
