package io.meridian.server.engines;

import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.meridian.replicator.LocalApplies;
import io.meridian.replicator.MutationLog;
import io.meridian.replicator.Topics;
import io.meridian.server.MeridianConfiguration;
import io.meridian.server.Startup;
import io.meridian.server.health.EngineCheck;
import io.meridian.server.health.EngineProbe;
import io.meridian.store.CassandraStore;
import io.meridian.store.RegionState;
import java.time.Clock;

/**
 * This region's engines as a server uses them: its Cassandra (the region store, with the keyspace and the region's
 * state) and its Kafka (the mutation-log topic and producer). Opened at start-up, each step retried while the
 * engines start; probed in the background ({@code cassandra} and {@code kafka} health checks); closed at stop.
 */
public final class RegionEngines implements Managed {

    private final CassandraStore store;
    private final MutationLog log;
    private final LocalApplies localApplies;
    private final RegionState state;
    private final EngineProbe probe;

    private RegionEngines(CassandraStore store, MutationLog log, LocalApplies localApplies, RegionState state, EngineProbe probe) {
        this.store = store;
        this.log = log;
        this.localApplies = localApplies;
        this.state = state;
        this.probe = probe;
    }

    /** Connects, creates the keyspace and the mutation-log topic if needed, and checks both engines once. */
    public static RegionEngines open(MeridianConfiguration config) throws Exception {
        String dc = dataCenter(config);
        var cassandra = config.cassandra;
        var kafka = config.kafka;
        CassandraStore store = Startup.retry("Cassandra " + cassandra.contactPoints, () -> CassandraStore.connect(
                cassandra.contactPoints, dc, cassandra.keyspace, cassandra.requestTimeout.toJavaDuration()));
        try {
            // schema changes are slow on a loaded machine (nine JVMs starting on two cores): retried like the connection
            Startup.retry("Cassandra schema in " + cassandra.contactPoints, () -> store.init(dc, cassandra.replicationFactor));
            Startup.retry("Kafka " + kafka.bootstrapServers, () -> Topics.ensure(kafka.bootstrapServers, kafka.topic,
                    kafka.partitions, kafka.replicationFactor));
            RegionState state = Startup.retry("Cassandra schema (region state)", () -> new RegionState(store, Clock.systemUTC()));
            LocalApplies localApplies = new LocalApplies();
            MutationLog log = new MutationLog(kafka.bootstrapServers, kafka.topic, kafka.appendTimeout.toJavaDuration(),
                    localApplies.writerId());
            EngineProbe probe = new EngineProbe(store, kafka.bootstrapServers);
            probe.check();
            return new RegionEngines(store, log, localApplies, state, probe);
        } catch (Exception | Error e) {
            store.close();
            throw e;
        }
    }

    /** The Cassandra data centre of this region ({@code cassandra.localDatacenter}, else the region's name). */
    public static String dataCenter(MeridianConfiguration config) {
        return config.cassandra.localDatacenter == null ? config.region : config.cassandra.localDatacenter;
    }

    /** Runs the probe in the background, closes the engines at stop, and registers the engines' health checks. */
    public void register(MeridianConfiguration config, Environment env) {
        env.lifecycle().manage(probe);
        env.lifecycle().manage(this);
        env.healthChecks().register("cassandra", new EngineCheck(probe::cassandraProblem,
                "region " + config.region + " at " + config.cassandra.contactPoints));
        env.healthChecks().register("kafka", new EngineCheck(probe::kafkaProblem,
                "topic " + config.kafka.topic + " at " + config.kafka.bootstrapServers));
    }

    public CassandraStore store() {
        return store;
    }

    public MutationLog log() {
        return log;
    }

    /** The outcomes of local writes, which this region's own applier waits for so it skips what the write path applied. */
    public LocalApplies localApplies() {
        return localApplies;
    }

    /** The region's state in its Cassandra: repair marks, caught-up times. */
    public RegionState state() {
        return state;
    }

    public EngineProbe probe() {
        return probe;
    }

    @Override
    public void stop() {
        log.close();
        store.close();
    }
}
