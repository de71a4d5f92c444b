package io.meridian.server.data.internal;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.meridian.core.Bytes;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.Limits;
import io.meridian.core.Mutation;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import io.meridian.core.Traceparent;
import io.meridian.core.wire.WriteResponse;
import io.meridian.replicator.LogPosition;
import io.meridian.server.ApiException;
import io.meridian.store.CassandraStore;
import io.meridian.store.NamespaceConfig;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log-first write path of one region (docs/architecture.md, "The write path"):
 * <ol>
 *   <li>timestamp: the client's idempotency token (refused when too far ahead of this server's clock)
 *       or, without one, the hybrid logical clock;</li>
 *   <li>append the mutation to the region's Kafka topic (acks=all, idempotent producer): if this fails,
 *       nothing was applied and the answer is 503;</li>
 *   <li>apply it to the local Cassandra at LOCAL_QUORUM with the mutation's timestamp;</li>
 *   <li>acknowledge with the timestamp.</li>
 * </ol>
 * If step 3 fails the write is still durable in the log (the region's own applier lands it): the
 * answer is 503 with {@code durable: true}, and a retry with the same token is harmless.
 * In-flight appends are bounded; past the bound the answer is 503 with Retry-After, memory does not
 * grow. Thread-safe.
 */
public final class WritePath {

    private static final Logger LOG = LoggerFactory.getLogger(WritePath.class);
    private static final Logger TRACE = LoggerFactory.getLogger(Traceparent.LOGGER);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Limits of the write path.
     *
     * @param maxInFlightAppends appends in flight at once; past it a write is answered 503 with Retry-After
     * @param maxTokenAhead how far ahead of this server's clock a client's token may be
     * @param maxTokenAge how old a client's token may be (below gc_grace: a late retry must not write under a
     *     timestamp that deletes may already have passed)
     * @param maxClockSkew how far this server's clock may be from the median of the regions' before it refuses
     *     writes with 503 (its own clock is the problem then, so another region should take them)
     * @param appendTimeout how long an append may take
     * @param applyTimeout how long the local apply may take
     */
    public record Settings(int maxInFlightAppends, Duration maxTokenAhead, Duration maxTokenAge, Duration maxClockSkew,
            Duration appendTimeout, Duration applyTimeout) {
    }

    private final RegionId region;
    private final HybridLogicalClock clock;
    private final MutationSink.Log log;
    private final MutationSink.Store store;
    private final ConditionalWrites conditional; // null: this path takes no conditional writes
    private final MutationSink.Applied afterApply;
    private volatile Failpoints failpoints = new Failpoints(false);
    private final Admission appends;
    private final long maxTokenAheadMicros;
    private final long maxTokenAgeMicros;
    private final long maxSkewMillis;
    private final java.util.function.LongSupplier skewMillis;
    private final Duration appendTimeout;
    private final Duration applyTimeout;
    private final Timer appendTimer;
    private final Timer applyTimer;
    private final Counter appendFailures;
    private final Counter applyFailures;

    /** Builds a write path; region, clock, log, store, settings and metrics are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The parts of a write path. */
    public static final class Builder {
        private RegionId region;
        private HybridLogicalClock clock;
        private MutationSink.Log log;
        private MutationSink.Store store;
        private MutationSink.Guard guard;
        private MutationSink.Applied afterApply = (m, p) -> { };
        private Settings settings;
        private java.util.function.LongSupplier skewMillis = () -> 0;
        private MetricRegistry metrics;

        private Builder() { }

        public Builder region(RegionId region) {
            this.region = region;
            return this;
        }

        /** Timestamps writes that bring no token of their own. */
        public Builder clock(HybridLogicalClock clock) {
            this.clock = clock;
            return this;
        }

        /** Step 1: where a mutation becomes durable (the region's mutation log). */
        public Builder log(MutationSink.Log log) {
            this.log = log;
            return this;
        }

        /** Step 2: the region's store. */
        public Builder store(MutationSink.Store store) {
            this.store = store;
            return this;
        }

        /** What conditional writes are decided with (none: a conditional write is refused with 400). */
        public Builder guard(MutationSink.Guard guard) {
            this.guard = guard;
            return this;
        }

        /**
         * Told after each local apply, with the mutation's log position (cache invalidation; telling the own
         * applier it may skip the record); nothing by default.
         */
        public Builder afterApply(MutationSink.Applied afterApply) {
            this.afterApply = afterApply;
            return this;
        }

        public Builder settings(Settings settings) {
            this.settings = settings;
            return this;
        }

        /** This server's clock minus the median of the regions' clocks (0 when unknown, the default). */
        public Builder skewMillis(java.util.function.LongSupplier skewMillis) {
            this.skewMillis = skewMillis;
            return this;
        }

        public Builder metrics(MetricRegistry metrics) {
            this.metrics = metrics;
            return this;
        }

        public WritePath build() {
            java.util.Objects.requireNonNull(region, "region");
            java.util.Objects.requireNonNull(clock, "clock");
            java.util.Objects.requireNonNull(log, "log");
            java.util.Objects.requireNonNull(store, "store");
            java.util.Objects.requireNonNull(settings, "settings");
            java.util.Objects.requireNonNull(metrics, "metrics");
            return new WritePath(this);
        }
    }

    private WritePath(Builder b) {
        Settings settings = b.settings;
        MetricRegistry metrics = b.metrics;
        java.util.function.LongSupplier skewMillis = b.skewMillis;
        this.afterApply = b.afterApply;
        this.region = b.region;
        this.clock = b.clock;
        this.log = b.log;
        this.store = b.store;
        this.appends = new Admission("writes", settings.maxInFlightAppends(), metrics);
        this.maxTokenAheadMicros = settings.maxTokenAhead().toNanos() / 1000;
        this.maxTokenAgeMicros = settings.maxTokenAge().toNanos() / 1000;
        this.maxSkewMillis = settings.maxClockSkew().toMillis();
        this.skewMillis = skewMillis;
        this.appendTimeout = settings.appendTimeout();
        this.applyTimeout = settings.applyTimeout();
        this.conditional = b.guard == null ? null : new ConditionalWrites(b.guard, b.region, b.clock, appendTimeout, applyTimeout,
                settings.maxTokenAge().plus(settings.maxTokenAhead()));
        this.appendTimer = metrics.timer("meridian.writes.append");
        this.applyTimer = metrics.timer("meridian.writes.apply");
        this.appendFailures = metrics.counter("meridian.writes.append-failures");
        this.applyFailures = metrics.counter("meridian.writes.apply-failures");
        metrics.gauge("meridian.clock.skew-millis", () -> skewMillis::getAsLong);
    }

    /** Crash points for failure tests (disabled unless configured). */
    public void failpoints(Failpoints f) {
        this.failpoints = f;
    }

    /**
     * Writes {@code operations} to record {@code id} of {@code ns}.
     *
     * @param token the client's idempotency token, or null to have one made here
     * @throws ApiException 400 (bad input), 503 (log unavailable, overloaded, or durable but not applied)
     */
    public WriteResponse write(NamespaceConfig ns, String id, List<Operation> operations, IdempotencyToken token) {
        return write(ns, id, operations, token, null);
    }

    /**
     * As {@link #write(NamespaceConfig, String, List, IdempotencyToken)}, within the caller's {@code deadline} (how long
     * it still waits; null: no deadline): a deadline already passed writes nothing (504); one that passes while appending
     * answers 504 "outcome unknown" (the append may still land: retrying with the same token is safe); one that passes
     * while applying answers the usual 503 durable (it is in the log: it will be applied).
     */
    public WriteResponse write(NamespaceConfig ns, String id, List<Operation> operations, IdempotencyToken token, Duration deadline) {
        return write(new Call(token, deadline, null), ns, id, operations);
    }

    /**
     * What a request brings to a write besides its operations.
     *
     * @param token the client's idempotency token, or null to have one made here
     * @param deadline how long the caller still waits, or null
     * @param trace the request's trace, put on the log record (null: none)
     */
    public record Call(IdempotencyToken token, Duration deadline, Traceparent trace, io.meridian.core.Condition condition) {

        /** An unconditional write. */
        public Call(IdempotencyToken token, Duration deadline, Traceparent trace) {
            this(token, deadline, trace, null);
        }

        /** This call, with {@code condition}. */
        public Call withCondition(io.meridian.core.Condition condition) {
            return new Call(token, deadline, trace, condition);
        }
    }

    /** As {@link #write(NamespaceConfig, String, List, IdempotencyToken, Duration)}, with the request's trace. */
    public WriteResponse write(Call call, NamespaceConfig ns, String id, List<Operation> operations) {
        return written(call, ns, id, operations).response();
    }

    /**
     * An acknowledged write and where it is in this region's log (null for a retry answered from the store: it is
     * there, but its position is not known here).
     */
    public record Written(WriteResponse response, LogPosition position) {
    }

    /** As {@link #write(Call, NamespaceConfig, String, List)}, with the write's log position (sessions). */
    public Written written(Call call, NamespaceConfig ns, String id, List<Operation> operations) {
        IdempotencyToken token = call.token();
        Duration deadline = call.deadline();
        long until = deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos();
        if (deadline != null && deadline.isZero()) {
            throw ApiException.deadlinePassed("the caller's deadline has passed: nothing was written", null);
        }
        checkNoConflicts(operations);
        long skew = skewMillis.getAsLong();
        if (skew > maxSkewMillis) {
            throw ApiException.refused("this server's clock is " + skew + " ms ahead of the regions' median (at most " + maxSkewMillis
                    + " ms): its timestamps would win every conflict, so it takes no writes; another region can", 1);
        }
        IdempotencyToken checked = token != null ? checkToken(token, skew) : null;
        if (call.condition() != null) {
            if (conditional == null) {
                throw ApiException.badRequest("this server takes no conditional writes");
            }
            return conditional.write(call, ns, id, operations, checked, until, this::newToken, this::writeAs);
        }
        return writeAs(checked != null ? checked : newToken(), ns, id, operations, call.trace(), until);
    }

    /** Appends, applies and answers the write under {@code effective}'s timestamp. */
    private Written writeAs(IdempotencyToken effective, NamespaceConfig ns, String id, List<Operation> operations,
            Traceparent trace, long until) {
        long ts = HybridLogicalClock.timestampOf(effective);
        List<Operation> resolved = operations.stream().map(op -> withDefaultTtl(op, ns)).toList();
        checkExpirations(resolved, ts, ns);
        Mutation m = new Mutation(ns.name(), id, resolved, ts, region, effective.nonce(), Mutation.CURRENT_SCHEMA_VERSION);
        LogPosition position = append(m, trace, until);
        applyLocally(m, ns, position, until);
        if (TRACE.isDebugEnabled()) {
            TRACE.debug("wrote {}/{} ts={} in {} at {}-{}", m.namespace(), Limits.printable(m.id()), ts, region, position.partition(),
                    position.offset());
        }
        return new Written(new WriteResponse(ts, effective.toString(), region.name()), position);
    }

    /** A client's token, checked against this server's clock (not too far ahead, not too old); the clock observes it. */
    private IdempotencyToken checkToken(IdempotencyToken token, long skew) {
        long ahead = token.generationMicros() - clock.wallMicros();
        if (ahead > maxTokenAheadMicros) {
            if (skew < -maxSkewMillis) {
                throw ApiException.refused("this server's clock is " + -skew + " ms behind the regions' median: it cannot judge"
                        + " the token's time; another region can take the write (same token)", 1);
            }
            throw ApiException.badRequest("idempotency token is " + ahead / 1000 + " ms ahead of this server's clock"
                    + " (at most " + maxTokenAheadMicros / 1000 + " ms allowed): a fast client clock must not win every conflict");
        }
        long age = clock.wallMicros() - token.generationMicros();
        if (age > maxTokenAgeMicros) {
            throw ApiException.badRequest("idempotency token is " + age / 1_000_000 + " s old (at most " + maxTokenAgeMicros / 1_000_000
                    + " s allowed): a retry this late could resurrect data deleted since. If the first attempt surely"
                    + " failed, write again with a new token");
        }
        clock.observe(HybridLogicalClock.timestampOf(token));
        return token;
    }

    /** A token made here: the clock's next timestamp, its slot in the nonce. */
    private IdempotencyToken newToken() {
        long ts = clock.now();
        return new IdempotencyToken(ts, RANDOM.nextLong() & ~(HybridLogicalClock.SLOTS - 1L) | HybridLogicalClock.slotOf(ts));
    }

    /**
     * Appends to the region's mutation log (bounded by the admission of appends); 503 when the log does not take it. The
     * permit is held until the append completes, not only while this request waits for it: a caller's short deadline
     * must not let the appends in flight grow past the bound.
     */
    private LogPosition append(Mutation m, Traceparent trace, long until) {
        long own = appendTimeout.toMillis() + 1_000;
        Admission.Permit admitted = appends.enter();
        CompletableFuture<LogPosition> appended;
        try {
            appended = log.append(m, trace);
        } catch (RuntimeException e) {
            admitted.close();
            throw e;
        }
        long left = left(until); // after the call: a producer may block in it (metadata, a full buffer)
        appended.whenComplete((position, error) -> admitted.close());
        try (Timer.Context ignored = appendTimer.time()) {
            LogPosition position = appended.get(Math.min(own, left), TimeUnit.MILLISECONDS);
            failpoints.pass(Failpoints.AFTER_APPEND);
            return position;
        } catch (TimeoutException e) {
            appendFailures.inc();
            handOver(m, appended);
            if (left < own) {
                throw ApiException.deadlinePassed("the caller's deadline passed while region " + region + " appended the write:"
                        + " it may still be appended and applied (outcome unknown); retrying with the same token is safe", e);
            }
            throw ApiException.unavailable("the mutation log of region " + region + " did not accept the write in time ("
                    + rootMessage(e) + "); it is not applied, but the append may still land (then it is applied): retry"
                    + " with the same token", e);
        } catch (ExecutionException e) {
            appendFailures.inc();
            throw ApiException.unavailable("the mutation log of region " + region + " did not accept the write ("
                    + rootMessage(e) + "); nothing was applied, retry with the same token", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handOver(m, appended);
            throw ApiException.unavailable("interrupted while appending; the append may still land (then it is applied):"
                    + " retry with the same token", e);
        }
    }

    /**
     * An append this request stopped waiting for may still land: then the own applier must apply it at once, not wait
     * for a verdict this request will never give (a caller with a 1 ms deadline must not stall the applier per write).
     */
    private void handOver(Mutation m, CompletableFuture<LogPosition> appended) {
        appended.thenAccept(position -> afterApply.notApplied(m, position));
    }

    /**
     * Applies the appended mutation to this region's Cassandra and tells the own applier either way (applied: it
     * skips the record; not applied, for whatever reason: it applies it). 400 when no region can apply it; 503
     * durable when it is in the log but not applied yet.
     */
    private void applyLocally(Mutation m, NamespaceConfig ns, LogPosition position, long until) {
        boolean told = false;
        try (Timer.Context ignored = applyTimer.time()) {
            store.apply(m, ns).toCompletableFuture().get(Math.min(applyTimeout.toMillis(), left(until)), TimeUnit.MILLISECONDS);
            failpoints.pass(Failpoints.AFTER_APPLY);
            try {
                told = true;
                afterApply.applied(m, position);
            } catch (RuntimeException e) {
                LOG.warn("after the apply of {}/{}: {}", ns.name(), m.id(), e.toString());
                afterApply.notApplied(m, position); // the own applier applies it again
            }
        } catch (ExecutionException e) {
            applyFailures.inc();
            if (CassandraStore.isPermanent(e)) {
                LOG.warn("write {}/{} at {} cannot be applied in {}: {}", ns.name(), m.id(), m.timestampMicros(), region,
                        rootMessage(e));
                throw new ApiException(400, "the write cannot be applied (" + rootMessage(e) + "); it is not acknowledged:"
                        + " every region will dead-letter it instead of applying it", false, 0, e);
            }
            throw durableNotApplied(m, e);
        } catch (TimeoutException e) {
            applyFailures.inc();
            throw durableNotApplied(m, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted after the append; the write is durable", true, 1, e);
        } finally {
            if (!told) {
                afterApply.notApplied(m, position); // failed, timed out, interrupted, or an unexpected error: the applier applies it
            }
        }
    }

    /** Milliseconds until {@code until} (nanoTime), at least 1; {@link Long#MAX_VALUE} without a deadline. */
    private static long left(long until) {
        return until == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, (until - System.nanoTime()) / 1_000_000);
    }

    private ApiException durableNotApplied(Mutation m, Exception e) {
        LOG.warn("write {}/{} at {} is in the log but not applied in {}: {}", m.namespace(), m.id(), m.timestampMicros(), region,
                rootMessage(e));
        return new ApiException(503, "the write is durable in region " + region + "'s mutation log but not yet applied"
                + " to its Cassandra (" + rootMessage(e) + "); it will be applied; retrying with the same token is safe",
                true, 1, e);
    }

    private static Operation withDefaultTtl(Operation op, NamespaceConfig ns) {
        if (op instanceof Operation.Put p && p.ttlSeconds() == 0 && ns.defaultTtlSeconds() > 0) {
            return new Operation.Put(p.key(), p.value(), ns.defaultTtlSeconds());
        }
        return op;
    }

    /** Every put must expire by the latest date Cassandra stores: otherwise no region could apply the write. */
    private static void checkExpirations(List<Operation> ops, long ts, NamespaceConfig ns) {
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof Operation.Put p && p.ttlSeconds() > 0) {
                try {
                    Limits.checkExpiration("the TTL of item " + i + (p.ttlSeconds() == ns.defaultTtlSeconds()
                            ? " (or namespace " + ns.name() + "'s defaultTtlSeconds)" : ""), ts, p.ttlSeconds());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest(e.getMessage());
                }
            }
        }
    }

    /** Two operations on one key in one mutation have no defined order: refuse them. */
    private static void checkNoConflicts(List<Operation> operations) {
        if (operations.isEmpty()) {
            throw ApiException.badRequest("a write needs at least one item or delete");
        }
        Set<Bytes> keys = new HashSet<>();
        for (Operation op : operations) {
            Bytes key = op instanceof Operation.Put p ? p.key() : op instanceof Operation.DeleteItem d ? d.key() : null;
            if (key != null && !keys.add(key)) {
                throw ApiException.badRequest("item key " + key.toBase64() + " appears more than once in one write");
            }
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
