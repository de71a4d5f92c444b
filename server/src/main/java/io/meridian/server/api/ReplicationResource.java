package io.meridian.server.api;

import com.codahale.metrics.annotation.Timed;
import io.meridian.replicator.Replicator;
import io.meridian.replicator.SourceStatus;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /v1/replication}: this region's appliers, one entry per source region. */
@Path("/v1/replication")
@Produces(MediaType.APPLICATION_JSON)
public final class ReplicationResource {

    /** One source region, as JSON. */
    public record Source(String source, int assignedPartitions, long lagOffsets, long lagMillis,
            long lastAppliedTimestamp, long applied, long deadLetters, List<String> held, String lastError, boolean caughtUp,
            int topicPartitions) {
    }

    /**
     * The body.
     *
     * @param openDeadLetters dead letters of this region not yet replayed or discarded (-1: unknown)
     * @param needsRepair why this region misses mutations (a log gap) until a repair or rebuild, or null
     * @param appliersRunning false while an operator has the appliers stopped (a rebuild)
     */
    public record Status(String region, List<Source> sources, long openDeadLetters, String needsRepair, boolean appliersRunning) {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplicationResource.class);
    private final String region;
    private final Replicator replicator;
    private final io.meridian.replicator.DeadLetterQueue deadLetters;
    private final io.meridian.replicator.ApplyTarget replayTarget;
    private final io.meridian.server.internal.RegionState state;

    public ReplicationResource(String region, Replicator replicator, io.meridian.replicator.DeadLetterQueue deadLetters,
            io.meridian.replicator.ApplyTarget replayTarget, io.meridian.server.internal.RegionState state) {
        this.state = state;
        this.region = region;
        this.replicator = replicator;
        this.deadLetters = deadLetters;
        this.replayTarget = replayTarget;
    }

    @GET
    @Timed(name = "replication-status")
    public Status get(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller caller) {
        io.meridian.server.auth.Authorization.require(caller, io.meridian.server.auth.Caller.Role.PEER,
                io.meridian.server.auth.Caller.Role.OPERATOR);
        return status();
    }

    /** The status as this server sees it (for the restore gate in this process). */
    public Status status() {
        return new Status(region, replicator.status().stream().map(ReplicationResource::toJson).toList(), deadLetters.openCount(),
                state.needsRepair().orElse(null), replicator.running());
    }

    /** {@code GET /v1/replication/dead-letters}: this region's open dead letters, oldest first (operators). */
    @GET
    @Path("/dead-letters")
    public List<io.meridian.core.wire.DeadLetterJson> deadLetters(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator,
            @jakarta.ws.rs.QueryParam("limit") Integer limit) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 10_000) {
            throw io.meridian.server.ApiException.badRequest("limit must be within 1..10000");
        }
        return deadLetters.open(n).stream().map(ReplicationResource::toJson).toList();
    }

    /**
     * {@code POST /v1/replication/dead-letters/replay}: applies the open letters through {@code through} (all when
     * null) in this region with their original timestamps, resolving each that applied; stops at the first that
     * does not (operators).
     */
    @jakarta.ws.rs.POST
    @Path("/dead-letters/replay")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public io.meridian.core.wire.DeadLetterResult replay(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator,
            io.meridian.core.wire.DeadLetterAction action) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        long through = action == null || action.through() == null ? Long.MAX_VALUE : action.through();
        var r = deadLetters.replay(through, replayTarget);
        LOG.warn("operator {} replayed {} dead letter(s) in {}{}", operator.getName(), r.replayed(), region,
                r.failedOffset().map(o -> "; stopped at " + o + ": " + r.error()).orElse(""));
        return new io.meridian.core.wire.DeadLetterResult(region, "replay", r.replayed(), r.failedOffset().orElse(null), r.error(),
                deadLetters.openCount());
    }

    /**
     * {@code POST /v1/replication/dead-letters/discard}: resolves the open letters through {@code through} (all
     * when null) without applying them; a reason is required (operators). Discarding a letter of another region's
     * log marks this region as needing repair (it may miss a write its origin acknowledged).
     */
    @jakarta.ws.rs.POST
    @Path("/dead-letters/discard")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public io.meridian.core.wire.DeadLetterResult discard(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator,
            io.meridian.core.wire.DeadLetterAction action) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        requireReason(action, "say why these writes need not be applied");
        long before = deadLetters.openCount();
        long through = action.through() == null ? Long.MAX_VALUE : action.through();
        // a mutation of another region's log that is discarded here may have been acknowledged there (the origin
        // applied it before it answered): this region then misses it until a repair. Marked before the discard, so a
        // failure leaves the letters open rather than a region that silently misses writes. Letters of this region's
        // own log were never acknowledged (the write path answers 4xx when its apply fails for good), undecodable
        // ones were never valid writes.
        List<io.meridian.replicator.DeadLetterQueue.Letter> letters = deadLetters.open(Integer.MAX_VALUE).stream()
                .filter(l -> l.offset() <= through).toList();
        List<io.meridian.replicator.DeadLetterQueue.Letter> others = letters.stream()
                .filter(l -> l.mutation().isPresent() && !region.equals(l.sourceRegion())).toList();
        if (!others.isEmpty() || (action.through() == null && letters.size() < before)) {
            String first = others.isEmpty() ? "not all letters could be read"
                    : "first: " + others.get(0).mutation().get().namespace() + "/" + others.get(0).mutation().get().id() + " from "
                    + others.get(0).sourceRegion();
            state.markNeedsRepair("operator " + operator.getName() + " discarded " + others.size()
                    + " dead letter(s) of other regions' logs (" + first + "): where their origin applied them this region misses"
                    + " them until meridian repair");
        }
        deadLetters.discardThrough(through);
        long after = deadLetters.openCount();
        LOG.warn("operator {} discarded dead letters through {} in {}: {}", operator.getName(),
                action.through() == null ? "the end" : action.through(), region, action.reason());
        return new io.meridian.core.wire.DeadLetterResult(region, "discard", Math.max(0, before - after), null, "", after);
    }

    /**
     * {@code POST /v1/replication/needs-repair/clear}: an operator (or {@code meridian repair} / {@code rebuild},
     * once the region is whole again) clears the repair flag; a reason is required.
     */
    @jakarta.ws.rs.POST
    @Path("/needs-repair/clear")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public Status clearNeedsRepair(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator,
            io.meridian.core.wire.DeadLetterAction action) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        requireReason(action, "say what made the region whole");
        LOG.warn("operator {} cleared the repair flag of {} ({}): {}", operator.getName(), region, state.needsRepair().orElse("not set"),
                action.reason());
        state.clearNeedsRepair();
        return status();
    }

    /**
     * {@code POST /v1/replication/appliers/stop}: stops this server's appliers (they leave their consumer groups), so
     * an operator can set the groups' positions (a rebuild). Operators.
     */
    @jakarta.ws.rs.POST
    @Path("/appliers/stop")
    public Status stopAppliers(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        LOG.warn("operator {} stops the appliers of this server in {}", operator.getName(), region);
        replicator.pause();
        return status();
    }

    /** {@code POST /v1/replication/appliers/start}: starts them again from the groups' positions. Operators. */
    @jakarta.ws.rs.POST
    @Path("/appliers/start")
    public Status startAppliers(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        LOG.warn("operator {} starts the appliers of this server in {}", operator.getName(), region);
        replicator.resume();
        return status();
    }

    private static void requireReason(io.meridian.core.wire.DeadLetterAction action, String hint) {
        if (action == null || action.reason() == null || action.reason().isBlank()) {
            throw io.meridian.server.ApiException.badRequest("reason is required: " + hint);
        }
    }

    static io.meridian.core.wire.DeadLetterJson toJson(io.meridian.replicator.DeadLetterQueue.Letter l) {
        var m = l.mutation();
        return new io.meridian.core.wire.DeadLetterJson(l.offset(), l.atMillis(), l.sourceRegion(), l.sourceTopic(),
                l.sourcePartition(), l.sourceOffset(), l.error(), l.key(), m.map(x -> x.namespace()).orElse(null),
                m.map(x -> x.id()).orElse(null), m.map(x -> x.timestampMicros()).orElse(null), m.map(x -> x.operations().size()).orElse(0));
    }

    /**
     * {@code POST /v1/replication/delays}: per source, timestamp→applied delay percentiles (µs) since the
     * previous call, which starts a new interval (for benchmarks). POST because it resets.
     */
    @jakarta.ws.rs.POST
    @Path("/delays")
    public List<Delays> takeDelays(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller caller) {
        io.meridian.server.auth.Authorization.require(caller, io.meridian.server.auth.Caller.Role.OPERATOR);
        return replicator.takeDelays().stream().map(d -> new Delays(d.source().name(), d.count(), d.p50(), d.p99(), d.p999(),
                d.max())).toList();
    }

    /** Delay percentiles of one source in µs, as JSON. */
    public record Delays(String source, long count, long p50, long p99, long p999, long max) {
    }

    public static Source toJson(SourceStatus s) {
        return new Source(s.source().name(), s.assignedPartitions(), s.lagOffsets(), s.lagMillis(),
                s.lastAppliedTimestampMicros(), s.applied(), s.deadLetters(), s.paused(), s.lastError(), s.caughtUp(),
                s.topicPartitions());
    }
}
