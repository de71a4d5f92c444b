package io.meridian.server;

import com.codahale.metrics.health.HealthCheck;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.lifecycle.Managed;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.RegionId;
import io.meridian.server.api.ErrorMappers;
import io.meridian.server.api.NamespacesResource;
import io.meridian.server.api.RecordsResource;
import io.meridian.server.api.RequestSizeFilter;
import io.meridian.cache.CacheTier;
import io.meridian.server.internal.CachedReads;
import io.meridian.server.internal.CassandraStore;
import io.meridian.server.internal.Invalidations;
import io.meridian.server.internal.MutationSink;
import io.meridian.server.internal.StoredItem;
import io.meridian.server.internal.router.HealthObservers;
import io.meridian.server.internal.router.StoredRouting;
import io.meridian.router.RegionRouter;
import io.meridian.server.internal.MutationLog;
import io.meridian.server.internal.PageTokens;
import io.meridian.server.internal.WritePath;
import io.meridian.replicator.Replicator;
import io.meridian.replicator.SourceStatus;
import io.meridian.replicator.ReplicationHealth;
import com.codahale.metrics.Histogram;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regional Meridian server: {@code java ... io.meridian.server.MeridianServer server config.yml}.
 * Starts only once the region's Cassandra and Kafka answer (it retries for a minute), creates the
 * keyspace and the mutation-log topic if needed, then serves {@code /v1} on the application port and
 * health checks ({@code cassandra}, {@code kafka}) and metrics on the admin port.
 */
public final class MeridianServer extends Application<MeridianConfiguration> {

    private static final Logger LOG = LoggerFactory.getLogger(MeridianServer.class);
    private static final Duration STARTUP_RETRY = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
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
    }

    /**
     * How {@code ${VAR}} and {@code ${VAR:-default}} in the configuration file are replaced (defaults may
     * hold variables themselves); {@code lookup} is the environment in production, a map in tests.
     */
    public static org.apache.commons.text.StringSubstitutor substitutor(java.util.function.UnaryOperator<String> lookup) {
        return new org.apache.commons.text.StringSubstitutor(lookup::apply).setEnableUndefinedVariableException(false)
                .setEnableSubstitutionInVariables(true);
    }

    @Override
    public void run(MeridianConfiguration config, Environment env) throws Exception {
        // refuse a configuration that would be open or leak credentials before touching any engine
        io.meridian.server.auth.Principals.authenticator(config.auth);
        io.meridian.server.auth.Principals.checkTransport(config.getServerFactory(), config.auth.allowPlaintextOffLoopback);
        RegionId region = RegionId.of(config.region);
        String dc = config.cassandra.localDatacenter == null ? config.region : config.cassandra.localDatacenter;

        CqlSession session = retry("Cassandra " + config.cassandra.contactPoints, () -> {
            var builder = CqlSession.builder().withLocalDatacenter(dc).withConfigLoader(DriverConfigLoader.programmaticBuilder()
                    .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, config.cassandra.requestTimeout.toJavaDuration())
                    .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                    .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(5))
                    .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
                    .build());
            for (String cp : config.cassandra.contactPoints) {
                int colon = cp.lastIndexOf(':');
                builder.addContactPoint(new InetSocketAddress(cp.substring(0, colon), Integer.parseInt(cp.substring(colon + 1))));
            }
            return builder.build();
        });
        CassandraStore store = new CassandraStore(session, config.cassandra.keyspace);
        store.init(dc, config.cassandra.replicationFactor);
        retry("Kafka " + config.kafka.bootstrapServers, () -> {
            MutationLog.ensureTopic(config.kafka.bootstrapServers, config.kafka.topic, config.kafka.partitions,
                    config.kafka.replicationFactor);
            return null;
        });
        MutationLog log = new MutationLog(config.kafka.bootstrapServers, config.kafka.topic,
                config.kafka.appendTimeout.toJavaDuration());
        io.meridian.server.internal.health.EngineProbe engines =
                new io.meridian.server.internal.health.EngineProbe(session, config.kafka.bootstrapServers);
        engines.check();
        env.lifecycle().manage(engines);

        env.lifecycle().manage(new Managed() {
            @Override
            public void stop() {
                log.close();
                session.close();
            }
        });

        CacheTier<List<StoredItem>> tier = null;
        Invalidations invalidations = null;
        if (config.cache.enabled) {
            tier = CachedReads.tier(config.cache.maxWeightBytes, config.cache.namespaceMaxWeightBytes,
                    config.cache.maxRecordBytes, config.cache.negativeTtl.toJavaDuration());
            retry("Kafka " + config.kafka.bootstrapServers + " (invalidation topic)", () -> {
                MutationLog.ensureTopic(config.kafka.bootstrapServers, config.cache.invalidationTopic, 1,
                        config.kafka.replicationFactor);
                return null;
            });
            Invalidations inv = new Invalidations(config.kafka.bootstrapServers, config.cache.invalidationTopic,
                    "meridian-" + region + "-" + ProcessHandle.current().pid(), tier, env.metrics());
            invalidations = inv;
            env.lifecycle().manage(new Managed() {
                @Override
                public void start() {
                    inv.start();
                }

                @Override
                public void stop() {
                    inv.close();
                }
            });
            CacheTier<List<StoredItem>> t = tier;
            java.util.function.Function<java.util.function.ToLongFunction<io.meridian.cache.RecordCache.Stats>,
                    com.codahale.metrics.Gauge<Long>> gauge = f -> () -> f.applyAsLong(t.total());
            env.metrics().register("meridian.cache.hits", gauge.apply(s -> s.hits() + s.negativeHits()));
            env.metrics().register("meridian.cache.misses", gauge.apply(io.meridian.cache.RecordCache.Stats::misses));
            env.metrics().register("meridian.cache.coalesced", gauge.apply(io.meridian.cache.RecordCache.Stats::coalesced));
            env.metrics().register("meridian.cache.evictions", gauge.apply(io.meridian.cache.RecordCache.Stats::evictions));
            env.metrics().register("meridian.cache.weighted-bytes", gauge.apply(io.meridian.cache.RecordCache.Stats::weightedBytes));
            env.metrics().register("meridian.cache.stale-fills-rejected",
                    gauge.apply(io.meridian.cache.RecordCache.Stats::staleFillsRejected));
            env.metrics().register("meridian.cache.load-p99-micros", gauge.apply(io.meridian.cache.RecordCache.Stats::loadP99Micros));
            env.metrics().register("meridian.cache.hit-ratio", (com.codahale.metrics.Gauge<Double>) () -> t.total().hitRatio());
        }
        Invalidations inv = invalidations;
        MutationSink.Store applyAndInvalidate = inv == null ? store : (m, ns) -> store.apply(m, ns).thenApply(r -> {
            inv.applied(m.namespace(), m.id()); // local write: not awaited; the own-region applier re-announces it
            return r;
        });

        HybridLogicalClock clock = new HybridLogicalClock(Clock.systemUTC(), config.regionSlot);
        WritePath writes = new WritePath(region, clock, log, applyAndInvalidate, config.writes.maxInFlightAppends,
                config.writes.maxTokenAhead.toJavaDuration(), config.kafka.appendTimeout.toJavaDuration(),
                config.cassandra.requestTimeout.toJavaDuration().plusSeconds(1), env.metrics());

        Replicator replicatorOrNull = null;
        io.meridian.replicator.DeadLetterQueue deadLettersOrNull = null;
        List<java.util.function.Supplier<List<String>>> alerts = new java.util.ArrayList<>();
        if (config.replication.enabled) {
            Replicator replicator = replicator(config, region, store, inv, clock, env);
            replicatorOrNull = replicator;
            io.meridian.replicator.DeadLetterQueue deadLetters = new io.meridian.replicator.DeadLetterQueue(
                    config.kafka.bootstrapServers, config.replication.deadLetterTopic, region);
            deadLettersOrNull = deadLetters;
            Duration margin = Duration.ofMillis((long) (config.replication.gcGraceSeconds * 1000L
                    * config.replication.maxLagFractionOfGcGrace));
            alerts.add(() -> ReplicationHealth.alerts(replicator.status(), margin, deadLetters.openCount()));
            env.lifecycle().manage(new Managed() {
                @Override
                public void start() {
                    replicator.start();
                }

                @Override
                public void stop() {
                    replicator.close();
                    deadLetters.close();
                }
            });
        }
        io.meridian.server.internal.health.RegionHealth health = new io.meridian.server.internal.health.RegionHealth(
                engines, alerts, Clock.systemUTC());
        io.meridian.server.api.ReplicationResource replicationResource = null;
        if (replicatorOrNull != null) {
            MutationSink.Store replayTarget = applyAndInvalidate;
            replicationResource = new io.meridian.server.api.ReplicationResource(region.name(), replicatorOrNull, deadLettersOrNull,
                    m -> store.namespace(m.namespace()).map(ns -> replayTarget.apply(m, ns)));
            env.jersey().register(replicationResource);
        }

        env.jersey().register(new RequestSizeFilter());
        env.jersey().register(new ErrorMappers.Api());
        env.jersey().register(new ErrorMappers.BadInput());
        env.jersey().register(new ErrorMappers.TooLarge());
        env.jersey().register(new RecordsResource(store, new CachedReads(store, tier, env.metrics()), writes,
                new PageTokens(config.pageTokenSecret)));
        env.jersey().register(new io.meridian.server.api.CacheResource(region.name(), tier, inv));
        // one configuration for every region may list the region itself among its peers: never call ourselves
        Map<String, String> peers = new LinkedHashMap<>(config.peers);
        peers.remove(region.name());
        // every /v1 endpoint authenticates its caller (HTTP Basic against auth.principals); resources check roles
        env.jersey().register(new io.dropwizard.auth.AuthDynamicFeature(
                new io.dropwizard.auth.basic.BasicCredentialAuthFilter.Builder<io.meridian.server.auth.Caller>()
                        .setAuthenticator(io.meridian.server.auth.Principals.authenticator(config.auth))
                        .setRealm("meridian").buildAuthFilter()));
        env.jersey().register(new io.dropwizard.auth.AuthValueFactoryProvider.Binder<>(io.meridian.server.auth.Caller.class));
        env.jersey().register(new NamespacesResource(store, peers, env.getObjectMapper()));
        if (config.router.enabled) {
            router(config, region, store, writes, peers, replicationResource == null ? null : replicationResource::status, health, env);
        }

        env.healthChecks().register("cassandra", new ProbeCheck(engines::cassandraProblem,
                "region " + region + " at " + config.cassandra.contactPoints));
        env.healthChecks().register("kafka", new ProbeCheck(engines::kafkaProblem,
                "topic " + config.kafka.topic + " at " + config.kafka.bootstrapServers));
        LOG.info("region {} (slot {}) serving; Cassandra {} dc {}, Kafka {} topic {}", region, config.regionSlot,
                config.cassandra.contactPoints, dc, config.kafka.bootstrapServers, config.kafka.topic);
    }

    /**
     * The appliers of this region: every source region's log (this region's included) applied to this
     * region's Cassandra; lag, dead letters and held partitions as metrics and the {@code replication}
     * health check.
     */
    private static Replicator replicator(MeridianConfiguration config, RegionId region, CassandraStore store,
            Invalidations invalidations, HybridLogicalClock clock, Environment env) throws Exception {
        retry("Kafka " + config.kafka.bootstrapServers + " (dead-letter topic)", () -> {
            MutationLog.ensureTopic(config.kafka.bootstrapServers, config.replication.deadLetterTopic, 1,
                    config.kafka.replicationFactor);
            return null;
        });
        Map<String, String> sources = new LinkedHashMap<>(config.replication.sources);
        sources.putIfAbsent(region.name(), config.kafka.bootstrapServers);
        Map<RegionId, Histogram> delays = new ConcurrentHashMap<>();
        Replicator.Builder b = Replicator.builder().region(region).localBootstrap(config.kafka.bootstrapServers)
                .topic(config.kafka.topic).deadLetterTopic(config.replication.deadLetterTopic)
                .maxInFlight(config.replication.maxInFlightApplies)
                // the offset becomes committable only once the data is in Cassandra and the invalidation is out
                .target(m -> store.namespace(m.namespace()).map(ns -> invalidations == null ? store.apply(m, ns)
                        : store.apply(m, ns).thenCompose(r -> invalidations.applied(m.namespace(), m.id()))))
                .listener((source, m, delayMicros) -> {
                    // causality across regions: a write accepted here after seeing a remote one gets a later timestamp
                    clock.observeWithin(m.timestampMicros(), config.writes.maxTokenAhead.toMicroseconds());
                    delays.computeIfAbsent(source,
                            s -> env.metrics().histogram("meridian.replication." + s + ".applied-delay-micros")).update(delayMicros);
                });
        sources.forEach((name, bootstrap) -> b.source(RegionId.of(name), bootstrap));
        Replicator replicator = b.build();
        for (String name : sources.keySet()) {
            RegionId src = RegionId.of(name);
            java.util.function.Function<java.util.function.ToLongFunction<SourceStatus>, com.codahale.metrics.Gauge<Long>> gauge =
                    f -> () -> replicator.status().stream().filter(st -> st.source().equals(src)).mapToLong(f).findFirst().orElse(-1);
            String prefix = "meridian.replication." + name + ".";
            env.metrics().register(prefix + "lag-offsets", gauge.apply(SourceStatus::lagOffsets));
            env.metrics().register(prefix + "lag-millis", gauge.apply(SourceStatus::lagMillis));
            env.metrics().register(prefix + "applied", gauge.apply(SourceStatus::applied));
            env.metrics().register(prefix + "dead-letters", gauge.apply(SourceStatus::deadLetters));
            env.metrics().register(prefix + "paused-partitions", gauge.apply(st -> st.paused().size()));
        }
        Duration margin = Duration.ofMillis((long) (config.replication.gcGraceSeconds * 1000L
                * config.replication.maxLagFractionOfGcGrace));
        env.healthChecks().register("replication", new HealthCheck() {
            @Override
            protected Result check() {
                ReplicationHealth.Verdict v = ReplicationHealth.evaluate(replicator.status(), margin);
                return v.healthy() ? Result.healthy(v.message()) : Result.unhealthy(v.message());
            }
        });
        return replicator;
    }

    /**
     * The region router of this server: its observer (probes every region each second and shares what it
     * sees), the state machine over the plan stored in Meridian itself, and the operator API behind HTTP
     * Basic authentication.
     */
    private static void router(MeridianConfiguration config, RegionId region, CassandraStore store, WritePath writes,
            Map<String, String> peers, java.util.function.Supplier<io.meridian.server.api.ReplicationResource.Status> replicationStatus,
            io.meridian.server.internal.health.RegionHealth health, Environment env) {
        StoredRouting.ensureNamespace(store, System.currentTimeMillis() * 1000);
        java.util.TreeSet<String> names = new java.util.TreeSet<>(peers.keySet());
        names.addAll(config.replication.sources.keySet());
        names.add(region.name());
        List<RegionId> regions = names.stream().map(RegionId::of).toList();
        // only what stops this region from serving counts toward failing it; alerts (DEGRADED) never evacuate it
        java.util.function.Supplier<String> ownProblems = () -> {
            var report = health.report();
            return report.level() == io.meridian.server.internal.health.RegionHealth.Level.DOWN
                    ? String.join("; ", report.down()) : null;
        };
        Duration failAfter = config.router.failAfter.toJavaDuration();
        String peerAuthorization = peerAuthorization(config);
        HealthObservers observers = new HealthObservers(region, regions, peers, ownProblems, peerAuthorization, Clock.systemUTC());
        StoredRouting stored = new StoredRouting(store, writes);
        long maxLag = config.router.maxCatchUpLag.toMilliseconds();
        com.fasterxml.jackson.databind.ObjectMapper json = env.getObjectMapper();
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        RegionRouter.CatchUp catchUp = (target, ignoring) -> {
            io.meridian.server.api.ReplicationResource.Status status;
            try {
                if (target.equals(region)) {
                    if (replicationStatus == null) {
                        return java.util.Optional.of("replication is disabled in " + region);
                    }
                    status = replicationStatus.get();
                } else {
                    String url = peers.get(target.name());
                    if (url == null) {
                        return java.util.Optional.of("no server of " + target + " is configured as a peer");
                    }
                    var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/v1/replication"))
                            .header("Authorization", peerAuthorization)
                            .timeout(Duration.ofSeconds(3)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    status = json.readValue(r.body(), io.meridian.server.api.ReplicationResource.Status.class);
                }
            } catch (Exception e) {
                return java.util.Optional.of("its replication status is unreadable (" + e + ")");
            }
            List<String> problems = new java.util.ArrayList<>();
            for (var s : status.sources()) {
                if (ignoring.contains(RegionId.of(s.source()))) {
                    continue; // a failed region's log cannot be read: that lag is expected
                }
                if (s.lagOffsets() < 0) {
                    problems.add("source " + s.source() + " unreachable");
                } else if (!s.caughtUp() && s.lagMillis() > maxLag) {
                    problems.add("from " + s.source() + " " + s.lagMillis() + " ms behind (" + s.lagOffsets()
                            + " mutations; limit " + maxLag + " ms)");
                }
                if (!s.held().isEmpty()) {
                    problems.add("held partitions from " + s.source() + ": " + s.held());
                }
            }
            if (status.openDeadLetters() != 0) {
                problems.add(status.openDeadLetters() < 0 ? "its dead letters cannot be counted (Kafka does not answer)"
                        : status.openDeadLetters() + " open dead letter(s): replay or discard them first");
            }
            return problems.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(String.join("; ", problems));
        };
        RegionRouter router = new RegionRouter(region, regions, Clock.systemUTC(), new RegionRouter.Settings(failAfter,
                config.router.healthyFor.toJavaDuration(), config.router.steps, config.router.bake.toJavaDuration(),
                config.router.automaticFailover), stored, stored, catchUp, () -> observers.verdicts(failAfter));
        java.util.concurrent.ScheduledExecutorService ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meridian-router");
            t.setDaemon(true);
            return t;
        });
        env.lifecycle().manage(new Managed() {
            @Override
            public void start() {
                ticker.scheduleWithFixedDelay(() -> {
                    try {
                        observers.round();
                        router.tick();
                    } catch (RuntimeException e) {
                        LOG.warn("router tick failed: {}", e.toString());
                    }
                }, 1, 1, TimeUnit.SECONDS);
            }

            @Override
            public void stop() {
                ticker.shutdownNow();
            }
        });
        env.jersey().register(new io.meridian.server.api.RouterResource(region.name(), router, observers, stored, health,
                failAfter));
    }

    /** The HTTP Basic header this server sends to its peers ({@code auth.peer}). */
    static String peerAuthorization(MeridianConfiguration config) {
        if (config.auth.peer == null) {
            throw new IllegalArgumentException("auth.peer is missing: the router calls the other regions' servers as a peer");
        }
        return "Basic " + java.util.Base64.getEncoder().encodeToString((config.auth.peer.user + ":" + config.auth.peer.secret)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A Dropwizard health check that reads the engine probe's last result (no engine query per call). */
    private static final class ProbeCheck extends HealthCheck {
        private final java.util.function.Supplier<String> problem;
        private final String detail;

        ProbeCheck(java.util.function.Supplier<String> problem, String detail) {
            this.problem = problem;
            this.detail = detail;
        }

        @Override
        protected Result check() {
            String p = problem.get();
            return p == null ? Result.healthy(detail) : Result.unhealthy(p);
        }
    }

    interface Attempt<T> {
        T run() throws Exception;
    }

    private static <T> T retry(String what, Attempt<T> attempt) throws Exception {
        long deadline = System.nanoTime() + STARTUP_RETRY.toNanos();
        while (true) {
            try {
                return attempt.run();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " did not answer within " + STARTUP_RETRY.toSeconds() + " s", e);
                }
                LOG.warn("{} not reachable yet ({}); retrying", what, e.toString());
                TimeUnit.SECONDS.sleep(1);
            }
        }
    }
}
