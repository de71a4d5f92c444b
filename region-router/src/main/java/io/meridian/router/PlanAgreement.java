package io.meridian.router;

import io.meridian.core.RegionId;
import io.meridian.core.wire.PlanPromise;
import io.meridian.core.wire.RoutingPlan;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Routing-plan changes agreed by a majority of regions, never last-writer-wins.
 *
 * <p>Design note. Each plan version is one instance of single-decree Paxos over one acceptor per region
 * ({@link PlanAcceptor}). To make version {@code v+1}, a router picks a ballot unique to it, asks every region to
 * promise (phase 1), and needs a majority of promises. If any promise carries a value already accepted for
 * {@code v+1}, that value must be proposed instead of its own (an earlier proposer may have had it chosen); else it
 * proposes its own. A majority of accepts (phase 2) makes the value chosen; it is then learned by every region it
 * reaches (and by the others later, from the promises and the plans routers exchange). Consequences:
 * <ul>
 *   <li>two changes sent at once to routers in different regions: at most one becomes version {@code v+1}; the
 *       other gets {@link Outcome.Conflict} with the plan that won (the API answers 409 with it);</li>
 *   <li>a router that reaches fewer than a majority of regions changes nothing ({@link Outcome.NoMajority}, 503);</li>
 *   <li>a router with an old copy of the plan cannot overwrite a newer one: a promise reveals the newer version.</li>
 * </ul>
 * Ballots: milliseconds since 2026 in the high bits, then the region slot and a per-process random number, so
 * two proposers never share one; a proposer's ballots increase. Thread-safe; calls of one instance are
 * serialised.
 */
public final class PlanAgreement implements RegionRouter.PlanStore {

    /** What a proposal came to. */
    public sealed interface Outcome {
        /** The proposed plan is now chosen. */
        record Chosen(RoutingPlan plan) implements Outcome {
        }

        /** Another plan took (or is taking) that version: the current one, as far as known. */
        record Conflict(RoutingPlan current, String reason) implements Outcome {
        }

        /** Fewer than a majority of regions answered: nothing changed. */
        record NoMajority(String reason) implements Outcome {
        }
    }

    private static final long EPOCH_2026 = 1_767_225_600_000L;
    private static final Duration LEARN_WAIT = Duration.ofSeconds(3);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RegionId self;
    private final PlanAcceptor local;
    private final Map<RegionId, PlanAcceptor> acceptors;
    private final Duration timeout;
    private final Clock clock;
    private final long ballotLowBits;
    private final ExecutorService calls;
    private long lastBallot;

    /**
     * @param acceptors one per region, this region's own (the local one) included
     * @param regionSlot this region's slot (0..31), part of every ballot
     */
    public PlanAgreement(RegionId self, Map<RegionId, PlanAcceptor> acceptors, int regionSlot, Duration timeout, Clock clock) {
        this.self = self;
        this.local = java.util.Objects.requireNonNull(acceptors.get(self), "no acceptor of " + self);
        this.acceptors = new LinkedHashMap<>(acceptors);
        this.timeout = timeout;
        this.clock = clock;
        this.ballotLowBits = ((long) (regionSlot & 31) << 17) | (RANDOM.nextInt() & 0x1FFFF);
        this.calls = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "meridian-plan-agreement");
            t.setDaemon(true);
            return t;
        });
    }

    int majority() {
        return acceptors.size() / 2 + 1;
    }

    /**
     * A ballot above every ballot this proposer used before and every promise an acceptor refused it with: a
     * proposer whose clock ran ahead (or that died after preparing) does not lock a version until the clocks
     * catch up; the next round outbids it.
     */
    synchronized long nextBallot() {
        long b = (Math.max(0, clock.millis() - EPOCH_2026) << 22) | ballotLowBits;
        if (b <= lastBallot) {
            b = ((lastBallot >>> 22) + 1 << 22) | ballotLowBits;
        }
        lastBallot = b;
        return b;
    }

    /** Remembers a ballot an acceptor promised to someone else: the next ballot is above it. */
    private synchronized void outbid(long promised) {
        if (promised > lastBallot && promised < Long.MAX_VALUE >>> 1) {
            lastBallot = promised; // nextBallot() goes one step above it; an absurd ballot is not followed into overflow
        }
    }

    /** The latest chosen plan this region knows. */
    @Override
    public Optional<RoutingPlan> load() {
        return Optional.ofNullable(local.latestChosen());
    }

    /**
     * Agrees on {@code next}, which must be the version after the current one. Throws
     * {@link RouterException} of kind CONFLICT (with the winning plan learned here) or UNAVAILABLE when it did
     * not become chosen.
     */
    @Override
    public void save(RoutingPlan next) {
        Outcome o = propose(next);
        if (o instanceof Outcome.Conflict c) {
            throw RouterException.conflict(c.reason(), c.current());
        }
        if (o instanceof Outcome.NoMajority n) {
            throw RouterException.unavailable(n.reason());
        }
    }

    /** Runs both phases for {@code next} (its version is the one agreed on). */
    public synchronized Outcome propose(RoutingPlan next) {
        long version = next.version();
        long ballot = nextBallot();
        Map<RegionId, PlanPromise> promises = ask(a -> a.prepare(version, ballot));
        RoutingPlan newest = newestChosen(promises.values());
        if (newest != null && newest.version() >= version) {
            local.learn(newest);
            return new Outcome.Conflict(newest, "version " + version + " is taken: the plan is at version " + newest.version());
        }
        promises.values().stream().filter(p -> !p.granted()).forEach(p -> outbid(p.promisedBallot()));
        List<PlanPromise> granted = promises.values().stream().filter(PlanPromise::granted).toList();
        if (granted.size() < majority()) {
            boolean contended = promises.values().stream().anyMatch(p -> !p.granted());
            String why = promises.size() + " of " + acceptors.size() + " regions answered, " + granted.size() + " promised; "
                    + majority() + " needed";
            return contended ? lost(version, "another plan change is being agreed (" + why + ")")
                    : new Outcome.NoMajority("this router reaches no majority of regions (" + why + silence() + "): it changes no plan");
        }
        RoutingPlan proposed = valueToPropose(granted, next);
        Map<RegionId, Boolean> accepts = ask(a -> a.accept(version, ballot, proposed));
        long accepted = accepts.values().stream().filter(Boolean::booleanValue).count();
        if (accepted < majority()) {
            boolean contended = accepts.values().stream().anyMatch(ok -> !ok);
            String why = accepted + " of " + acceptors.size() + " regions accepted; " + majority() + " needed"
                    + (accepted > 0 ? "; the regions that accepted it may still complete it: check the plan" : "");
            if (contended) {
                // our value may still be completed by the proposer that pre-empted us: if it was, we did win
                Outcome o = lost(version, "another plan change is being agreed (" + why + ")");
                if (accepted > 0 && o instanceof Outcome.Conflict c && proposed.equals(c.current())) {
                    return proposed.equals(next) ? new Outcome.Chosen(next)
                            : new Outcome.Conflict(proposed, "an earlier change to version " + version + " was completed instead");
                }
                return o;
            }
            return new Outcome.NoMajority("this router reaches no majority of regions (" + why + silence() + "): it changes no plan");
        }
        teach(proposed);
        return proposed.equals(next) ? new Outcome.Chosen(next)
                : new Outcome.Conflict(proposed, "an earlier change to version " + version + " was completed instead");
    }

    /** The newest chosen plan any promise carries, or null. */
    private static RoutingPlan newestChosen(java.util.Collection<PlanPromise> promises) {
        RoutingPlan newest = null;
        for (PlanPromise p : promises) {
            if (p.latestChosen() != null && (newest == null || p.latestChosen().version() > newest.version())) {
                newest = p.latestChosen();
            }
        }
        return newest;
    }

    /** Paxos: the value accepted under the highest ballot among the promises, else our own. */
    private static RoutingPlan valueToPropose(List<PlanPromise> granted, RoutingPlan next) {
        RoutingPlan value = next;
        long highest = 0;
        for (PlanPromise p : granted) {
            if (p.acceptedValue() != null && p.acceptedBallot() > highest) {
                highest = p.acceptedBallot();
                value = p.acceptedValue();
            }
        }
        return value;
    }

    /** Learns the chosen plan here and tells the other regions in the background. */
    private void teach(RoutingPlan chosen) {
        local.learn(chosen);
        for (Map.Entry<RegionId, PlanAcceptor> a : acceptors.entrySet()) {
            if (!a.getKey().equals(self)) {
                calls.execute(() -> {
                    try {
                        a.getValue().learn(chosen);
                    } catch (RuntimeException e) {
                        // it learns later: from a promise, or from the plans routers exchange
                    }
                });
            }
        }
    }

    /**
     * After losing to a concurrent proposer: the plan that won, if it becomes known within {@link #LEARN_WAIT}
     * (read-only: asking acceptors what they learned never disturbs the winner's round); else the plan as known
     * here (nothing may have been chosen, when two proposers pre-empted each other).
     */
    private Outcome lost(long version, String why) {
        long deadline = System.nanoTime() + LEARN_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (RoutingPlan p : ask(PlanAcceptor::latestChosen).values()) {
                if (p != null && p.version() >= version) {
                    local.learn(p);
                    return new Outcome.Conflict(p, why);
                }
            }
            try {
                Thread.sleep(50); // waiting for the winner's learn to arrive: a short, bounded back-off
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Outcome.Conflict(load().orElse(null), why);
    }

    /** Why each region that did not answer the last call did not (for the refusal's message). */
    private final Map<RegionId, String> silent = new java.util.concurrent.ConcurrentHashMap<>();

    private String silence() {
        return silent.isEmpty() ? "" : "; no answer from " + silent;
    }

    /** Calls every acceptor in parallel; the answers that came within the timeout (failures left out). */
    private <T> Map<RegionId, T> ask(Function<PlanAcceptor, T> call) {
        silent.clear();
        Map<RegionId, CompletableFuture<T>> pending = new LinkedHashMap<>();
        acceptors.forEach((r, a) -> pending.put(r, CompletableFuture.supplyAsync(() -> call.apply(a), calls)));
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<RegionId, T> out = new LinkedHashMap<>();
        for (Map.Entry<RegionId, CompletableFuture<T>> e : pending.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.TimeoutException slow) {
                silent.put(e.getKey(), "no answer within " + timeout.toMillis() + " ms");
            } catch (Exception failed) {
                Throwable c = failed.getCause() == null ? failed : failed.getCause();
                silent.put(e.getKey(), String.valueOf(c.getMessage()));
            }
        }
        return out;
    }

    /** The regions with an acceptor, this one included. */
    public List<RegionId> regions() {
        return new ArrayList<>(acceptors.keySet());
    }
}
