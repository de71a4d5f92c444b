package io.meridian.router;

import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.AuditEntry;
import io.meridian.core.wire.RoutingPlan;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * One region's router: the evacuation/restore state machine over the shared routing plan.
 *
 * <p>Every change is a {@link Transition} of one region, checked against its current
 * {@link TrafficState}, then written as the next plan version through {@link PlanStore} (Meridian's
 * own replicated storage in the server) and the {@link AuditLog}. Operator commands run in the router
 * that receives them, which becomes the operation's <em>driver</em>: its {@link #tick} (every second)
 * takes the next step once the bake time has passed. If the driver's region fails, the
 * <em>coordinator</em> — the first region by name that is serving and not failed — takes the operation
 * over. Every change is agreed by a majority of regions ({@link PlanStore}): a router with an old copy of
 * the plan (just restarted, cut off) cannot overwrite a newer one, it learns the newer one instead. The
 * coordinator also evacuates failed regions automatically (straight to 100 %) and re-weighs the plan
 * when a target region's health changes, so traffic never goes to an unhealthy region.
 *
 * <p>Guardrails, each refusal saying why ({@link RouterException}): never evacuate the last healthy
 * region; one region at a time unless forced; never move traffic onto an unhealthy region; restore
 * only when the region has been healthy for {@code healthyFor} and has caught up from every source.
 * Time comes from the injected {@link Clock}. Thread-safe: the methods that read or change the plan are
 * synchronized.
 */
public final class RegionRouter {

    /**
     * Durable storage of the plan, shared by every region's router. {@link #save} makes its plan the next version
     * only if no other plan took that version: agreed, never last-writer-wins ({@link PlanAgreement}).
     */
    public interface PlanStore {
        /** The latest plan this region knows. */
        Optional<RoutingPlan> load();

        /**
         * Makes {@code plan} (the version after the current one) the plan, or throws {@link RouterException} of kind
         * CONFLICT (another plan took the version; carries it) or UNAVAILABLE (no majority of regions reached).
         */
        void save(RoutingPlan plan);
    }

    /** Where routing changes are recorded: who, when, what, why. */
    public interface AuditLog {
        void append(AuditEntry entry);
    }


    /**
     * Whether a region has caught up from every source except {@code ignoring} (failed regions, whose
     * logs cannot be read); the reason (with the lag) when not.
     */
    public interface CatchUp {
        Optional<String> notCaughtUp(RegionId region, java.util.Set<RegionId> ignoring);
    }

    private java.util.Set<RegionId> failedOnes(Map<RegionId, HealthModel.Verdict> v, RegionId except) {
        java.util.Set<RegionId> out = new java.util.HashSet<>();
        v.forEach((r, d) -> {
            if (d.failed() && !r.equals(except)) {
                out.add(r);
            }
        });
        return out;
    }

    /**
     * Settings.
     *
     * @param failAfter          how long a majority must see a region unhealthy before it is failed (default 5 s)
     * @param healthyFor         how long a region must be healthy before a restore (default 5 s)
     * @param defaultSteps       evacuation and restore steps (default 25, 50, 100)
     * @param defaultBake        time between steps (default 10 s)
     * @param automaticFailover  evacuate failed regions automatically (default on)
     */
    public record Settings(Duration failAfter, Duration healthyFor, List<Integer> defaultSteps, Duration defaultBake,
            boolean automaticFailover) {
        public Settings {
            defaultSteps = checkSteps(defaultSteps);
        }

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(5), Duration.ofSeconds(5), List.of(25, 50, 100), Duration.ofSeconds(10),
                    true);
        }
    }

    private final RegionId self;
    private final List<RegionId> regions;
    private final Clock clock;
    private final Settings settings;
    private final PlanStore store;
    private final AuditLog audit;
    private final CatchUp catchUp;
    private final Supplier<Map<RegionId, HealthModel.Verdict>> health;
    /** Read without the lock (clients and status must not wait for an agreement in progress); written under it. */
    private volatile RoutingPlan current;
    private String lastAutomaticRefusal = "";
    private String lastTickProblem = "";

    /**
     * What the router works with besides time and settings.
     *
     * @param store where plans are agreed and kept
     * @param audit where every change is recorded
     * @param catchUp the restore gate: whether a region has caught up from every source
     * @param health the observers' verdict per region
     */
    public record Inputs(PlanStore store, AuditLog audit, CatchUp catchUp, Supplier<Map<RegionId, HealthModel.Verdict>> health) {
        public Inputs {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(audit, "audit");
            Objects.requireNonNull(catchUp, "catchUp");
            Objects.requireNonNull(health, "health");
        }
    }

    public RegionRouter(RegionId self, List<RegionId> regions, Clock clock, Settings settings, Inputs inputs) {
        this.self = Objects.requireNonNull(self, "self");
        this.regions = regions.stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.store = inputs.store();
        this.audit = inputs.audit();
        this.catchUp = inputs.catchUp();
        this.health = inputs.health();
        this.current = RoutingPlan.initial(this.regions);
    }

    static List<Integer> checkSteps(List<Integer> steps) {
        if (steps == null || steps.isEmpty()) {
            throw RouterException.badInput("steps must not be empty");
        }
        int previous = 0;
        for (int s : steps) {
            if (s <= previous || s > 100) {
                throw RouterException.badInput("steps must increase within 1..100 and end at 100; got " + steps);
            }
            previous = s;
        }
        if (previous != 100) {
            throw RouterException.badInput("the last step must be 100; got " + steps);
        }
        return List.copyOf(steps);
    }

    /** The plan as this router knows it (refreshed from the store every tick); never waits for a change in progress. */
    public RoutingPlan plan() {
        return current;
    }

    /** Adopts a newer plan written by another region's router. */
    public synchronized RoutingPlan refresh() {
        store.load().ifPresent(p -> {
            if (p.version() > current.version() || (p.version() == current.version() && p.updatedAt() > current.updatedAt())) {
                current = p;
            }
        });
        return current;
    }

    private RegionId known(RegionId r) {
        if (!regions.contains(r)) {
            throw RouterException.badInput("unknown region '" + r + "': the plan has " + regions);
        }
        return r;
    }

    private Map<RegionId, HealthModel.Verdict> verdicts() {
        return health.get();
    }

    private boolean failed(Map<RegionId, HealthModel.Verdict> v, RegionId r) {
        HealthModel.Verdict d = v.get(r);
        return d != null && d.failed();
    }

    /** Regions that could take traffic: serving and not failed. */
    private List<RegionId> eligibleTargets(Map<RegionId, RoutingPlan.RegionPlan> states, Map<RegionId, HealthModel.Verdict> v,
            RegionId except) {
        return regions.stream().filter(r -> !r.equals(except) && !failed(v, r)
                && states.get(r).state() == TrafficState.SERVING).toList();
    }

    // ---------------------------------------------------------------- operator commands

    /** Starts a stepped evacuation of {@code region} (steps/bake null: the defaults). */
    public synchronized RoutingPlan evacuate(RegionId region, List<Integer> steps, Duration bake, String reason, String actor,
            boolean force) {
        refresh();
        known(region);
        List<Integer> s = steps == null ? settings.defaultSteps() : checkSteps(steps);
        Duration b = bake == null ? settings.defaultBake() : checkBake(bake);
        TrafficState state = current.state(region);
        if (!Transition.START_EVACUATION.allowedFrom(state)) {
            throw RouterException.refused(region + " is " + state + ": only a SERVING region can be evacuated"
                    + (state == TrafficState.RESTORING ? " (abort the restore first)" : ""));
        }
        Map<RegionId, HealthModel.Verdict> v = verdicts();
        if (current.operation() != null && !force) {
            throw RouterException.refused("an operation is in progress (" + current.operation().describe() + "); one region at"
                    + " a time: wait, abort it, or use --force");
        }
        if (!force) {
            for (RegionId other : regions) {
                if (!other.equals(region) && current.state(other) != TrafficState.SERVING) {
                    throw RouterException.refused(other + " is " + current.state(other) + "; one region at a time: restore it"
                            + " first or use --force");
                }
            }
        }
        if (eligibleTargets(current.regions(), v, region).isEmpty()) {
            throw RouterException.refused("no healthy serving region would take " + region + "'s traffic: never evacuate the"
                    + " last healthy region");
        }
        return startOperation(RoutingPlan.Shift.Kind.EVACUATE, region, s, b, v, actor, reason);
    }

    /** Starts a stepped restore of an evacuated region, if it is healthy and caught up. */
    public synchronized RoutingPlan restore(RegionId region, List<Integer> steps, Duration bake, String reason, String actor) {
        refresh();
        known(region);
        List<Integer> s = steps == null ? settings.defaultSteps() : checkSteps(steps);
        Duration b = bake == null ? settings.defaultBake() : checkBake(bake);
        TrafficState state = current.state(region);
        if (!Transition.START_RESTORE.allowedFrom(state)) {
            throw RouterException.refused(region + " is " + state + ": only an EVACUATED region can be restored"
                    + (state == TrafficState.EVACUATING ? " (abort the evacuation instead)" : ""));
        }
        if (current.operation() != null) {
            throw RouterException.refused("an operation is in progress (" + current.operation().describe() + "); wait or abort it");
        }
        Map<RegionId, HealthModel.Verdict> v = verdicts();
        HealthModel.Verdict verdict = v.get(region);
        if (verdict == null || verdict.failed() || verdict.healthyForMillis() < settings.healthyFor().toMillis()) {
            throw RouterException.refused(region + " has not been healthy for " + settings.healthyFor().toSeconds()
                    + " s by a majority of observers" + (verdict == null ? "" : " (" + verdict.detail() + ")"));
        }
        Optional<String> lagging = catchUp.notCaughtUp(region, failedOnes(v, region));
        if (lagging.isPresent()) {
            throw RouterException.refused(region + " has not caught up: " + lagging.get());
        }
        return startOperation(RoutingPlan.Shift.Kind.RESTORE, region, s, b, v, actor, reason);
    }

    /**
     * Takes the first step of an evacuation or restore (checked by the caller) and records the operation,
     * driven by this router; a single 100 % step finishes it at once.
     */
    private RoutingPlan startOperation(RoutingPlan.Shift.Kind kind, RegionId region, List<Integer> steps, Duration bake,
            Map<RegionId, HealthModel.Verdict> v, String actor, String reason) {
        boolean evacuate = kind == RoutingPlan.Shift.Kind.EVACUATE;
        int first = steps.get(0);
        Map<RegionId, RoutingPlan.RegionPlan> states = new LinkedHashMap<>(current.regions());
        RoutingPlan.Shift op = new RoutingPlan.Shift(kind, region, steps, 0, bake.toMillis(),
                clock.millis() + bake.toMillis(), false, self, actor, reason);
        if (first == 100) {
            states.put(region, evacuate ? new RoutingPlan.RegionPlan(TrafficState.EVACUATED, 0)
                    : new RoutingPlan.RegionPlan(TrafficState.SERVING, 100));
            op = null;
        } else {
            Transition t = evacuate ? Transition.START_EVACUATION : Transition.START_RESTORE;
            states.put(region, new RoutingPlan.RegionPlan(t.to(), evacuate ? 100 - first : first));
        }
        return commit(states, op, v, actor, evacuate ? "evacuate" : "restore", region, reason, "step 1/" + steps.size() + ": "
                + first + (evacuate ? " % moved" : " % back"));
    }

    /** Stops the operation in progress: an evacuation returns all traffic, a restore evacuates again. */
    public synchronized RoutingPlan abort(String reason, String actor) {
        refresh();
        RoutingPlan.Shift op = current.operation();
        if (op == null) {
            throw RouterException.refused("no evacuation or restore is in progress");
        }
        RegionId region = op.region();
        Map<RegionId, RoutingPlan.RegionPlan> states = new LinkedHashMap<>(current.regions());
        Transition t = op.kind() == RoutingPlan.Shift.Kind.EVACUATE ? Transition.ABORT_EVACUATION : Transition.ABORT_RESTORE;
        if (!t.allowedFrom(current.state(region))) {
            throw RouterException.refused(region + " is " + current.state(region) + "; nothing to abort");
        }
        Map<RegionId, HealthModel.Verdict> v = verdicts();
        if (t == Transition.ABORT_EVACUATION && failed(v, region)) {
            throw RouterException.refused(region + " is failed by a majority of observers: its traffic cannot come back");
        }
        states.put(region, new RoutingPlan.RegionPlan(t.to(), t.to() == TrafficState.SERVING ? 100 : 0));
        return commit(states, null, v, actor, "abort", region, reason, op.describe() + " aborted");
    }

    /** Pauses (true) or resumes (false) the steps of the operation in progress. */
    public synchronized RoutingPlan hold(boolean hold, String reason, String actor) {
        refresh();
        RoutingPlan.Shift op = current.operation();
        if (op == null) {
            throw RouterException.refused("no evacuation or restore is in progress");
        }
        if (op.held() == hold) {
            throw RouterException.refused("the operation is already " + (hold ? "held" : "running"));
        }
        RoutingPlan.Shift next = op.held(hold, clock.millis() + op.bakeMillis());
        return commit(new LinkedHashMap<>(current.regions()), next, verdicts(), actor, hold ? "hold" : "resume",
                op.region(), reason, next.describe());
    }

    private static Duration checkBake(Duration bake) {
        if (bake.isNegative() || bake.compareTo(Duration.ofHours(24)) > 0) {
            throw RouterException.badInput("bake must be within 0 s..24 h");
        }
        return bake;
    }

    // ---------------------------------------------------------------- the clock

    /** Called every second: adopt newer plans, fail over failed regions, take due steps, re-weigh. */
    public synchronized void tick() {
        refresh();
        Map<RegionId, HealthModel.Verdict> v = verdicts();
        try {
            act(v);
        } catch (RouterException e) {
            // another router's change won the version (we adopted it) or no majority answered: next tick
            lastTickProblem = e.getMessage();
        }
    }

    /** Why the last tick changed nothing it meant to, or empty. */
    public synchronized String lastTickProblem() {
        return lastTickProblem;
    }

    private void act(Map<RegionId, HealthModel.Verdict> v) {
        lastTickProblem = "";
        long now = clock.millis();
        Optional<RegionId> coordinator = regions.stream()
                .filter(r -> !failed(v, r) && current.state(r) == TrafficState.SERVING).findFirst();
        boolean coordinating = coordinator.isPresent() && coordinator.get().equals(self);
        if (settings.automaticFailover() && coordinating) {
            for (RegionId r : regions) {
                if (failed(v, r) && Transition.AUTOMATIC_EVACUATION.allowedFrom(current.state(r))) {
                    automaticEvacuation(r, v);
                }
            }
        }
        RoutingPlan.Shift op = current.operation();
        if (op != null && !op.held() && now >= op.nextStepAt()) {
            boolean driverFailed = failed(v, op.driver());
            if (op.driver().equals(self) || (driverFailed && coordinating)) {
                step(op.driver().equals(self) ? op : op.drivenBy(self), v, now);
            }
        }
        if (coordinating) {
            Map<RegionId, Map<RegionId, Integer>> w = weights(current.regions(), v);
            if (!w.equals(current.weights())) {
                commit(new LinkedHashMap<>(current.regions()), current.operation(), v, "router@" + self, "reweigh", null,
                        "target health changed", "weights " + w);
            }
        }
    }

    private void automaticEvacuation(RegionId r, Map<RegionId, HealthModel.Verdict> v) {
        if (eligibleTargets(current.regions(), v, r).isEmpty()) {
            String why = "automatic evacuation of " + r + " refused: no healthy serving region would take its traffic";
            if (!why.equals(lastAutomaticRefusal)) {
                lastAutomaticRefusal = why;
                audit.append(new AuditEntry(clock.millis(), "router@" + self, "refused", r.name(), why, current.version(),
                        v.get(r).detail()));
            }
            return;
        }
        Map<RegionId, RoutingPlan.RegionPlan> states = new LinkedHashMap<>(current.regions());
        states.put(r, new RoutingPlan.RegionPlan(Transition.AUTOMATIC_EVACUATION.to(), 0));
        RoutingPlan.Shift op = current.operation();
        if (op != null && op.region().equals(r)) {
            op = null; // its own operation ends here
        }
        commit(states, op, v, "router@" + self, "automatic-evacuation", r, "failed by " + v.get(r).agreeing() + " of "
                + v.get(r).observers() + " observers", v.get(r).detail());
    }

    private void step(RoutingPlan.Shift op, Map<RegionId, HealthModel.Verdict> v, long now) {
        RegionId region = op.region();
        int next = op.stepIndex() + 1;
        Map<RegionId, RoutingPlan.RegionPlan> states = new LinkedHashMap<>(current.regions());
        boolean evacuate = op.kind() == RoutingPlan.Shift.Kind.EVACUATE;
        int pct = op.steps().get(Math.min(next, op.steps().size() - 1));
        boolean last = next >= op.steps().size() - 1;
        Transition t = evacuate ? (last ? Transition.FINISH_EVACUATION : Transition.EVACUATION_STEP)
                : (last ? Transition.FINISH_RESTORE : Transition.RESTORE_STEP);
        if (!t.allowedFrom(current.state(region))) {
            commit(states, null, v, "router@" + self, "operation-ended", region, region + " is " + current.state(region),
                    op.describe() + " cannot continue");
            return;
        }
        if (evacuate && eligibleTargets(states, v, region).isEmpty()) {
            commit(states, op.held(true, now), v, "router@" + self, "hold", region,
                    "no healthy serving region would take more traffic", op.describe() + " held");
            return;
        }
        states.put(region, new RoutingPlan.RegionPlan(t.to(), evacuate ? 100 - pct : pct));
        RoutingPlan.Shift after = last ? null : op.at(next, now + op.bakeMillis());
        commit(states, after, v, "router@" + self, evacuate ? "evacuation-step" : "restore-step", region, op.reason(),
                "step " + (next + 1) + "/" + op.steps().size() + ": " + pct + " %" + (last ? " (done)" : ""));
    }

    /**
     * For each home region: the share it keeps stays with it; the rest is split evenly (in name order,
     * remainder to the first) over the regions that are serving and not failed.
     */
    Map<RegionId, Map<RegionId, Integer>> weights(Map<RegionId, RoutingPlan.RegionPlan> states, Map<RegionId, HealthModel.Verdict> v) {
        Map<RegionId, Map<RegionId, Integer>> out = new TreeMap<>();
        for (RegionId home : regions) {
            int kept = states.get(home).keptPercent();
            List<RegionId> targets = eligibleTargets(states, v, home);
            Map<RegionId, Integer> w = new TreeMap<>();
            if (targets.isEmpty()) {
                w.put(home, 100); // nowhere else to go (guardrails keep this from happening on purpose)
            } else {
                if (kept > 0) {
                    w.put(home, kept);
                }
                int rest = 100 - kept;
                int base = rest / targets.size();
                int extra = rest % targets.size();
                for (int i = 0; i < targets.size(); i++) {
                    int share = base + (i < extra ? 1 : 0);
                    if (share > 0) {
                        w.put(targets.get(i), share);
                    }
                }
            }
            out.put(home, w);
        }
        return out;
    }

    private RoutingPlan commit(Map<RegionId, RoutingPlan.RegionPlan> states, RoutingPlan.Shift op,
            Map<RegionId, HealthModel.Verdict> v, String actor, String action, RegionId region, String reason, String detail) {
        RoutingPlan next = new RoutingPlan(current.version() + 1, Math.max(clock.millis(), current.updatedAt() + 1), states,
                weights(states, v), op);
        try {
            store.save(next); // agreed by a majority, or it throws and nothing changes
        } catch (RouterException e) {
            if (e.current() != null && e.current().version() > current.version()) {
                current = e.current(); // the plan that won: what the caller is told and what this router follows now
            }
            throw e;
        }
        current = next;
        audit.append(new AuditEntry(next.updatedAt(), actor, action, region == null ? "" : region.name(),
                reason == null ? "" : reason, next.version(), detail));
        return next;
    }

    /** The verdicts this router uses now, by region (for status). */
    public Map<RegionId, HealthModel.Verdict> health() {
        return new LinkedHashMap<>(verdicts());
    }

    /** The region this router runs in. */
    public RegionId self() {
        return self;
    }

    /** The regions, by name. */
    public List<RegionId> regions() {
        return new ArrayList<>(regions);
    }
}
