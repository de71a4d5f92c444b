package io.meridian.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.PlanPromise;
import io.meridian.core.wire.RoutingPlan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The agreement on plans against in-memory acceptors (a fake of our own interface, with the semantics the
 * server's Cassandra acceptor implements): safety under concurrent proposers with seeded interleavings, no
 * change without a majority, recovery of a half-accepted value, and no overwrite by a stale proposer.
 */
class PlanAgreementTest {

    static final RegionId A = RegionId.of("region-a");
    static final RegionId B = RegionId.of("region-b");
    static final RegionId C = RegionId.of("region-c");
    static final List<RegionId> ALL = List.of(A, B, C);

    /** Single-decree Paxos acceptor state per version, in memory; can be made unreachable, and can stall. */
    static final class MemoryAcceptor implements PlanAcceptor {
        record State(long promised, long acceptedBallot, RoutingPlan accepted) {
        }

        final Map<Long, State> states = new HashMap<>();
        RoutingPlan chosen;
        volatile boolean reachable = true;
        Random jitter;

        private void call() {
            if (!reachable) {
                throw new IllegalStateException("unreachable");
            }
            if (jitter != null) {
                int spin;
                synchronized (jitter) {
                    spin = jitter.nextInt(3);
                }
                if (spin > 0) {
                    Thread.yield();
                }
            }
        }

        @Override
        public synchronized PlanPromise prepare(long version, long ballot) {
            call();
            State s = states.getOrDefault(version, new State(0, 0, null));
            if (ballot == s.promised()) {
                return new PlanPromise(true, ballot, s.acceptedBallot(), s.accepted(), chosen); // the same proposer again
            }
            if (ballot < s.promised()) {
                return new PlanPromise(false, s.promised(), s.acceptedBallot(), s.accepted(), chosen);
            }
            states.put(version, new State(ballot, s.acceptedBallot(), s.accepted()));
            return new PlanPromise(true, ballot, s.acceptedBallot(), s.accepted(), chosen);
        }

        @Override
        public synchronized boolean accept(long version, long ballot, RoutingPlan value) {
            call();
            State s = states.getOrDefault(version, new State(0, 0, null));
            if (ballot < s.promised()) {
                return false;
            }
            states.put(version, new State(ballot, ballot, value));
            return true;
        }

        @Override
        public synchronized void learn(RoutingPlan plan) {
            call();
            if (chosen == null || plan.version() > chosen.version()) {
                chosen = plan;
            }
        }

        @Override
        public synchronized RoutingPlan latestChosen() {
            return chosen;
        }
    }

    final Map<RegionId, MemoryAcceptor> acceptors = new LinkedHashMap<>();

    PlanAgreementTest() {
        ALL.forEach(r -> acceptors.put(r, new MemoryAcceptor()));
    }

    PlanAgreement agreement(RegionId self, Clock clock) {
        return new PlanAgreement(self, new LinkedHashMap<>(acceptors), ALL.indexOf(self), Duration.ofSeconds(2), clock);
    }

    static RoutingPlan plan(long version, String evacuated) {
        RoutingPlan p = RoutingPlan.initial(ALL);
        Map<RegionId, RoutingPlan.RegionPlan> states = new LinkedHashMap<>(p.regions());
        states.put(RegionId.of(evacuated), new RoutingPlan.RegionPlan(TrafficState.EVACUATED, 0));
        return new RoutingPlan(version, version, states, p.weights(), null);
    }

    @Test
    void aPlanChosenByAMajorityIsLearnedByEveryRegionItReaches() {
        PlanAgreement a = agreement(A, Clock.systemUTC());
        PlanAgreement.Outcome o = a.propose(plan(1, "region-c"));
        assertThat(o).isInstanceOf(PlanAgreement.Outcome.Chosen.class);
        assertThat(a.load()).contains(plan(1, "region-c"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                acceptors.values().stream().allMatch(x -> plan(1, "region-c").equals(x.latestChosen())));
    }

    @Test
    void twoChangesSentAtOnceToDifferentRegionsNeverBothWin() throws Exception {
        long seed = 20261130L;
        System.out.println("PlanAgreementTest seed " + seed);
        Random random = new Random(seed);
        acceptors.values().forEach(x -> x.jitter = new Random(random.nextLong()));
        PlanAgreement a = agreement(A, Clock.systemUTC());
        PlanAgreement b = agreement(B, Clock.systemUTC());
        int bothChosen = 0;
        int oneChosen = 0;
        for (long v = 1; v <= 200; v++) {
            long version = v;
            RoutingPlan fromA = plan(version, "region-a");
            RoutingPlan fromB = plan(version, "region-b");
            AtomicReference<PlanAgreement.Outcome> ra = new AtomicReference<>();
            AtomicReference<PlanAgreement.Outcome> rb = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            Thread ta = new Thread(() -> {
                await(go);
                ra.set(a.propose(fromA));
            });
            Thread tb = new Thread(() -> {
                await(go);
                rb.set(b.propose(fromB));
            });
            ta.start();
            tb.start();
            go.countDown();
            ta.join();
            tb.join();
            boolean aWon = ra.get() instanceof PlanAgreement.Outcome.Chosen;
            boolean bWon = rb.get() instanceof PlanAgreement.Outcome.Chosen;
            if (aWon && bWon) {
                bothChosen++;
            }
            if (aWon ^ bWon) {
                oneChosen++;
                PlanAgreement.Outcome loser = aWon ? rb.get() : ra.get();
                RoutingPlan winner = aWon ? fromA : fromB;
                assertThat(loser).isInstanceOf(PlanAgreement.Outcome.Conflict.class);
                RoutingPlan told = ((PlanAgreement.Outcome.Conflict) loser).current();
                if (told != null && told.version() == version) {
                    assertThat(told).as("the loser is told the plan that won").isEqualTo(winner);
                }
            }
            // whatever happened, no two regions hold different chosen values for one version
            List<RoutingPlan> chosen = new ArrayList<>();
            acceptors.values().forEach(x -> {
                if (x.latestChosen() != null && x.latestChosen().version() == version) {
                    chosen.add(x.latestChosen());
                }
            });
            assertThat(chosen.stream().distinct().count()).as("version " + version).isLessThanOrEqualTo(1);
        }
        assertThat(bothChosen).as("a version is never given to two plans").isZero();
        assertThat(oneChosen).as("rounds with a winner").isPositive();
        System.out.println("rounds with one winner: " + oneChosen + " of 200 (the others: both pre-empted, nothing chosen)");
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRouterThatReachesNoMajorityChangesNothing() {
        acceptors.get(B).reachable = false;
        acceptors.get(C).reachable = false;
        PlanAgreement.Outcome o = agreement(A, Clock.systemUTC()).propose(plan(1, "region-b"));
        assertThat(o).isInstanceOf(PlanAgreement.Outcome.NoMajority.class);
        assertThat(((PlanAgreement.Outcome.NoMajority) o).reason()).contains("no majority");
        assertThat(acceptors.get(A).states.get(1L).accepted()).as("nothing accepted").isNull();
        assertThat(acceptors.get(A).latestChosen()).isNull();
    }

    @Test
    void aValueAcceptedByACrashedProposerIsCompletedInsteadOfOverwritten() {
        // a proposer got region-c to accept X for version 1, then crashed before a majority
        RoutingPlan x = plan(1, "region-c");
        assertThat(acceptors.get(C).prepare(1, 5)).extracting(PlanPromise::granted).isEqualTo(true);
        assertThat(acceptors.get(C).accept(1, 5, x)).isTrue();
        PlanAgreement.Outcome o = agreement(A, Clock.systemUTC()).propose(plan(1, "region-b"));
        assertThat(o).isInstanceOfSatisfying(PlanAgreement.Outcome.Conflict.class, c -> assertThat(c.current()).isEqualTo(x));
        assertThat(acceptors.get(A).latestChosen()).isEqualTo(x);
    }

    @Test
    void aProposerWithAnOldVersionLearnsTheNewerPlanAndWritesNothing() {
        RoutingPlan v5 = plan(5, "region-c");
        acceptors.get(B).learn(v5);
        PlanAgreement.Outcome o = agreement(A, Clock.systemUTC()).propose(plan(3, "region-b"));
        assertThat(o).isInstanceOfSatisfying(PlanAgreement.Outcome.Conflict.class, c -> assertThat(c.current()).isEqualTo(v5));
        assertThat(acceptors.get(A).latestChosen()).as("learned from the promise").isEqualTo(v5);
        assertThat(acceptors.get(A).states.get(3L).accepted()).isNull();
    }

    @Test
    void aProposerWhoseClockRanAheadAndDiedDoesNotLockTheVersion() {
        // a router an hour ahead prepared version 1 everywhere, then died before its accept phase
        long fastBallot = ((3_600_000L + (Clock.systemUTC().millis() - 1_767_225_600_000L)) << 22) | 2;
        acceptors.values().forEach(a -> assertThat(a.prepare(1, fastBallot).granted()).isTrue());
        PlanAgreement a = agreement(A, Clock.systemUTC());
        PlanAgreement.Outcome first = a.propose(plan(1, "region-b"));
        assertThat(first).as("refused by the higher promise").isNotInstanceOf(PlanAgreement.Outcome.Chosen.class);
        PlanAgreement.Outcome second = a.propose(plan(1, "region-b"));
        assertThat(second).as("the next round outbids the dead proposer at once, not an hour later")
                .isInstanceOf(PlanAgreement.Outcome.Chosen.class);
        assertThat(acceptors.get(A).latestChosen()).isEqualTo(plan(1, "region-b"));
    }

    @Test
    void aPrepareRetriedWithTheSameBallotIsGrantedAgain() {
        assertThat(acceptors.get(B).prepare(1, 7).granted()).isTrue();
        assertThat(acceptors.get(B).prepare(1, 7).granted()).as("a retry after a timeout, not a rival").isTrue();
        assertThat(acceptors.get(B).prepare(1, 6).granted()).isFalse();
    }

    @Test
    void ballotsIncreaseEvenWhenTheClockStepsBack() {
        Instant[] now = {Instant.parse("2026-11-30T12:00:00Z")};
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        PlanAgreement a = agreement(A, clock);
        long first = a.nextBallot();
        now[0] = now[0].minusSeconds(3600);
        long second = a.nextBallot();
        assertThat(second).isGreaterThan(first);
        assertThat(agreement(B, clock).nextBallot() & ((1L << 22) - 1)).as("other region, other low bits")
                .isNotEqualTo(first & ((1L << 22) - 1));
    }
}
