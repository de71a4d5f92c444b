package io.meridian.server.replication;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.meridian.cache.Invalidation;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.Mutation;
import io.meridian.core.RegionId;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.replicator.ApplyTarget;
import io.meridian.replicator.DeadLetterQueue;
import io.meridian.replicator.ReplicationHealth;
import io.meridian.replicator.Replicator;
import io.meridian.replicator.SourceStatus;
import io.meridian.replicator.Topics;
import io.meridian.server.MeridianConfiguration;
import io.meridian.server.Startup;
import io.meridian.server.engines.RegionEngines;
import io.meridian.store.CassandraStore;
import io.meridian.store.RegionState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The replication capability of a server: the appliers of this region (every source region's log, this region's
 * included, applied to this region's Cassandra, each apply followed by the cache invalidation before its offset may
 * be committed), the dead-letter queue, their metrics, the {@code replication} health check, the alerts they raise,
 * and the {@code /v1/replication} operator API.
 */
public final class ReplicationCapability implements Managed {

    private final MeridianConfiguration config;
    private final Replicator replicator;
    private final DeadLetterQueue deadLetters;
    private final RegionState state;
    private final ReplicationResource resource;

    private ReplicationCapability(MeridianConfiguration config, Replicator replicator, DeadLetterQueue deadLetters, RegionState state,
            ReplicationResource resource) {
        this.config = config;
        this.replicator = replicator;
        this.deadLetters = deadLetters;
        this.state = state;
        this.resource = resource;
    }

    /** Creates the dead-letter topic if needed and builds the appliers (not started: {@link #start}). */
    public static ReplicationCapability create(MeridianConfiguration config, RegionEngines engines, Invalidation invalidation,
            HybridLogicalClock clock, MetricRegistry metrics, Replicator.PositionListener positions, Runnable restarted)
            throws Exception {
        RegionId region = RegionId.of(config.region);
        String bootstrap = config.kafka.bootstrapServers;
        // an open letter is an incident until an operator resolves it: it must never expire (letters are rare)
        Startup.retry("Kafka " + bootstrap + " (dead-letter topic)", () -> Topics.ensureDeadLetters(bootstrap,
                config.replication.deadLetterTopic, config.kafka.replicationFactor));
        CassandraStore store = engines.store();
        RegionState state = engines.state();
        // the offset becomes committable only once the data is in Cassandra and the invalidation is out
        ApplyTarget target = m -> store.namespace(m.namespace()).map(ns -> applyThenInvalidate(store, invalidation, m, ns));
        Map<String, String> sources = new LinkedHashMap<>(config.replication.sources);
        sources.putIfAbsent(region.name(), bootstrap);
        Map<RegionId, Histogram> delays = new ConcurrentHashMap<>();
        long maxAheadMicros = config.writes.maxTokenAhead.toMicroseconds();
        Replicator.Builder b = Replicator.builder().region(region).localBootstrap(bootstrap)
                .topic(config.kafka.topic).deadLetterTopic(config.replication.deadLetterTopic)
                .maxInFlight(config.replication.maxInFlightApplies).gaps(state::gap)
                .caughtUp(Replicator.CaughtUpStore.of(state::caughtUpAt, state::saveCaughtUpAt))
                .target(target)
                .localApplies(engines.localApplies())
                .positions(positions)
                .listener((source, m, delayMicros) -> {
                    // causality across regions: a write accepted here after seeing a remote one gets a later timestamp
                    clock.observeWithin(m.timestampMicros(), maxAheadMicros);
                    delays.computeIfAbsent(source, s -> metrics.histogram("meridian.replication." + s + ".applied-delay-micros"))
                            .update(delayMicros);
                });
        sources.forEach((name, source) -> b.source(RegionId.of(name), source));
        Replicator replicator = b.build();
        DeadLetterQueue deadLetters = new DeadLetterQueue(bootstrap, config.replication.deadLetterTopic, region);
        ReplicationResource resource = new ReplicationResource(region, replicator, deadLetters, target, state, restarted);
        return new ReplicationCapability(config, replicator, deadLetters, state, resource);
    }

    private static CompletionStage<?> applyThenInvalidate(CassandraStore store, Invalidation invalidation, Mutation m,
            io.meridian.store.NamespaceConfig ns) {
        return store.apply(m, ns).thenCompose(r -> invalidation.changed(m.namespace(), m.id()));
    }

    /** How many partitions {@code source}'s log has (0: not known yet). */
    public int partitionCount(RegionId source) {
        return replicator.partitionCount(source);
    }

    /** What this instance's appliers have applied, per source (partition → next offset). */
    public Map<RegionId, Map<Integer, Long>> appliedPositions() {
        return replicator.appliedPositions();
    }

    /** The status as this server sees it, typed (for the restore gate in this process). */
    public Supplier<ReplicationStatus> status() {
        return resource::status;
    }

    /** What an operator must look at, from the appliers, the dead letters and the repair mark (empty: nothing). */
    public List<Supplier<List<String>>> alerts() {
        Duration margin = gcGraceMargin(config);
        return List.of(() -> ReplicationHealth.alerts(replicator.status(), margin, deadLetters.openCount()),
                () -> state.needsRepair().map(why -> List.of("needs repair: " + why
                        + " (meridian repair or meridian rebuild; the region must not take traffic back before)")).orElse(List.of()));
    }

    private static Duration gcGraceMargin(MeridianConfiguration config) {
        return Duration.ofMillis((long) (config.replication.gcGraceSeconds * 1000L * config.replication.maxLagFractionOfGcGrace));
    }

    /** Metrics per source, the {@code replication} health check, the lifecycle and the {@code /v1/replication} API. */
    public void register(Environment env) {
        for (SourceStatus initial : replicator.status()) {
            registerMetrics(env.metrics(), initial.source());
        }
        env.healthChecks().register("replication", new ReplicationCheck(replicator, gcGraceMargin(config)));
        env.lifecycle().manage(this);
        env.jersey().register(resource);
    }

    private void registerMetrics(MetricRegistry metrics, RegionId src) {
        java.util.function.Function<ToLongFunction<SourceStatus>, Gauge<Long>> gauge =
                f -> () -> replicator.status().stream().filter(st -> st.source().equals(src)).mapToLong(f).findFirst().orElse(-1);
        String prefix = "meridian.replication." + src.name() + ".";
        metrics.register(prefix + "lag-offsets", gauge.apply(SourceStatus::lagOffsets));
        metrics.register(prefix + "lag-millis", gauge.apply(SourceStatus::lagMillis));
        metrics.register(prefix + "applied", gauge.apply(SourceStatus::applied));
        metrics.register(prefix + "skipped-own-writes", gauge.apply(SourceStatus::skipped));
        metrics.register(prefix + "dead-letters", gauge.apply(SourceStatus::deadLetters));
        metrics.register(prefix + "held-partitions", gauge.apply(st -> st.held().size()));
    }

    @Override
    public void start() {
        replicator.start();
    }

    @Override
    public void stop() {
        replicator.close();
        deadLetters.close();
    }

    /** Healthy while every source is applied within the gc_grace margin (see {@link ReplicationHealth}). */
    private static final class ReplicationCheck extends HealthCheck {
        private final Replicator replicator;
        private final Duration margin;

        ReplicationCheck(Replicator replicator, Duration margin) {
            this.replicator = replicator;
            this.margin = margin;
        }

        @Override
        protected Result check() {
            ReplicationHealth.Verdict v = ReplicationHealth.evaluate(replicator.status(), margin);
            return v.healthy() ? Result.healthy(v.message()) : Result.unhealthy(v.message());
        }
    }
}
