package io.meridian.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.AuditEntry;
import io.meridian.core.wire.RoutingPlan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RegionRouterTest {

    static final RegionId A = RegionId.of("region-a");
    static final RegionId B = RegionId.of("region-b");
    static final RegionId C = RegionId.of("region-c");
    static final List<RegionId> ALL = List.of(A, B, C);

    /** A clock the test moves. */
    static final class FakeClock extends Clock {
        long millis = 1_000_000;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        void advance(Duration d) {
            millis += d.toMillis();
        }
    }

    final FakeClock clock = new FakeClock();
    final AtomicReference<RoutingPlan> stored = new AtomicReference<>();
    final List<AuditEntry> audit = new ArrayList<>();
    final Map<RegionId, HealthModel.Verdict> verdicts = new HashMap<>();
    final Map<RegionId, String> lagging = new HashMap<>();
    /** When set, what load() returns: the copy of a region that missed the latest plans. */
    RoutingPlan staleView;

    RegionRouter router(RegionId self) {
        RegionRouter.PlanStore store = new RegionRouter.PlanStore() {
            @Override
            public Optional<RoutingPlan> load() {
                return Optional.ofNullable(staleView != null ? staleView : stored.get());
            }

            @Override
            public void save(RoutingPlan plan) { // as the agreement does: a version is taken once
                RoutingPlan now = stored.get();
                if (now != null && plan.version() <= now.version()) {
                    throw RouterException.conflict("version " + plan.version() + " is taken", now);
                }
                stored.set(plan);
            }
        };
        return new RegionRouter(self, ALL, clock, RegionRouter.Settings.defaults(), new RegionRouter.Inputs(store, audit::add,
                (r, ignoring) -> Optional.ofNullable(lagging.get(r)), () -> {
                    Map<RegionId, HealthModel.Verdict> v = new HashMap<>();
                    for (RegionId r : ALL) {
                        v.put(r, verdicts.getOrDefault(r, new HealthModel.Verdict(r, false, 0, 2, 60_000, "healthy")));
                    }
                    return v;
                }));
    }

    void fail(RegionId r) {
        verdicts.put(r, new HealthModel.Verdict(r, true, 2, 2, 0, "unhealthy"));
    }

    void recover(RegionId r, long healthyForMillis) {
        verdicts.put(r, new HealthModel.Verdict(r, false, 0, 2, healthyForMillis, "healthy"));
    }

    @Test
    void anEvacuationMovesTrafficInStepsAfterEachBake() {
        RegionRouter router = router(B);
        RoutingPlan p = router.evacuate(A, null, null, "drill", "alice", false);
        assertThat(p.state(A)).isEqualTo(TrafficState.EVACUATING);
        assertThat(p.weightsFor(A)).containsEntry(A, 75);
        assertThat(p.weightsFor(A).values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
        assertThat(p.weightsFor(B)).isEqualTo(Map.of(B, 100));
        router.tick();
        assertThat(router.plan().weightsFor(A)).containsEntry(A, 75); // still baking
        clock.advance(Duration.ofSeconds(10));
        router.tick();
        assertThat(router.plan().weightsFor(A)).containsEntry(A, 50);
        clock.advance(Duration.ofSeconds(10));
        router.tick();
        RoutingPlan done = router.plan();
        assertThat(done.state(A)).isEqualTo(TrafficState.EVACUATED);
        assertThat(done.weightsFor(A)).doesNotContainKey(A).containsEntry(B, 50).containsEntry(C, 50);
        assertThat(done.operation()).isNull();
        assertThat(done.trafficShare(A)).isZero();
        assertThat(audit).extracting(AuditEntry::action)
                .containsExactly("evacuate", "evacuation-step", "evacuation-step");
        assertThat(audit.get(0).actor()).isEqualTo("alice");
        assertThat(audit.get(0).reason()).isEqualTo("drill");
    }

    @Test
    void guardrailsRefuseWithTheReason() {
        RegionRouter router = router(B);
        assertThatThrownBy(() -> router.evacuate(A, List.of(50, 40, 100), null, "x", "op", false))
                .isInstanceOf(RouterException.class).hasMessageContaining("increase");
        router.evacuate(A, List.of(100), Duration.ZERO, "x", "op", false);
        assertThatThrownBy(() -> router.evacuate(B, null, null, "x", "op", false))
                .hasMessageContaining("region-a is EVACUATED; one region at a time");
        fail(C);
        assertThatThrownBy(() -> router.evacuate(B, null, null, "x", "op", true))
                .hasMessageContaining("never evacuate the last healthy region");
        assertThatThrownBy(() -> router.evacuate(A, null, null, "x", "op", true)).hasMessageContaining("region-a is EVACUATED");
        assertThatThrownBy(() -> router.abort("x", "op")).hasMessageContaining("no evacuation or restore is in progress");
    }

    @Test
    void trafficNeverGoesToAnUnhealthyRegion() {
        RegionRouter router = router(A);
        router.evacuate(B, List.of(100), Duration.ZERO, "x", "op", false);
        assertThat(router.plan().weightsFor(B)).containsOnlyKeys(A, C);
        fail(C);
        router.tick(); // region-a coordinates: re-weighs away from region-c
        assertThat(router.plan().weightsFor(B)).isEqualTo(Map.of(A, 100));
        assertThat(router.plan().weightsFor(C)).isEqualTo(Map.of(A, 100)); // and C itself was evacuated
        assertThat(router.plan().state(C)).isEqualTo(TrafficState.EVACUATED);
    }

    @Test
    void aFailedRegionIsEvacuatedAtOnceByTheCoordinatorOnly() {
        RegionRouter b = router(B);
        RegionRouter c = router(C);
        fail(A);
        c.tick();
        assertThat(stored.get()).as("region-c is not the coordinator").isNull();
        b.tick();
        assertThat(b.plan().state(A)).isEqualTo(TrafficState.EVACUATED);
        assertThat(b.plan().weightsFor(A)).isEqualTo(Map.of(B, 50, C, 50));
        c.tick();
        assertThat(c.plan().version()).isEqualTo(b.plan().version()); // adopted from the store
        assertThat(audit).extracting(AuditEntry::action).containsExactly("automatic-evacuation");
    }

    @Test
    void restoreIsRefusedUntilHealthyAndCaughtUpThenGoesInSteps() {
        RegionRouter router = router(B);
        fail(A);
        router.tick();
        recover(A, 1_000);
        assertThatThrownBy(() -> router.restore(A, null, null, "back", "op"))
                .hasMessageContaining("has not been healthy for 5 s");
        recover(A, 6_000);
        lagging.put(A, "from region-b 4200 ms behind (limit 1000 ms)");
        assertThatThrownBy(() -> router.restore(A, null, null, "back", "op"))
                .hasMessage("region-a has not caught up: from region-b 4200 ms behind (limit 1000 ms)");
        lagging.clear();
        RoutingPlan p = router.restore(A, null, Duration.ofSeconds(2), "back", "op");
        assertThat(p.state(A)).isEqualTo(TrafficState.RESTORING);
        assertThat(p.weightsFor(A)).containsEntry(A, 25);
        clock.advance(Duration.ofSeconds(2));
        router.tick();
        clock.advance(Duration.ofSeconds(2));
        router.tick();
        assertThat(router.plan().state(A)).isEqualTo(TrafficState.SERVING);
        assertThat(router.plan().weightsFor(A)).isEqualTo(Map.of(A, 100));
    }

    @Test
    void aRouterWithAnOldCopyOfThePlanCannotOverwriteANewerOneAndAdoptsIt() {
        RegionRouter a = router(A);
        a.evacuate(C, List.of(100), java.time.Duration.ZERO, "maintenance", "op", false);
        RoutingPlan v1 = stored.get();
        assertThat(v1.version()).isEqualTo(1);
        staleView = RoutingPlan.initial(ALL); // region-b missed version 1 (restarted, cut off)
        RegionRouter b = router(B);
        assertThatThrownBy(() -> b.evacuate(A, List.of(100), java.time.Duration.ZERO, "other", "op2", true))
                .isInstanceOfSatisfying(RouterException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RouterException.Kind.CONFLICT);
                    assertThat(e.current()).isEqualTo(v1);
                });
        assertThat(stored.get()).as("the newer plan stands").isEqualTo(v1);
        assertThat(b.plan()).as("the old router follows the plan that won").isEqualTo(v1);
    }

    @Test
    void aRouterWhoseRegionLagsStillActsOnAFailedRegion() {
        RegionRouter a = router(A);
        lagging.put(A, "from region-b 9000 ms behind");
        fail(B);
        a.tick();
        assertThat(stored.get()).as("replication lag no longer freezes the router: plans are agreed, not replicated")
                .isNotNull();
        assertThat(stored.get().state(B)).isEqualTo(TrafficState.EVACUATED);
    }

    @Test
    void holdStopsTheStepsAndAbortReturnsTheTraffic() {
        RegionRouter router = router(B);
        router.evacuate(A, null, Duration.ofSeconds(5), "x", "op", false);
        router.hold(true, "looking", "op");
        clock.advance(Duration.ofMinutes(1));
        router.tick();
        assertThat(router.plan().weightsFor(A)).containsEntry(A, 75);
        router.hold(false, "go on", "op");
        clock.advance(Duration.ofSeconds(5));
        router.tick();
        assertThat(router.plan().weightsFor(A)).containsEntry(A, 50);
        router.abort("changed my mind", "op");
        assertThat(router.plan().state(A)).isEqualTo(TrafficState.SERVING);
        assertThat(router.plan().weightsFor(A)).isEqualTo(Map.of(A, 100));
        assertThat(router.plan().operation()).isNull();
    }

    @Test
    void aFailedDriversOperationIsTakenOverByTheCoordinator() {
        RegionRouter c = router(C);
        c.evacuate(A, null, Duration.ofSeconds(1), "x", "op", false); // driven by region-c
        RegionRouter b = router(B); // the coordinator: first region by name that is serving and not failed
        clock.advance(Duration.ofSeconds(1));
        b.tick();
        assertThat(b.plan().weightsFor(A)).as("region-b waits for the driver").containsEntry(A, 75);
        fail(C);
        b.tick();
        assertThat(b.plan().state(C)).isEqualTo(TrafficState.EVACUATED);
        assertThat(b.plan().weightsFor(A)).isEqualTo(Map.of(A, 50, B, 50));
        assertThat(b.plan().operation().driver()).isEqualTo(B);
    }
}
