package io.meridian.server.replication;

import com.codahale.metrics.annotation.Timed;
import io.meridian.core.wire.ReplicationDelays;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.replicator.Replicator;
import io.meridian.replicator.SourceStatus;
import io.meridian.server.ApiException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /v1/replication}: this region's appliers, one entry per source region. */
@Path("/v1/replication")
@Produces(MediaType.APPLICATION_JSON)
public final class ReplicationResource {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplicationResource.class);
    private final io.meridian.core.RegionId region;
    private final Replicator replicator;
    private final io.meridian.replicator.DeadLetterQueue deadLetters;
    private final io.meridian.replicator.ApplyTarget replayTarget;
    private final io.meridian.store.RegionState state;
    private final Runnable restarted;

    /** @param restarted told after the appliers were started again (sessions forget the positions they knew) */
    public ReplicationResource(io.meridian.core.RegionId region, Replicator replicator, io.meridian.replicator.DeadLetterQueue deadLetters,
            io.meridian.replicator.ApplyTarget replayTarget, io.meridian.store.RegionState state, Runnable restarted) {
        this.state = state;
        this.restarted = restarted;
        this.region = region;
        this.replicator = replicator;
        this.deadLetters = deadLetters;
        this.replayTarget = replayTarget;
    }

    @GET
    @Timed(name = "replication-status")
    public ReplicationStatus get(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller caller) {
        io.meridian.server.auth.Authorization.require(caller, io.meridian.server.auth.Caller.Role.PEER,
                io.meridian.server.auth.Caller.Role.OPERATOR);
        return status();
    }

    /** The status as this server sees it (for the restore gate in this process). */
    public ReplicationStatus status() {
        var mark = state.mark();
        return new ReplicationStatus(region, replicator.status().stream().map(ReplicationResource::toJson).toList(), deadLetters.openCount(),
                mark.map(io.meridian.store.RegionState.Mark::text).orElse(null), replicator.running(),
                mark.map(io.meridian.store.RegionState.Mark::operatorOnly).orElse(false));
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
                deadLetters.openCount(), null, state.needsRepair().orElse(null));
    }

    /**
     * {@code POST /v1/replication/dead-letters/discard}: resolves the open letters through {@code through} (all there
     * are when the call begins, when null) without applying them; a reason is required (operators).
     *
     * <p>Every discard marks this region as needing repair, naming what it dropped: any letter may be a write some
     * region acknowledged (another region's, which its origin applied before answering, or this region's own
     * answered 503 "durable" and never applied anywhere), and this region then misses it until a repair copies it
     * or an operator who checked clears the mark. The mark is recorded before anything is resolved, and only letters
     * that were read (and so are named in the mark) are resolved: one arriving meanwhile stays open.
     */
    @jakarta.ws.rs.POST
    @Path("/dead-letters/discard")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public io.meridian.core.wire.DeadLetterResult discard(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator,
            io.meridian.core.wire.DeadLetterAction action) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        requireReason(action, "say why these writes need not be applied");
        long through = action.through() == null ? Long.MAX_VALUE : action.through();
        if (through < 0) {
            throw io.meridian.server.ApiException.badRequest("through must not be negative");
        }
        Discarded seen = new Discarded();
        io.meridian.replicator.DeadLetterQueue.Scan scan;
        try {
            scan = deadLetters.examine(through, java.time.Duration.ofSeconds(20), seen::add);
        } catch (RuntimeException e) {
            throw io.meridian.server.ApiException.unavailable("the dead-letter topic could not be read: nothing discarded", e);
        }
        String unfinished = scan.complete() ? "" : "read " + scan.examined() + " letter(s) in the time allowed: the later ones stay"
                + " open, discard again";
        if (scan.examined() == 0) {
            return new io.meridian.core.wire.DeadLetterResult(region, "discard", 0, null, unfinished, deadLetters.openCount(), null,
                    state.needsRepair().orElse(null));
        }
        String mark = "operator " + operator.getName() + " discarded " + scan.examined() + " dead letter(s), offsets " + scan.from()
                + ".." + (scan.next() - 1) + " (" + seen.describe() + "): a write among them that some region acknowledged is"
                + " missing here until meridian repair copies it from a region that has it";
        io.meridian.store.RegionState.Marked marked;
        try {
            marked = state.markNeedsRepair(mark, true);
        } catch (RuntimeException e) {
            throw io.meridian.server.ApiException.unavailable("the repair mark could not be recorded (or it is unknown whether it"
                    + " was): nothing discarded", e);
        }
        String now = marked.now().text();
        boolean resolved;
        try {
            resolved = deadLetters.resolve(scan);
        } catch (RuntimeException e) {
            throw io.meridian.server.ApiException.unavailable("the repair mark is recorded (" + now + "), but whether the letters"
                    + " were resolved is unknown (" + e.getMessage() + "): list them and discard again if they are still open", e);
        }
        if (!resolved) {
            throw new io.meridian.server.ApiException(409, "letters were resolved by another call while this one read them: nothing"
                    + " discarded (the repair mark it recorded stays: " + now + ")", false, 0, null);
        }
        LOG.warn("operator {} discarded dead letters {}..{} in {} ({}): {}", operator.getName(), scan.from(), scan.next() - 1, region,
                seen.describe(), action.reason());
        return new io.meridian.core.wire.DeadLetterResult(region, "discard", scan.examined(), null, unfinished, deadLetters.openCount(),
                marked.incident(), now);
    }

    /** What a discard drops, named in the repair mark: the first few letters and the count of the rest. */
    static final class Discarded {
        private static final int NAMED = 3;
        private final List<String> first = new java.util.ArrayList<>();
        private long more;

        void add(io.meridian.replicator.DeadLetterQueue.Letter l) {
            if (first.size() < NAMED) {
                first.add(l.mutation().map(m -> m.namespace() + "/" + m.id() + "@" + m.timestampMicros())
                        .orElse("unreadable " + (l.key().isEmpty() ? "message" : l.key())) + " from " + l.sourceRegion());
            } else {
                more++;
            }
        }

        String describe() {
            return String.join(", ", first) + (more > 0 ? " and " + more + " more" : "");
        }
    }

    /**
     * {@code POST /v1/replication/needs-repair/clear}: an operator (or {@code meridian repair} / {@code rebuild},
     * once the region is whole again) clears the repair mark; a reason is required. With {@code expected}, only if
     * the mark is still exactly that: 409 naming the mark when an incident arrived since the caller looked.
     */
    @jakarta.ws.rs.POST
    @Path("/needs-repair/clear")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public ReplicationStatus clearNeedsRepair(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator,
            io.meridian.core.wire.RepairMarkClear clear) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        if (clear == null || clear.reason() == null || clear.reason().isBlank()) {
            throw io.meridian.server.ApiException.badRequest("reason is required: say what made the region whole");
        }
        java.util.Optional<String> left;
        try {
            left = state.clearNeedsRepair(java.util.Optional.ofNullable(clear.expected()));
        } catch (RuntimeException e) {
            throw io.meridian.server.ApiException.unavailable("the region's Cassandra did not answer in time: whether the mark was"
                    + " cleared is unknown (GET /v1/replication shows it)", e);
        }
        if (left.isPresent()) {
            throw new io.meridian.server.ApiException(409, "the repair mark changed since it was read (an incident arrived meanwhile)"
                    + " and stays: " + left.get(), false, 0, null);
        }
        LOG.warn("operator {} cleared the repair mark of {} ({}): {}", operator.getName(), region,
                clear.expected() == null ? "whatever it was" : clear.expected(), clear.reason());
        return status();
    }

    /**
     * {@code POST /v1/replication/appliers/stop}: stops this server's appliers (they leave their consumer groups), so
     * an operator can set the groups' positions (a rebuild). Operators.
     */
    @jakarta.ws.rs.POST
    @Path("/appliers/stop")
    public ReplicationStatus stopAppliers(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        LOG.warn("operator {} stops the appliers of this server in {}", operator.getName(), region);
        replicator.pause();
        return status();
    }

    /** {@code POST /v1/replication/appliers/start}: starts them again from the groups' positions. Operators. */
    @jakarta.ws.rs.POST
    @Path("/appliers/start")
    public ReplicationStatus startAppliers(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller operator) {
        io.meridian.server.auth.Authorization.require(operator, io.meridian.server.auth.Caller.Role.OPERATOR);
        LOG.warn("operator {} starts the appliers of this server in {}", operator.getName(), region);
        // positions an operator set: what sessions knew applied may not be (a rebuild). Forgotten before the new
        // appliers start, so the committed positions they report at assignment are kept
        restarted.run();
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
    public List<ReplicationDelays> takeDelays(@io.dropwizard.auth.Auth io.meridian.server.auth.Caller caller) {
        io.meridian.server.auth.Authorization.require(caller, io.meridian.server.auth.Caller.Role.OPERATOR);
        return replicator.takeDelays().stream().map(d -> new ReplicationDelays(d.source(), d.count(), d.p50(), d.p99(), d.p999(),
                d.max())).toList();
    }

    public static ReplicationStatus.Source toJson(SourceStatus s) {
        return new ReplicationStatus.Source(s.source(), s.assignedPartitions(), s.lagOffsets(), s.lagMillis(),
                s.lastAppliedTimestampMicros(), s.applied(), s.deadLetters(), s.held(), s.lastError(), s.caughtUp(),
                s.topicPartitions(), s.skipped());
    }
}
