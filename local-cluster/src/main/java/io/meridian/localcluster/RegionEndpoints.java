package io.meridian.localcluster;

import io.meridian.core.RegionId;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Where one region's engines listen, and which processes run them.
 *
 * @param region the region
 * @param dataCenter the Cassandra data-centre name of the region (the driver's local DC)
 * @param cassandraContactPoint {@code host:port} of CQL
 * @param cassandraPid process id of Cassandra, or 0 when none runs (or the backend hides it)
 * @param kafkaBootstrap {@code host:port} of the Kafka bootstrap listener
 * @param kafkaPid process id of Kafka, or 0 when none runs (or the backend hides it)
 */
public record RegionEndpoints(RegionId region, String dataCenter, String cassandraContactPoint, long cassandraPid,
        String kafkaBootstrap, long kafkaPid) {

    public RegionEndpoints {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(dataCenter, "dataCenter");
        Objects.requireNonNull(cassandraContactPoint, "cassandraContactPoint");
        Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
    }

    /** The pid of a component, empty when none is recorded. */
    public OptionalLong pid(Component component) {
        long pid = component == Component.CASSANDRA ? cassandraPid : kafkaPid;
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
        return component == Component.CASSANDRA
                ? new RegionEndpoints(region, dataCenter, cassandraContactPoint, pid, kafkaBootstrap, kafkaPid)
                : new RegionEndpoints(region, dataCenter, cassandraContactPoint, cassandraPid, kafkaBootstrap, pid);
    }
}
