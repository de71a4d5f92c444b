package io.meridian.server.cache;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.meridian.cache.CacheTier;
import io.meridian.cache.Invalidation;
import io.meridian.cache.RecordCache;
import io.meridian.replicator.InvalidationTopic;
import io.meridian.replicator.Topics;
import io.meridian.server.MeridianConfiguration;
import io.meridian.server.Peers;
import io.meridian.server.Startup;
import io.meridian.server.cache.internal.CachedReads;
import io.meridian.store.CassandraStore;
import io.meridian.store.StoredItem;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/**
 * The cache capability of a server: the cache tier (when {@code cache.enabled}), how the region's caches learn of
 * changes (a region of one instance drops locally; several instances also announce on the region's invalidation
 * topic and listen to it), the cache's metrics and its operator endpoint ({@code /v1/cache}).
 */
public final class CacheCapability {

    /** What a region without a cache does when a record changes: nothing. */
    private static final Invalidation NONE = (namespace, id) -> CompletableFuture.completedFuture(null);

    private final CacheTier<List<StoredItem>> tier;
    private final InvalidationTopic topic;
    private final Invalidation invalidation;

    private CacheCapability(CacheTier<List<StoredItem>> tier, InvalidationTopic topic, Invalidation invalidation) {
        this.tier = tier;
        this.topic = topic;
        this.invalidation = invalidation;
    }

    /** The tier and its invalidation as configured (the invalidation topic is created when there are siblings). */
    public static CacheCapability create(MeridianConfiguration config, Peers peers) throws Exception {
        var c = config.cache;
        CacheTier<List<StoredItem>> tier = c.enabled ? CachedReads.tier(c.maxWeightBytes, c.namespaceMaxWeightBytes, c.maxRecordBytes,
                c.negativeTtl.toJavaDuration()) : null;
        if (peers.siblings().isEmpty()) { // nobody else to tell: no topic, no consumer
            return new CacheCapability(tier, null, tier == null ? NONE : Invalidation.local(tier));
        }
        // with siblings the topic is there even without a cache: it carries the applied positions sessions wait on
        var kafka = config.kafka;
        Startup.retry("Kafka " + kafka.bootstrapServers + " (invalidation topic)", () -> Topics.ensure(kafka.bootstrapServers,
                c.invalidationTopic, 1, kafka.replicationFactor));
        // sessions rely on its order (a position is read after the invalidations it covers): one partition, or no start
        int partitions = Topics.partitionCount(kafka.bootstrapServers, c.invalidationTopic);
        if (partitions != 1) {
            throw new IllegalStateException("topic " + c.invalidationTopic + " has " + partitions + " partitions; it must have"
                    + " exactly 1 (its order carries the applied positions sessions wait on): recreate it with one partition");
        }
        InvalidationTopic topic = new InvalidationTopic(kafka.bootstrapServers, c.invalidationTopic,
                "meridian-" + config.region + "-" + ProcessHandle.current().pid());
        return new CacheCapability(tier, topic, tier == null ? NONE : Invalidation.broadcast(tier, topic::announce));
    }

    /** The region's invalidation topic this instance reads, or null (no siblings: nobody to tell). */
    public InvalidationTopic topic() {
        return topic;
    }

    /**
     * Called after every apply to this region's store (a local write's or a replicated one's); completes once every
     * cache instance of the region will drop the record. A no-op without a cache.
     */
    public Invalidation invalidation() {
        return invalidation;
    }

    /** Reads through the cache (straight from the store without one), whole records up to {@code maxRecordBytes}. */
    public CachedReads reads(CassandraStore store, long maxRecordBytes, MetricRegistry metrics) {
        return new CachedReads(store, tier, maxRecordBytes, metrics);
    }

    /** Metrics, the invalidation listener's lifecycle and the {@code /v1/cache} endpoint. */
    public void register(MeridianConfiguration config, Environment env) {
        if (tier != null) {
            registerMetrics(env.metrics());
        }
        if (topic != null) {
            Map.of("received", "meridian.cache.invalidations-received", "sent", "meridian.cache.invalidations-sent",
                    "sendFailures", "meridian.cache.invalidation-send-failures")
                    .forEach((k, name) -> env.metrics().register(name, new TopicCounter(topic, k)));
            env.lifecycle().manage(new InvalidationListener(topic, tier));
        }
        env.jersey().register(new CacheResource(io.meridian.core.RegionId.of(config.region), tier, topic));
    }

    private void registerMetrics(MetricRegistry metrics) {
        CacheTier<List<StoredItem>> t = tier;
        java.util.function.Function<ToLongFunction<RecordCache.Stats>, Gauge<Long>> gauge = f -> () -> f.applyAsLong(t.total());
        metrics.register("meridian.cache.hits", gauge.apply(s -> s.hits() + s.negativeHits()));
        metrics.register("meridian.cache.misses", gauge.apply(RecordCache.Stats::misses));
        metrics.register("meridian.cache.coalesced", gauge.apply(RecordCache.Stats::coalesced));
        metrics.register("meridian.cache.evictions", gauge.apply(RecordCache.Stats::evictions));
        metrics.register("meridian.cache.weighted-bytes", gauge.apply(RecordCache.Stats::weightedBytes));
        metrics.register("meridian.cache.stale-fills-rejected", gauge.apply(RecordCache.Stats::staleFillsRejected));
        metrics.register("meridian.cache.load-p99-micros", gauge.apply(RecordCache.Stats::loadP99Micros));
        metrics.register("meridian.cache.hit-ratio", (Gauge<Double>) () -> t.total().hitRatio());
    }

    /** One of the invalidation topic's counters, exported as a Dropwizard counter (read-only: the topic counts). */
    private static final class TopicCounter extends com.codahale.metrics.Counter {
        private final InvalidationTopic topic;
        private final String key;

        TopicCounter(InvalidationTopic topic, String key) {
            this.topic = topic;
            this.key = key;
        }

        @Override
        public long getCount() {
            return topic.counters().get(key);
        }
    }

    /** Reads the region's invalidation topic while the server runs and drops what the other instances changed. */
    private static final class InvalidationListener implements Managed {
        private final InvalidationTopic topic;
        private final CacheTier<?> tier;

        InvalidationListener(InvalidationTopic topic, CacheTier<?> tier) {
            this.topic = topic;
            this.tier = tier;
        }

        @Override
        public void start() {
            if (tier == null) {
                topic.start((ns, id) -> { }, () -> { }); // no cache: only the applied positions matter
            } else {
                topic.start(tier::invalidate, tier::invalidateAll);
            }
        }

        @Override
        public void stop() {
            topic.close();
        }
    }
}
