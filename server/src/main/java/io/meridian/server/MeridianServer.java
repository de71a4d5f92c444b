package io.meridian.server;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.meridian.cache.CacheTier;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.RegionId;
import io.meridian.replicator.LogPosition;
import io.meridian.replicator.MutationLog;
import io.meridian.replicator.ReplicationHealth;
import io.meridian.replicator.Replicator;
import io.meridian.replicator.SourceStatus;
import io.meridian.router.RegionRouter;
import io.meridian.server.api.ErrorMappers;
import io.meridian.server.api.NamespacesResource;
import io.meridian.server.api.RecordsResource;
import io.meridian.server.api.RequestSizeFilter;
import io.meridian.server.internal.CachedReads;
import io.meridian.server.internal.MutationSink;
import io.meridian.server.internal.PageTokens;
import io.meridian.server.internal.WritePath;
import io.meridian.server.internal.router.HealthObservers;
import io.meridian.server.internal.router.StoredRouting;
import io.meridian.store.CassandraStore;
import io.meridian.store.StoredItem;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    private static final Duration STARTUP_RETRY = Duration.ofSeconds(180);

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

    @Override
    public void run(MeridianConfiguration config, Environment env) throws Exception {
        if (config.writes.maxTokenAge.toSeconds() >= config.replication.gcGraceSeconds * config.replication.maxLagFractionOfGcGrace) {
            throw new IllegalArgumentException("writes.maxTokenAge must stay below the gc_grace margin ("
                    + (long) (config.replication.gcGraceSeconds * config.replication.maxLagFractionOfGcGrace) + " s)");
        }
        // refuse a configuration that would be open or leak credentials before touching any engine
        io.meridian.server.auth.Principals.authenticator(config.auth);
        io.meridian.server.auth.Principals.checkTransport(config.getServerFactory(), config.auth.allowPlaintextOffLoopback);
        RegionId region = RegionId.of(config.region);
        String dc = config.cassandra.localDatacenter == null ? config.region : config.cassandra.localDatacenter;

        CassandraStore store = retry("Cassandra " + config.cassandra.contactPoints, () -> CassandraStore.connect(
                config.cassandra.contactPoints, dc, config.cassandra.keyspace, config.cassandra.requestTimeout.toJavaDuration()));
        // schema changes are slow on a loaded machine (nine JVMs starting on two cores): retried like the connection
        retry("Cassandra schema in " + config.cassandra.contactPoints, () -> {
            store.init(dc, config.cassandra.replicationFactor);
            return null;
        });
        retry("Kafka " + config.kafka.bootstrapServers, () -> {
            io.meridian.replicator.Topics.ensure(config.kafka.bootstrapServers, config.kafka.topic, config.kafka.partitions,
                    config.kafka.replicationFactor);
            return null;
        });
        io.meridian.replicator.LocalApplies localApplies = new io.meridian.replicator.LocalApplies();
        MutationLog log = new MutationLog(config.kafka.bootstrapServers, config.kafka.topic,
                config.kafka.appendTimeout.toJavaDuration(), localApplies.writerId());
        io.meridian.store.RegionState regionState = retry("Cassandra schema (region state)", () ->
                new io.meridian.store.RegionState(store, Clock.systemUTC()));
        io.meridian.server.internal.health.EngineProbe engines =
                new io.meridian.server.internal.health.EngineProbe(store, config.kafka.bootstrapServers);
        engines.check();
        env.lifecycle().manage(engines);

        env.lifecycle().manage(new Managed() {
            @Override
            public void stop() {
                log.close();
                store.close();
            }
        });

        // the own region's other server instances (config peers[own region]); none: a single instance
        List<String> siblingUrls = config.peers.getOrDefault(region.name(), List.of());
        CacheTier<List<StoredItem>> tier = null;
        io.meridian.replicator.InvalidationTopic invalidations = null;
        io.meridian.cache.Invalidation invalidation = null;
        if (config.cache.enabled) {
            tier = CachedReads.tier(config.cache.maxWeightBytes, config.cache.namespaceMaxWeightBytes,
                    config.cache.maxRecordBytes, config.cache.negativeTtl.toJavaDuration());
            if (siblingUrls.isEmpty()) {
                invalidation = io.meridian.cache.Invalidation.local(tier); // nobody else to tell: no topic, no consumer
            } else {
                retry("Kafka " + config.kafka.bootstrapServers + " (invalidation topic)", () -> {
                    io.meridian.replicator.Topics.ensure(config.kafka.bootstrapServers, config.cache.invalidationTopic, 1,
                            config.kafka.replicationFactor);
                    return null;
                });
                io.meridian.replicator.InvalidationTopic inv = new io.meridian.replicator.InvalidationTopic(
                        config.kafka.bootstrapServers, config.cache.invalidationTopic, "meridian-" + region + "-" + ProcessHandle.current().pid());
                invalidations = inv;
                invalidation = io.meridian.cache.Invalidation.broadcast(tier, inv::announce);
                CacheTier<List<StoredItem>> receiving = tier;
                Map<String, String> counterNames = Map.of("received", "meridian.cache.invalidations-received",
                        "sent", "meridian.cache.invalidations-sent", "sendFailures", "meridian.cache.invalidation-send-failures");
                counterNames.forEach((k, name) -> env.metrics().register(name, (com.codahale.metrics.Gauge<Long>) () -> inv.counters().get(k)));
                env.lifecycle().manage(new Managed() {
                    @Override
                    public void start() {
                        inv.start(receiving::invalidate, receiving::invalidateAll);
                    }

                    @Override
                    public void stop() {
                        inv.close();
                    }
                });
            }
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
        io.meridian.cache.Invalidation inv = invalidation;
        // after a local write's apply: drop it from the region's caches, then tell the own applier (which waits for
        // this outcome) it may skip the record; only once both are done: otherwise it applies and announces it again
        MutationSink.Applied afterApply = new MutationSink.Applied() {
            @Override
            public void applied(io.meridian.core.Mutation m, LogPosition position) {
                java.util.concurrent.CompletableFuture<Void> dropped = inv == null
                        ? java.util.concurrent.CompletableFuture.completedFuture(null) : inv.changed(m.namespace(), m.id());
                dropped.whenComplete((x, e) -> localApplies.complete(position.partition(), position.offset(), m.timestampMicros(),
                        m.nonce(), e == null));
            }

            @Override
            public void notApplied(io.meridian.core.Mutation m, LogPosition position) {
                localApplies.complete(position.partition(), position.offset(), m.timestampMicros(), m.nonce(), false);
            }
        };

        HybridLogicalClock clock = new HybridLogicalClock(Clock.systemUTC(), config.regionSlot);
        java.util.concurrent.atomic.AtomicLong clockSkewMillis = new java.util.concurrent.atomic.AtomicLong();
        WritePath writes = new WritePath(region, clock, log::append, store::apply, afterApply, new WritePath.Settings(config.writes.maxInFlightAppends,
                config.writes.maxTokenAhead.toJavaDuration(), config.writes.maxTokenAge.toJavaDuration(),
                config.writes.maxClockSkew.toJavaDuration(), config.kafka.appendTimeout.toJavaDuration(),
                config.cassandra.requestTimeout.toJavaDuration().plusSeconds(1)), clockSkewMillis::get, env.metrics());

        io.meridian.server.internal.Failpoints failpoints = new io.meridian.server.internal.Failpoints(config.faults.enabled);
        writes.failpoints(failpoints);
        if (failpoints.enabled()) { // without faults.enabled the task does not exist at all
            env.admin().addTask(new io.dropwizard.servlets.tasks.PostBodyTask("failpoint") {
                @Override
                public void execute(Map<String, List<String>> parameters, String body, java.io.PrintWriter output) {
                    String name = parameters.getOrDefault("name", List.of("")).get(0);
                    String afterText = parameters.getOrDefault("after", List.of("1")).get(0);
                    int after;
                    try {
                        after = Integer.parseInt(afterText);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("after must be a whole number of passes, not '" + afterText + "'", e);
                    }
                    failpoints.arm(name, after);
                    output.println("armed " + name + " at pass " + after);
                }
            });
        }
        Replicator replicatorOrNull = null;
        io.meridian.replicator.DeadLetterQueue deadLettersOrNull = null;
        List<java.util.function.Supplier<List<String>>> alerts = new java.util.ArrayList<>();
        if (config.replication.enabled) {
            Replicator replicator = replicator(config, region, store, inv, localApplies, clock, regionState, env);
            replicatorOrNull = replicator;
            io.meridian.replicator.DeadLetterQueue deadLetters = new io.meridian.replicator.DeadLetterQueue(
                    config.kafka.bootstrapServers, config.replication.deadLetterTopic, region);
            deadLettersOrNull = deadLetters;
            Duration margin = Duration.ofMillis((long) (config.replication.gcGraceSeconds * 1000L
                    * config.replication.maxLagFractionOfGcGrace));
            alerts.add(() -> ReplicationHealth.alerts(replicator.status(), margin, deadLetters.openCount()));
            alerts.add(() -> regionState.needsRepair().map(why -> List.of("needs repair: " + why
                    + " (meridian repair or meridian rebuild; the region must not take traffic back before)")).orElse(List.of()));
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
        long maxSkew = config.writes.maxClockSkew.toMilliseconds();
        alerts.add(() -> Math.abs(clockSkewMillis.get()) > maxSkew ? List.of("clock skewed: " + clockSkewMillis.get()
                + " ms from the median of the regions' clocks (at most " + maxSkew + " ms): writes go to other regions until"
                + " it is fixed (check NTP)") : List.of());
        io.meridian.server.internal.health.RegionHealth health = new io.meridian.server.internal.health.RegionHealth(
                engines, alerts, Clock.systemUTC());
        io.meridian.server.api.ReplicationResource replicationResource = null;
        if (replicatorOrNull != null) {
            MutationSink.Store replayTarget = inv == null ? store::apply
                    : (m, ns) -> store.apply(m, ns).thenCompose(r -> inv.changed(m.namespace(), m.id()));
            replicationResource = new io.meridian.server.api.ReplicationResource(region.name(), replicatorOrNull, deadLettersOrNull,
                    m -> store.namespace(m.namespace()).map(ns -> replayTarget.apply(m, ns)), regionState);
            env.jersey().register(replicationResource);
        }

        env.jersey().register(new RequestSizeFilter());
        env.jersey().register(new ErrorMappers.Api());
        env.jersey().register(new ErrorMappers.BadInput());
        env.jersey().register(new ErrorMappers.TooLarge());
        env.jersey().register(new RecordsResource(store, new CachedReads(store, tier, env.metrics()), writes,
                new PageTokens(config.pageTokenSecret), new io.meridian.server.internal.Admission("reads", config.reads.maxInFlight,
                env.metrics())));
        env.jersey().register(new io.meridian.server.api.CacheResource(region.name(), tier, invalidations));
        // the other regions' server instances; the own region's entry (its other instances) is kept apart
        Map<String, List<String>> peers = new LinkedHashMap<>(config.peers);
        List<String> siblings = peers.getOrDefault(region.name(), List.of());
        peers.remove(region.name());
        // every /v1 endpoint authenticates its caller (HTTP Basic against auth.principals); resources check roles
        env.jersey().register(new io.dropwizard.auth.AuthDynamicFeature(
                new io.dropwizard.auth.basic.BasicCredentialAuthFilter.Builder<io.meridian.server.auth.Caller>()
                        .setAuthenticator(io.meridian.server.auth.Principals.authenticator(config.auth))
                        .setRealm("meridian").buildAuthFilter()));
        env.jersey().register(new io.dropwizard.auth.AuthValueFactoryProvider.Binder<>(io.meridian.server.auth.Caller.class));
        env.jersey().register(new NamespacesResource(store, peers, env.getObjectMapper()));
        if (config.router.enabled) {
            router(config, region, store, writes, peers, siblings, replicationResource == null ? null : replicationResource::status,
                    health, clockSkewMillis, env);
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
            io.meridian.cache.Invalidation invalidations, io.meridian.replicator.LocalApplies localApplies, HybridLogicalClock clock,
            io.meridian.store.RegionState regionState,
            Environment env) throws Exception {
        retry("Kafka " + config.kafka.bootstrapServers + " (dead-letter topic)", () -> {
            // an open letter is an incident until an operator resolves it: it must never expire (letters are rare)
            io.meridian.replicator.Topics.ensureDeadLetters(config.kafka.bootstrapServers, config.replication.deadLetterTopic,
                    config.kafka.replicationFactor);
            return null;
        });
        Map<String, String> sources = new LinkedHashMap<>(config.replication.sources);
        sources.putIfAbsent(region.name(), config.kafka.bootstrapServers);
        Map<RegionId, Histogram> delays = new ConcurrentHashMap<>();
        Replicator.Builder b = Replicator.builder().region(region).localBootstrap(config.kafka.bootstrapServers)
                .topic(config.kafka.topic).deadLetterTopic(config.replication.deadLetterTopic)
                .maxInFlight(config.replication.maxInFlightApplies).gaps(regionState::gap).caughtUp(Replicator.CaughtUpStore.of(regionState::caughtUpAt, regionState::saveCaughtUpAt))
                // the offset becomes committable only once the data is in Cassandra and the invalidation is out
                .target(m -> store.namespace(m.namespace()).map(ns -> invalidations == null ? store.apply(m, ns)
                        : store.apply(m, ns).thenCompose(r -> invalidations.changed(m.namespace(), m.id()))))
                .localApplies(localApplies)
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
            env.metrics().register(prefix + "skipped-own-writes", gauge.apply(SourceStatus::skipped));
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
            Map<String, List<String>> peers, List<String> siblings,
            java.util.function.Supplier<io.meridian.server.api.ReplicationResource.Status> replicationStatus,
            io.meridian.server.internal.health.RegionHealth health, java.util.concurrent.atomic.AtomicLong clockSkewMillis,
            Environment env) throws Exception {
        retry("Cassandra schema (router namespace)", () -> {
            StoredRouting.ensureNamespace(store, System.currentTimeMillis() * 1000);
            return null;
        });
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
        Map<String, List<String>> observed = new LinkedHashMap<>(peers);
        observed.put(region.name(), siblings);
        HealthObservers observers = new HealthObservers(region, regions, observed, ownProblems, peerAuthorization, Clock.systemUTC());
        StoredRouting stored = new StoredRouting(store, writes);
        io.meridian.store.CassandraAcceptor acceptor = retry("Cassandra schema (plan acceptor)", () ->
                new io.meridian.store.CassandraAcceptor(store));
        java.net.http.HttpClient peerHttp = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Map<RegionId, io.meridian.router.PlanAcceptor> remoteAcceptors = new LinkedHashMap<>();
        for (RegionId r : regions) {
            if (!r.equals(region)) {
                remoteAcceptors.put(r, new io.meridian.server.internal.router.HttpAcceptor(peers.getOrDefault(r.name(), List.of()),
                        peerAuthorization, peerHttp));
            }
        }
        io.meridian.router.PlanAgreement agreement = new io.meridian.router.PlanAgreement(region, acceptor, remoteAcceptors,
                config.regionSlot, Duration.ofSeconds(8), Clock.systemUTC());
        long maxLag = config.router.maxCatchUpLag.toMilliseconds();
        com.fasterxml.jackson.databind.ObjectMapper json = env.getObjectMapper();
        // a region is as far as its slowest instance: every instance's status, typed (this one's without HTTP)
        RegionRouter.CatchUp catchUp = (target, ignoring) -> {
            if (target.equals(region) && replicationStatus == null) {
                return java.util.Optional.of("replication is disabled in " + region);
            }
            List<io.meridian.server.internal.router.CatchUpGate.Instance> instances = new java.util.ArrayList<>();
            if (target.equals(region)) {
                instances.add(io.meridian.server.internal.router.CatchUpGate.Instance.of("this instance", replicationStatus.get()));
            }
            for (String url : target.equals(region) ? siblings : peers.getOrDefault(target.name(), List.of())) {
                try {
                    var r = peerHttp.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/v1/replication"))
                            .header("Authorization", peerAuthorization)
                            .timeout(Duration.ofSeconds(3)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    instances.add(r.statusCode() == 200 ? io.meridian.server.internal.router.CatchUpGate.Instance.of(url,
                            json.readValue(r.body(), io.meridian.server.api.ReplicationResource.Status.class))
                            : io.meridian.server.internal.router.CatchUpGate.Instance.failed(url, "HTTP " + r.statusCode()));
                } catch (Exception e) {
                    instances.add(io.meridian.server.internal.router.CatchUpGate.Instance.failed(url, e.toString()));
                }
            }
            return io.meridian.server.internal.router.CatchUpGate.notCaughtUp(instances, ignoring, maxLag);
        };
        RegionRouter router = new RegionRouter(region, regions, Clock.systemUTC(), new RegionRouter.Settings(failAfter,
                config.router.healthyFor.toJavaDuration(), config.router.steps, config.router.bake.toJavaDuration(),
                config.router.automaticFailover), agreement, stored, catchUp, () -> observers.verdicts(failAfter));
        java.util.concurrent.ScheduledExecutorService observing = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meridian-observer");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.ScheduledExecutorService ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meridian-router");
            t.setDaemon(true);
            return t;
        });
        env.lifecycle().manage(new Managed() {
            @Override
            public void start() {
                // the observer on its own thread: an agreement in progress (seconds, on a loaded machine) must never
                // leave this region's observations stale
                observing.scheduleWithFixedDelay(() -> {
                    try {
                        observers.round();
                        clockSkewMillis.set(observers.clockSkewMillis());
                    } catch (RuntimeException e) {
                        LOG.warn("observer round failed: {}", e.toString());
                    }
                }, 1, 1, TimeUnit.SECONDS);
                ticker.scheduleWithFixedDelay(() -> {
                    try {
                        // a region that missed a plan change (cut off, restarted) learns it from a peer that has it
                        observers.newestPlan().filter(p -> p.getValue() > router.plan().version()).ifPresent(p -> {
                            acceptor.invalidate(); // a sibling may have learned it already: read it again
                            io.meridian.router.PlanAcceptor from = remoteAcceptors.get(RegionId.of(p.getKey()));
                            try {
                                io.meridian.router.RoutingPlan newer = from == null ? null : from.latestChosen();
                                if (newer != null) {
                                    acceptor.learn(newer);
                                }
                            } catch (RuntimeException e) {
                                LOG.debug("learning plan v{} from {}: {}", p.getValue(), p.getKey(), e.toString());
                            }
                        });
                        router.tick();
                        if (!router.lastTickProblem().isEmpty()) {
                            LOG.info("router tick changed nothing: {}", router.lastTickProblem());
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("router tick failed: {}", e.toString());
                    }
                }, 1, 1, TimeUnit.SECONDS);
            }

            @Override
            public void stop() {
                observing.shutdownNow();
                ticker.shutdownNow();
            }
        });
        env.jersey().register(new io.meridian.server.api.RouterResource(region.name(), router, acceptor, observers, stored, health,
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

    /**
     * Runs a start-up step until it succeeds, with back-off (1 s doubling to 10 s), for at most {@link #STARTUP_RETRY}:
     * the engines may still be starting, and on a loaded machine even a schema change can time out once.
     */
    private static <T> T retry(String what, Attempt<T> attempt) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + STARTUP_RETRY.toNanos();
        long backoff = 1_000;
        while (true) {
            try {
                T result = attempt.run();
                LOG.info("start-up: {} ready in {} ms", what, (System.nanoTime() - t0) / 1_000_000);
                return result;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " did not succeed within " + STARTUP_RETRY.toSeconds() + " s", e);
                }
                LOG.warn("{} not ready yet ({}); retrying in {} ms", what, e.toString(), backoff);
                TimeUnit.MILLISECONDS.sleep(backoff);
                backoff = Math.min(10_000, backoff * 2);
            }
        }
    }
}
