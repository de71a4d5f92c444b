package io.meridian.server.cache;

import io.meridian.cache.CacheTier;
import io.meridian.cache.RecordCache;
import io.meridian.core.wire.CacheStatus;
import io.meridian.replicator.InvalidationTopic;
import io.meridian.store.StoredItem;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/cache}: this server instance's cache counters, in total and per namespace. */
@Path("/v1/cache")
@Produces(MediaType.APPLICATION_JSON)
public final class CacheResource {

    private final io.meridian.core.RegionId region;
    private final CacheTier<List<StoredItem>> tier;
    private final InvalidationTopic invalidations;

    public CacheResource(io.meridian.core.RegionId region, CacheTier<List<StoredItem>> tier, InvalidationTopic invalidations) {
        this.region = region;
        this.tier = tier;
        this.invalidations = invalidations;
    }

    @GET
    public CacheStatus status(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller caller) {
        io.meridian.server.auth.Authorization.require(caller, io.meridian.server.auth.Caller.Role.OPERATOR,
                io.meridian.server.auth.Caller.Role.PEER);
        if (tier == null) {
            return new CacheStatus(region, false, counters(RecordCache.Stats.ZERO), Map.of(), Map.of());
        }
        Map<String, CacheStatus.Counters> byNs = new LinkedHashMap<>();
        tier.stats().forEach((ns, s) -> byNs.put(ns, counters(s)));
        return new CacheStatus(region, true, counters(tier.total()), byNs, invalidations == null
                ? Map.of("received", 0L, "sent", 0L, "sendFailures", 0L) : invalidations.counters());
    }

    /**
     * {@code POST /v1/cache/clear}: drops every cached record of this server instance (after a rebuild replaced the
     * region's data underneath it). Operators.
     */
    @jakarta.ws.rs.POST
    @Path("/clear")
    public CacheStatus clear(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller caller) {
        io.meridian.server.auth.Authorization.require(caller, io.meridian.server.auth.Caller.Role.OPERATOR);
        if (tier != null) {
            tier.invalidateAll();
        }
        return status(caller);
    }

    private static CacheStatus.Counters counters(RecordCache.Stats s) {
        return new CacheStatus.Counters(s.reads(), s.hitRatio(), s.hits(), s.negativeHits(), s.misses(), s.coalesced(),
                s.loadFailures(), s.staleFillsRejected(), s.oversized(), s.invalidations(), s.evictions(),
                s.cacheFailures(), s.entries(), s.weightedBytes(), s.maxWeightBytes(), s.loadP50Micros(), s.loadP99Micros());
    }
}
