package io.meridian.server.data;

import com.codahale.metrics.MetricRegistry;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.auth.basic.BasicCredentialAuthFilter;
import io.dropwizard.core.setup.Environment;
import io.meridian.cache.Invalidation;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.RegionId;
import io.meridian.server.MeridianConfiguration;
import io.meridian.server.Peers;
import io.meridian.server.api.ErrorMappers;
import io.meridian.server.api.RequestSizeFilter;
import io.meridian.server.api.TraceFilter;
import io.meridian.server.api.UnreadBodyFilter;
import io.meridian.server.auth.Caller;
import io.meridian.server.auth.CallerAuthenticator;
import io.meridian.server.cache.internal.CachedReads;
import io.meridian.server.data.internal.Admission;
import io.meridian.server.data.internal.FailpointTask;
import io.meridian.server.data.internal.Failpoints;
import io.meridian.server.data.internal.LocalApplyOutcome;
import io.meridian.server.data.internal.PageTokens;
import io.meridian.server.data.internal.StoreGuard;
import io.meridian.server.data.internal.WritePath;
import io.meridian.server.engines.RegionEngines;
import java.util.function.LongSupplier;

/**
 * The data capability of a server: the log-first write path and the {@code /v1} data and namespace API behind
 * authentication, with the request-size filter and error mappers every endpoint shares.
 */
public final class DataApi {

    private DataApi() { }

    /**
     * The write path: append to this region's log, apply to its store, then {@link LocalApplyOutcome}. With
     * {@code faults.enabled} its crash points can be armed through the admin task {@code failpoint}.
     */
    public static WritePath writePath(MeridianConfiguration config, HybridLogicalClock clock, RegionEngines engines,
            Invalidation invalidation, LongSupplier clockSkewMillis, Environment env) {
        var w = config.writes;
        WritePath writes = WritePath.builder().region(RegionId.of(config.region)).clock(clock).log(engines.log()::append)
                .store(engines.store()::apply).guard(new StoreGuard(engines.store())).afterApply(new LocalApplyOutcome(invalidation, engines.localApplies()))
                .settings(new WritePath.Settings(w.maxInFlightAppends, w.maxTokenAhead.toJavaDuration(), w.maxTokenAge.toJavaDuration(),
                        w.maxClockSkew.toJavaDuration(), config.kafka.appendTimeout.toJavaDuration(),
                        config.cassandra.requestTimeout.toJavaDuration().plusSeconds(1)))
                .skewMillis(clockSkewMillis).metrics(env.metrics()).build();
        Failpoints failpoints = new Failpoints(config.faults.enabled);
        writes.failpoints(failpoints);
        if (failpoints.enabled()) { // without faults.enabled the task does not exist at all
            env.admin().addTask(new FailpointTask(failpoints));
        }
        return writes;
    }

    /** Registers authentication, the shared filters and mappers, and the records and namespaces resources. */
    public static void register(MeridianConfiguration config, RegionEngines engines, CachedReads reads, WritePath writes,
            io.meridian.server.data.internal.Sessions sessions, Peers peers, CallerAuthenticator authenticator, Environment env) {
        env.jersey().register(new RequestSizeFilter());
        env.jersey().register(new UnreadBodyFilter());
        env.jersey().register(new TraceFilter());
        env.jersey().register(new io.meridian.server.api.SessionFilter());
        env.jersey().register(new ErrorMappers.Api());
        env.jersey().register(new ErrorMappers.BadInput());
        env.jersey().register(new ErrorMappers.TooLarge());
        env.jersey().register(new ErrorMappers.UnreadableJson());
        MetricRegistry metrics = env.metrics();
        RecordsResource records = new RecordsResource(engines.store(), reads, writes, new PageTokens(config.pageTokenSecret),
                new Admission("reads", config.reads.maxInFlight, metrics), sessions);
        env.jersey().register(records);
        // every /v1 endpoint authenticates its caller (HTTP Basic against auth.principals); resources check roles
        env.jersey().register(new AuthDynamicFeature(new BasicCredentialAuthFilter.Builder<Caller>()
                .setAuthenticator(authenticator).setRealm("meridian").buildAuthFilter()));
        // PUT and plain GET of a record without Jersey's pipeline; everything else passes through to Jersey unchanged. Only
        // where Jersey serves the paths the filter sees (server.rootPath /*, the default): else it would answer paths Jersey does not
        if (io.meridian.server.api.DirectPath.jerseyAtRoot(config.getServerFactory())) {
            env.servlets().addFilter("direct-records", new DirectRecords(records, authenticator, env.getObjectMapper(), metrics))
                    .addMappingForUrlPatterns(java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST), true, DirectRecords.PREFIX + "*");
        }
        env.jersey().register(new AuthValueFactoryProvider.Binder<>(Caller.class));
        env.jersey().register(new NamespacesResource(engines.store(), peers.otherRegions(), env.getObjectMapper()));
    }
}
