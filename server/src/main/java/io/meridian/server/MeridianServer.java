package io.meridian.server;

import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.RegionId;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.replicator.Replicator;
import io.meridian.server.api.PrometheusMetrics;
import io.meridian.server.auth.Principals;
import io.meridian.server.cache.CacheCapability;
import io.meridian.server.data.DataApi;
import io.meridian.server.data.internal.Sessions;
import io.meridian.server.data.internal.WritePath;
import io.meridian.server.engines.RegionEngines;
import io.meridian.server.health.RegionHealth;
import io.meridian.server.replication.ReplicationCapability;
import io.meridian.server.routing.RoutingCapability;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regional Meridian server: {@code java ... io.meridian.server.MeridianServer server config.yml}.
 * Starts only once the region's Cassandra and Kafka answer (each start-up step is retried for up to three minutes), creates the
 * keyspace and the mutation-log topic if needed, then serves {@code /v1} on the application port and
 * health checks ({@code cassandra}, {@code kafka}) and metrics (Dropwizard's JSON, and Prometheus' text format) on the
 * admin port.
 */
public final class MeridianServer extends Application<MeridianConfiguration> {

    private static final Logger LOG = LoggerFactory.getLogger(MeridianServer.class);
    /** Whether asynchronous answers still start a thread each (see {@link io.meridian.core.AsyncPool}); logged at start. */
    private static boolean threadPerTask; // not computed here: class initialisation runs before main sets the property

    public static void main(String[] args) throws Exception {
        threadPerTask = io.meridian.core.AsyncPool.noThreadPerTask(); // before anything uses the common pool (its javadoc says why)
        new MeridianServer().run(args);
    }

    @Override
    public String getName() {
        return "meridian";
    }

    @Override
    public void initialize(Bootstrap<MeridianConfiguration> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(bootstrap.getConfigurationSourceProvider(),
                substitutor(System::getenv)));
        bootstrap.setMetricRegistry(new io.meridian.server.api.LockFreeMetricRegistry()); // before anything registers a metric
        // peers: one URL or a list per region
        bootstrap.getObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    }

    /**
     * How {@code ${VAR}} and {@code ${VAR:-default}} in the configuration file are replaced (defaults may
     * hold variables themselves); {@code lookup} is the environment in production, a map in tests.
     */
    public static org.apache.commons.text.StringSubstitutor substitutor(java.util.function.UnaryOperator<String> lookup) {
        return new org.apache.commons.text.StringSubstitutor(lookup::apply).setEnableUndefinedVariableException(false)
                .setEnableSubstitutionInVariables(true);
    }

    /** The server as a table of contents: engines, cache, writes, replication, health, data API, routing. */
    @Override
    public void run(MeridianConfiguration config, Environment env) throws Exception {
        LOG.info("{} processor(s), common pool parallelism {}{}", Runtime.getRuntime().availableProcessors(),
                java.util.concurrent.ForkJoinPool.getCommonPoolParallelism(), threadPerTask
                        ? ": every asynchronous answer starts a thread (start the JVM with -D" + io.meridian.core.AsyncPool.PARALLELISM + "=2)"
                        : "");
        checkBeforeStart(config);
        Peers peers = Peers.of(config);
        RegionEngines engines = RegionEngines.open(config);
        engines.register(config, env);
        CacheCapability cache = CacheCapability.create(config, peers);
        cache.register(config, env);

        HybridLogicalClock clock = new HybridLogicalClock(Clock.systemUTC(), config.regionSlot);
        AtomicLong clockSkewMillis = new AtomicLong(); // estimated by the router's observer
        WritePath writes = DataApi.writePath(config, clock, engines, cache.invalidation(), clockSkewMillis::get, env);

        java.util.Set<RegionId> logs = new java.util.TreeSet<>();
        logs.add(RegionId.of(config.region));
        config.replication.sources.keySet().forEach(name -> logs.add(RegionId.of(name)));
        Sessions sessions = new Sessions(cache.topic(), List.copyOf(logs), config.reads.maxSessionWait.toJavaDuration(),
                config.reads.maxSessionWaiters, config.reads.maxSessionWaitersPerCaller);
        List<Supplier<List<String>>> alerts = new ArrayList<>();
        Supplier<ReplicationStatus> replicationStatus = null;
        if (config.replication.enabled) {
            ReplicationCapability replication = ReplicationCapability.create(config, engines, cache.invalidation(), clock,
                    env.metrics(), new Replicator.PositionListener() {
                        @Override
                        public void applied(RegionId source, java.util.Map<Integer, Long> next) {
                            sessions.applied(source, next);
                        }

                        @Override
                        public void reset(RegionId source, int partition, long offset) {
                            sessions.reset(source, partition, offset);
                        }
                    }, sessions::restarted);
            sessions.connect(replication::partitionCount, replication::appliedPositions, engines.state()::needsRepair);
            replication.register(env);
            alerts.addAll(replication.alerts());
            replicationStatus = replication.status();
        }
        alerts.add(clockSkewAlert(config, clockSkewMillis));
        RegionHealth health = new RegionHealth(engines.probe(), alerts, Clock.systemUTC());

        // one authenticator for every path that authenticates (Jersey's filter, the direct paths)
        io.meridian.server.auth.CallerAuthenticator authenticator = Principals.authenticator(config.auth);
        DataApi.register(config, engines, cache.reads(engines.store(), config.reads.maxRecordBytes, env.metrics()), writes,
                sessions, peers, authenticator, env);
        PrometheusMetrics.register(env);
        if (config.router.enabled) {
            RoutingCapability.register(config, peers, new RoutingCapability.Inputs(engines.store(), writes, replicationStatus,
                    health, clockSkewMillis, authenticator), env);
        }
        LOG.info("region {} (slot {}) serving; Cassandra {} dc {}, Kafka {} topic {}", config.region, config.regionSlot,
                config.cassandra.contactPoints, RegionEngines.dataCenter(config), config.kafka.bootstrapServers, config.kafka.topic);
    }

    /** Refuses a configuration that would break a guarantee, be open or leak credentials, before touching any engine. */
    private static void checkBeforeStart(MeridianConfiguration config) {
        double margin = config.replication.gcGraceSeconds * config.replication.maxLagFractionOfGcGrace;
        if (config.writes.maxTokenAge.toSeconds() >= margin) {
            throw new IllegalArgumentException("writes.maxTokenAge must stay below the gc_grace margin (" + (long) margin + " s)");
        }
        Principals.authenticator(config.auth);
        Principals.checkTransport(config.getServerFactory(), config.auth.allowPlaintextOffLoopback);
        RegionId.of(config.region);
        if (!(config.getServerFactory() instanceof BoundedServerFactory)) {
            LOG.warn("server.type is not 'meridian': Jetty's job queue is"
                    + " unbounded, so a flood of connections grows memory instead of being refused (docs/scaling.md)");
        }
    }

    /** An alert while this server's clock is further from the regions' median than {@code writes.maxClockSkew}. */
    private static Supplier<List<String>> clockSkewAlert(MeridianConfiguration config, AtomicLong clockSkewMillis) {
        long maxSkew = config.writes.maxClockSkew.toMilliseconds();
        return () -> Math.abs(clockSkewMillis.get()) > maxSkew ? List.of("clock skewed: " + clockSkewMillis.get()
                + " ms from the median of the regions' clocks (at most " + maxSkew + " ms): writes go to other regions until"
                + " it is fixed (check NTP)") : List.of();
    }
}
