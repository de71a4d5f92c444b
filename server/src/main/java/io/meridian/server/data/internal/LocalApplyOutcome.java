package io.meridian.server.data.internal;

import io.meridian.cache.Invalidation;
import io.meridian.core.Mutation;
import io.meridian.replicator.LocalApplies;
import io.meridian.replicator.LogPosition;
import java.util.concurrent.CompletableFuture;

/**
 * What follows a local write's apply: drop the record from the region's caches, then tell this region's own applier
 * (which waits for this outcome) that it may skip the record — only once both are done; otherwise it applies and
 * announces the record again (docs/replication.md argues why skipping is crash-safe).
 */
public final class LocalApplyOutcome implements MutationSink.Applied {

    private final Invalidation invalidation;
    private final LocalApplies localApplies;

    public LocalApplyOutcome(Invalidation invalidation, LocalApplies localApplies) {
        this.invalidation = invalidation;
        this.localApplies = localApplies;
    }

    @Override
    public void applied(Mutation m, LogPosition position) {
        CompletableFuture<Void> dropped = invalidation.changed(m.namespace(), m.id());
        dropped.whenComplete((x, e) -> localApplies.complete(position.partition(), position.offset(), m.timestampMicros(),
                m.nonce(), e == null));
    }

    @Override
    public void notApplied(Mutation m, LogPosition position) {
        localApplies.complete(position.partition(), position.offset(), m.timestampMicros(), m.nonce(), false);
    }
}
