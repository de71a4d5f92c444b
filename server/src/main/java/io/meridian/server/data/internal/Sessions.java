package io.meridian.server.data.internal;

import io.meridian.core.RegionId;
import io.meridian.core.SessionToken;
import io.meridian.replicator.AppliedPositions;
import io.meridian.replicator.InvalidationTopic;
import io.meridian.server.ApiException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Session consistency on this server (docs/consistency.md, "Sessions"): what it has applied of each region's log, as
 * far as its reads can see (store and cache), and the wait of a read (or a conditional write) for a caller's session.
 *
 * <p>The appliers report applied positions ({@link #applied}). A server without siblings takes them at once: its cache
 * dropped every applied record before the applier reported it. With siblings the positions go through the region's
 * invalidation topic (one partition, after the batch's invalidations) and each instance, its own included, takes them
 * from there, so no instance believes a position before it has dropped the records it covers. A starting instance asks
 * for the current positions; so does a read that has to wait (at most every {@value #ASK_INTERVAL_MS} ms). Announcing
 * is on demand: every instance answers a request with its appliers' positions, and for {@value #ANNOUNCE_AFTER_ASK_MS} ms
 * after one also announces each batch's; a region whose clients use no sessions sends none. A position that went back
 * (a log gap: the log was truncated or recreated; appliers restarted after a rebuild) is reset, not merged. Waiting
 * requests are bounded ({@code reads.maxSessionWaiters}) apart from the read admission: a flood of unsatisfiable tokens
 * is refused at once and never takes the places of other reads. Thread-safe.
 */
public final class Sessions {

    static final long ASK_INTERVAL_MS = 200;
    static final long ANNOUNCE_AFTER_ASK_MS = 30_000;
    /**
     * After a log gap of a source, how long sessions concerning it are refused without asking the repair mark: longer
     * than the mark may be stale on another instance ({@code RegionState} reads it at most every few seconds).
     */
    static final long GAP_REFUSAL_MS = 10_000;

    private final AppliedPositions positions;
    private final InvalidationTopic topic;
    private final List<RegionId> regions;
    private final Duration maxWait;
    private final Semaphore waiters;
    private final int maxWaiters;
    private final AtomicLong lastAsk = new AtomicLong();
    private volatile long askedAt = Long.MIN_VALUE / 2; // when a request was last seen on the topic (any instance's)
    private volatile ToIntFunction<RegionId> partitionCounts = r -> 0;
    private volatile Supplier<Map<RegionId, Map<Integer, Long>>> current = Map::of;
    private volatile Supplier<Optional<String>> needsRepair = Optional::empty;
    private final Map<RegionId, Long> gapSeenAt = new java.util.concurrent.ConcurrentHashMap<>();
    /** Waiting requests per caller (no entry: none), at most {@code maxWaitersPerCaller} each. */
    private final Map<String, Integer> waitersByCaller = new java.util.concurrent.ConcurrentHashMap<>();
    private final int maxWaitersPerCaller;

    /**
     * @param topic the region's invalidation topic, or null for a server without siblings
     * @param regions every region whose log this region applies (its own included)
     * @param maxWait the longest a request waits for its session
     * @param maxWaiters requests waiting at once; past it a request is refused at once
     * @param maxWaitersPerCaller of those, requests of one caller (principal)
     */
    public Sessions(InvalidationTopic topic, List<RegionId> regions, Duration maxWait, int maxWaiters, int maxWaitersPerCaller) {
        this.topic = topic;
        this.regions = List.copyOf(regions);
        this.maxWait = maxWait;
        this.maxWaiters = maxWaiters;
        this.waiters = new Semaphore(maxWaiters);
        this.maxWaitersPerCaller = Math.max(1, Math.min(maxWaiters, maxWaitersPerCaller));
        this.positions = new AppliedPositions(r -> partitionCounts.applyAsInt(r));
        if (topic != null) {
            topic.onPositions(positions::advance, this::gapReset, positions::clear, this::announceAll);
        }
    }

    /**
     * Connects the appliers: their partition counts, their applied positions (for answering a request), and the region's
     * repair mark (a region that may miss mutations it has passed serves no session).
     */
    public void connect(ToIntFunction<RegionId> partitionCounts, Supplier<Map<RegionId, Map<Integer, Long>>> current,
            Supplier<Optional<String>> needsRepair) {
        this.partitionCounts = partitionCounts;
        this.current = current;
        this.needsRepair = needsRepair;
    }

    /** The appliers' listener: positions applied into this region (store and invalidations done). */
    public void applied(RegionId source, Map<Integer, Long> next) {
        if (topic == null) {
            positions.advance(source, next);
        } else if (System.currentTimeMillis() - askedAt <= ANNOUNCE_AFTER_ASK_MS) {
            topic.announcePositions(source, next);
        } // else kept by the appliers, announced when asked
    }

    /** The appliers' listener: a partition's position went back (a log gap); every instance takes it as it is. */
    public void reset(RegionId source, int partition, long offset) {
        if (topic == null) {
            gapReset(source, Map.of(partition, offset));
        } else {
            topic.resetPositions(source, Map.of(partition, offset));
        }
    }

    /** The appliers were restarted (after a rebuild set their positions): forget every position, ask for them again. */
    public void restarted() {
        if (topic == null) {
            positions.clear();
        } else {
            topic.resetPositions(null, Map.of());
            topic.requestPositions();
        }
    }

    /** A gap in {@code source}'s log: its positions as given, and no session of it for a while (the repair mark follows). */
    private void gapReset(RegionId source, Map<Integer, Long> reset) {
        gapSeenAt.put(source, System.currentTimeMillis());
        positions.reset(source, reset);
    }

    private void announceAll() {
        askedAt = System.currentTimeMillis();
        current.get().forEach(topic::announcePositions);
    }

    private void ask() {
        long now = System.currentTimeMillis();
        long last = lastAsk.get();
        if (topic != null && now - last >= ASK_INTERVAL_MS && lastAsk.compareAndSet(last, now)) {
            topic.requestPositions();
        }
    }

    /** Requests waiting for their session now (tests). */
    int waiting() {
        return maxWaiters - waiters.availablePermits();
    }

    /** The positions this instance knows (tests). */
    public AppliedPositions positions() {
        return positions;
    }

    /**
     * Returns once this server can serve the record to a session that has seen {@code required}: at once when it asks
     * nothing of the record, else after waiting at most {@code maxSessionWait} and until {@code untilNanos}.
     *
     * @throws ApiException 503 {@code session-not-satisfied} when it cannot in time, cannot at all (a log this region
     *     does not apply, a region that needs repair), or too many requests wait already (nothing read or written)
     */
    public void await(String namespace, String id, SessionToken required, long untilNanos) {
        await(namespace, id, required, untilNanos, "");
    }

    /** As {@link #await(String, String, SessionToken, long)} for {@code caller}, who may hold its share of the waiting places. */
    public void await(String namespace, String id, SessionToken required, long untilNanos, String caller) {
        SessionToken wanted = positions.relevant(required, namespace, id);
        if (wanted.isEmpty()) {
            return;
        }
        refuseIfRecentGap(wanted);
        for (SessionToken.Position p : wanted.entries().keySet()) {
            if (!regions.contains(p.region())) { // no wait can help: this region does not apply that log
                throw ApiException.sessionNotSatisfied("the session has seen writes of " + p.region() + ", whose log this"
                        + " region does not apply: nothing was done; another region may");
            }
        }
        refuseIfNeedsRepair();
        if (positions.satisfies(wanted)) {
            refuseIfRecentGap(wanted); // a gap's reset and the positions after it may have arrived since the check above
            return;
        }
        if (!enter(caller)) {
            throw ApiException.sessionNotSatisfied("this region has not applied what the session has seen, and this caller's"
                    + " requests hold " + maxWaitersPerCaller + " of the waiting places already: nothing was done; another region"
                    + " may have");
        }
        if (!waiters.tryAcquire()) {
            leave(caller);
            throw ApiException.sessionNotSatisfied("this region has not applied what the session has seen, and " + maxWaiters
                    + " requests wait for theirs already (reads.maxSessionWaiters): nothing was done; another region may have");
        }
        try {
            ask();
            long until = Math.min(untilNanos, System.nanoTime() + maxWait.toNanos());
            boolean done;
            try {
                done = positions.await(wanted, until);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            if (!done) {
                throw ApiException.sessionNotSatisfied("this region has not applied what the session has seen ("
                        + missing(wanted) + ") within " + maxWait.toMillis() + " ms or the caller's deadline: nothing was"
                        + " done; another region may have");
            }
            // a gap may have been found while it waited: its reset, then positions past it, can be what woke it
            refuseIfRecentGap(wanted);
            refuseIfNeedsRepair();
        } finally {
            waiters.release();
            leave(caller);
        }
    }

    /** Counts a waiting request of {@code caller}; false (nothing counted) when it holds its share of the places already. */
    private boolean enter(String caller) {
        boolean[] admitted = {false};
        waitersByCaller.compute(caller, (c, n) -> {
            int held = n == null ? 0 : n;
            admitted[0] = held < maxWaitersPerCaller;
            return admitted[0] ? held + 1 : (n == null ? null : n);
        });
        return admitted[0];
    }

    private void leave(String caller) {
        waitersByCaller.computeIfPresent(caller, (c, n) -> n <= 1 ? null : n - 1); // no entry left for a caller that waits no more
    }

    /** Callers with waiting requests (tests). */
    int waitingCallers() {
        return waitersByCaller.size();
    }

    private void refuseIfRecentGap(SessionToken wanted) {
        long now = System.currentTimeMillis();
        for (SessionToken.Position p : wanted.entries().keySet()) {
            Long gap = gapSeenAt.get(p.region());
            if (gap != null && now - gap < GAP_REFUSAL_MS) {
                throw ApiException.sessionNotSatisfied("a gap in " + p.region() + "'s log was found moments ago: this region may"
                        + " miss writes it has passed, so it serves no session of that log; nothing was done");
            }
        }
    }

    private void refuseIfNeedsRepair() {
        Optional<String> repair = needsRepair.get();
        if (repair.isPresent()) {
            throw ApiException.sessionNotSatisfied("this region needs repair (" + repair.get() + "): it may miss writes it has"
                    + " passed, so it serves no session; nothing was done");
        }
    }

    private String missing(SessionToken wanted) {
        StringBuilder s = new StringBuilder();
        wanted.entries().forEach((p, o) -> {
            long have = positions.applied(p);
            if (have < o) {
                if (s.length() > 0) {
                    s.append(", ");
                }
                s.append(p.region()).append(" partition ").append(p.partition()).append(": applied ")
                        .append(have < 0 ? "unknown" : Long.toString(have)).append(", needs ").append(o);
            }
        });
        return s.toString();
    }
}
