package io.meridian.cache;

import java.util.concurrent.CompletableFuture;

/**
 * How a region's caches learn that a record changed: the cache tier's invalidation policy. It is called only after
 * the change is in the region's store (never before: a read in between would refill the old value), and it drops
 * the record from every cache of the region — this instance's at once, the region's other instances' through a
 * transport (the replicator's invalidation topic) — completing when every instance will have dropped it. Implementations are
 * thread-safe.
 */
@FunctionalInterface
public interface Invalidation {

    /** The record changed in this region's store; completes once every cache instance of the region will drop it. */
    CompletableFuture<Void> changed(String namespace, String id);

    /**
     * A region served by one instance: dropping the record from this instance's tier is all there is to do (no
     * messages, no consumer: nothing to pay for at idle or per write).
     */
    static Invalidation local(CacheTier<?> tier) {
        return (namespace, id) -> {
            tier.invalidate(namespace, id);
            return CompletableFuture.completedFuture(null);
        };
    }

    /**
     * A region served by several instances: the record is dropped from this instance's tier at once, then announced
     * to the others through {@code announce} (a transport such as the replicator's invalidation topic, whose
     * receiving side calls {@link CacheTier#invalidate}); completes when the announcement is acknowledged.
     */
    static Invalidation broadcast(CacheTier<?> tier, java.util.function.BiFunction<String, String, CompletableFuture<Void>> announce) {
        return (namespace, id) -> {
            tier.invalidate(namespace, id);
            return announce.apply(namespace, id);
        };
    }
}
