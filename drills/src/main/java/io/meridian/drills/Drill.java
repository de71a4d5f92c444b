package io.meridian.drills;

import io.meridian.client.MeridianClient;
import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.core.wire.TrafficChange;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.LinkFault;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.store.Cells;
import io.meridian.store.StoreSchema;
import io.meridian.store.Verifier;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * A failover drill (Netflix's Chaos Kong, as a command): a recorded workload runs in every region
 * while the scenario breaks something on purpose and lets the system (and, where planned, the
 * operator's commands) deal with it; then every check is evaluated and a report is written.
 * Exit status: {@link Outcome#passed()} only when every check passed.
 */
public final class Drill {

    /** What the drill breaks. */
    public enum Scenario {
        /** Evacuate the target region in steps under load, then restore it: no request may fail. */
        PLANNED_EVACUATION,
        /** kill -9 every process of the target; the router evacuates it; restart; catch up; restore. */
        REGION_OUTAGE,
        /** Cut the target's cross-region links while both sides write; heal; converge. */
        REPLICATION_PARTITION,
        /** Kill the target's Kafka and start it again. */
        KAFKA_OUTAGE,
        /** Kill the target's Cassandra and start it again. */
        CASSANDRA_RESTART,
        /** kill -9 the target's servers three times under load. */
        SERVER_CRASH,
        /**
         * Hostile and careless requests against the target under load (poison TTL, oversized batch, limit-sized
         * values, forged plan, past and future tokens, no credentials, wrong roles, an unappliable mutation injected
         * into the log): each refused or dead-lettered, replication never stalls, evacuate and restore still work.
         */
        HOSTILE_CLIENT;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Parses a command-line label; the message lists the scenarios. */
        public static Scenario parse(String label) {
            for (Scenario s : values()) {
                if (s.label().equals(label)) {
                    return s;
                }
            }
            List<String> all = new ArrayList<>();
            for (Scenario s : values()) {
                all.add(s.label());
            }
            throw new IllegalArgumentException("unknown scenario '" + label + "': expected one of " + all);
        }
    }

    /**
     * @param duration         the fault phase's length (the whole drill takes about twice that plus recovery)
     * @param ratePerRegion    operations per second per home region
     * @param evacuateLimit    the longest an evacuation may take (planned: start to 100 %; outage: fault to evacuated)
     * @param restoreLimit     the longest a restore may take, from the first attempt to serving
     * @param detectionWindow  unplanned faults: failed requests are allowed from the fault to this long after it
     */
    public record Settings(Scenario scenario, RegionId target, Duration duration, int ratePerRegion, long seed, Path reportDir,
            Duration evacuateLimit, Duration restoreLimit, Duration detectionWindow) {
    }

    /** One check, with its figure. */
    public record Check(String name, boolean passed, String figure) {
    }

    /** The result. */
    public record Outcome(boolean passed, List<Check> checks, Path reportJson, Path reportHtml) {
    }

    private final LocalCluster cluster;
    private final Settings s;
    private final PrintStream progress;
    private final ClusterApi api;
    private final History history = new History();
    private final Timeline timeline = new Timeline();
    private final AtomicReference<String> phase = new AtomicReference<>("starting");
    private final long t0 = System.currentTimeMillis();
    private HostileClient hostile;
    private List<String> limitIds = List.of();
    private final java.util.concurrent.atomic.AtomicLong maxLagMillis = new java.util.concurrent.atomic.AtomicLong();

    private Drill(LocalCluster cluster, Settings s, PrintStream progress) {
        this.cluster = cluster;
        this.s = s;
        this.progress = progress;
        this.api = new ClusterApi(cluster);
    }

    public static Outcome run(LocalCluster cluster, Settings settings, PrintStream progress) throws Exception {
        return new Drill(cluster, settings, progress).run();
    }

    private void event(String kind, String detail) {
        timeline.event(System.currentTimeMillis(), kind, detail);
        progress.printf(Locale.ROOT, "[%6.1fs] %-14s %s%n", (System.currentTimeMillis() - t0) / 1000.0, kind, detail);
    }

    /** Waits for a condition, polling every 250 ms, up to {@code limit}; false when it did not happen. */
    private static boolean await(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(250); // polling a cluster, not a test
        }
        return condition.getAsBoolean();
    }

    private String currentNamespace;

    private Outcome run() throws Exception {
        String ns = "drill_" + Long.toString(System.currentTimeMillis(), 36);
        currentNamespace = ns;
        Map<RegionId, String> urls = new LinkedHashMap<>();
        for (RegionEndpoints r : cluster.regions()) {
            urls.put(r.region(), r.serverUrl());
        }
        RegionEndpoints via = cluster.regions().get(cluster.regions().size() - 1);
        try (MeridianClient admin = MeridianClient.builder().homeRegion(via.region()).followRoutingPlan(Duration.ZERO)
                .endpoint(via.region(), URI.create(via.serverUrl())).operator(api.operator.user(), api.operator.secret()).build()) {
            admin.createNamespace(ns);
        }
        for (RegionEndpoints r : cluster.regions()) {
            String state = api.state(r.region()).map(Enum::name).orElse("unknown (no router answered)");
            if (!api.is(r.region(), TrafficState.SERVING)) {
                throw new IllegalStateException(r.region() + " is " + state + " in the routing plan: a drill starts with every"
                        + " region serving (`meridian restore " + r.region() + "`)");
            }
        }
        event("start", s.scenario().label() + " on " + s.target() + ", namespace " + ns + ", " + s.ratePerRegion()
                + " ops/s per region, seed " + s.seed());
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> sample(sampling), "drill-sampler");
        sampler.setDaemon(true);
        sampler.start();
        Duration phaseLength = s.duration();
        Map<String, Long> marks = new LinkedHashMap<>();
        try (Workload workload = new Workload(urls, ns, history, new Workload.Load(s.ratePerRegion(), s.seed()), api.app)) {
            workload.start();
            phase.set("steady");
            event("workload", "clients homed in " + urls.keySet());
            Thread.sleep(Math.max(3_000, phaseLength.toMillis() / 3)); // the steady phase before the fault
            scenario(phaseLength, marks);
            phase.set("after");
            Thread.sleep(Math.max(2_000, phaseLength.toMillis() / 3)); // the workload continues after recovery
            phase.set("stopping");
        }
        event("workload-stopped", history.ops().size() + " operations");
        phase.set("quiescing");
        boolean quiet = await(Duration.ofSeconds(180), api::allCaughtUp);
        event("quiesced", quiet ? "every region caught up from every other" : "NOT caught up after 180 s");
        sampling.set(false);
        sampler.join(5_000);
        List<Check> checks = checks(ns, marks);
        boolean passed = checks.stream().allMatch(Check::passed);
        Path dir = s.reportDir();
        Report.Files files = Report.write(dir, s, history, timeline, checks, passed, t0);
        event(passed ? "PASSED" : "FAILED", checks.stream().filter(c -> !c.passed()).map(Check::name).toList().toString());
        return new Outcome(passed, checks, files.json(), files.html());
    }

    private void scenario(Duration length, Map<String, Long> marks) throws Exception {
        RegionId target = s.target();
        switch (s.scenario()) {
            case PLANNED_EVACUATION -> plannedEvacuation(target, length, marks);
            case REGION_OUTAGE -> regionOutage(target, length, marks);
            case REPLICATION_PARTITION -> replicationPartition(target, length, marks);
            case KAFKA_OUTAGE -> engineOutage(target, Component.KAFKA, length, marks);
            case CASSANDRA_RESTART -> engineOutage(target, Component.CASSANDRA, length, marks);
            case HOSTILE_CLIENT -> hostile(length, marks);
            case SERVER_CRASH -> serverCrash(target, length, marks);
        }
    }

    /** An operator evacuates the target in steps, keeps traffic away for a while, then restores it. */
    private void plannedEvacuation(RegionId target, Duration length, Map<String, Long> marks) throws Exception {
        phase.set("evacuating");
        long bake = Math.max(2, length.toSeconds() / 6);
        long start = System.currentTimeMillis();
        marks.put("evacuate-start", start);
        event("evacuate", target + " in steps 25,50,100 with " + bake + " s bake");
        ClusterApi.Answer r = api.evacuate(new TrafficChange(target.name(), List.of(25, 50, 100), (int) bake,
                "drill " + s.scenario().label(), null));
        if (!r.accepted()) {
            event("refused", r.message());
            return;
        }
        if (await(s.evacuateLimit().plusSeconds(30), () -> api.is(target, TrafficState.EVACUATED))) {
            marks.put("evacuated", System.currentTimeMillis());
            event("evacuated", target + " after " + (System.currentTimeMillis() - start) / 1000.0 + " s");
        }
        phase.set("evacuated");
        Thread.sleep(length.toMillis() / 2); // traffic stays away for a while
        restore(marks, bake);
    }

    /** Every process of the target is killed; the routers must evacuate it; it comes back and is restored. */
    private void regionOutage(RegionId target, Duration length, Map<String, Long> marks) throws Exception {
        phase.set("outage");
        long fault = System.currentTimeMillis();
        marks.put("fault", fault);
        event("fault", "kill -9 every process of " + target);
        for (Component c : List.of(Component.SERVER, Component.KAFKA, Component.CASSANDRA)) {
            cluster.kill(target, c);
        }
        if (await(s.evacuateLimit().plusSeconds(30), () -> api.is(target, TrafficState.EVACUATED))) {
            marks.put("evacuated", System.currentTimeMillis());
            event("evacuated", "automatically, " + (System.currentTimeMillis() - fault) / 1000.0 + " s after the fault");
        }
        Thread.sleep(length.toMillis() / 2);
        phase.set("restarting");
        event("restart", target + " started again with its data");
        cluster.start(target);
        restore(marks, Math.max(2, length.toSeconds() / 6));
    }

    /** The target's links to every region are cut while every side keeps writing, then healed. */
    private void replicationPartition(RegionId target, Duration length, Map<String, Long> marks) throws Exception {
        phase.set("partitioned");
        marks.put("fault", System.currentTimeMillis());
        for (RegionEndpoints r : cluster.regions()) {
            if (!r.region().equals(target)) {
                cluster.cut(target, r.region(), LinkFault.Cut.BLACKHOLE);
            }
        }
        event("fault", "cut " + target + "'s links to every region (blackhole); every side keeps writing");
        Thread.sleep(length.toMillis());
        for (RegionEndpoints r : cluster.regions()) {
            if (!r.region().equals(target)) {
                cluster.heal(target, r.region());
            }
        }
        marks.put("heal", System.currentTimeMillis());
        event("heal", "links restored");
        if (await(Duration.ofSeconds(120), api::allCaughtUp)) {
            event("caught-up", "every region caught up");
        }
    }

    /** One engine of the target is killed and started again. */
    private void engineOutage(RegionId target, Component c, Duration length, Map<String, Long> marks) throws Exception {
        phase.set(c.label() + " down");
        marks.put("fault", System.currentTimeMillis());
        event("fault", "kill -9 " + target + "'s " + c.label());
        cluster.kill(target, c);
        Thread.sleep(length.toMillis() / 2);
        event("restart", target + "'s " + c.label() + " started again");
        cluster.start(target);
        if (!api.is(target, TrafficState.SERVING)) {
            restore(marks, 2);
        }
    }

    /** The target's servers are killed three times in a row. */
    private void serverCrash(RegionId target, Duration length, Map<String, Long> marks) throws Exception {
        phase.set("crashing");
        marks.put("fault", System.currentTimeMillis());
        for (int i = 1; i <= 3; i++) {
            event("fault", "kill -9 " + target + "'s servers (" + i + "/3)");
            cluster.kill(target, Component.SERVER);
            Thread.sleep(length.toMillis() / 6);
            cluster.start(target);
            event("restart", target + "'s servers up again");
        }
        marks.put("fault-end", System.currentTimeMillis());
        if (!api.is(target, TrafficState.SERVING)) {
            restore(marks, 2);
        }
    }

    /**
     * Sends every hostile case, then checks that the writes at the limits reach every region within the detection
     * window, that an evacuation is accepted, and — once the operator discarded the injected poison's dead letters
     * — that the restore is accepted too.
     */
    private void hostile(Duration length, Map<String, Long> marks) throws Exception {
        phase.set("hostile");
        String ns = currentNamespace;
        hostile = new HostileClient(cluster, s.target(), ns, s.seed());
        marks.put("hostile-start", System.currentTimeMillis());
        event("hostile", "sending every hostile case to " + s.target());
        limitIds = hostile.run();
        long sent = System.currentTimeMillis();
        marks.put("hostile-sent", sent);
        long refused = hostile.cases().stream().filter(HostileClient.Case::passed).count();
        event("hostile-sent", refused + " of " + hostile.cases().size() + " cases answered as they must; poison injected into the log");
        if (await(s.detectionWindow(), () -> limitIds.stream().allMatch(hostile::readableEverywhere))) {
            marks.put("limits-replicated", System.currentTimeMillis());
            event("replicated", "the 1 MiB value and the 4 MiB write are in every region "
                    + (System.currentTimeMillis() - sent) / 1000.0 + " s after they were sent");
        }
        if (await(Duration.ofSeconds(60), () -> hostile.openDeadLetters().values().stream().allMatch(n -> n >= 1))) {
            marks.put("dead-lettered", System.currentTimeMillis());
            event("dead-lettered", "the injected mutation is a dead letter in every region: " + hostile.openDeadLetters());
        }
        Thread.sleep(length.toMillis() / 3); // the workload goes on with the poison behind it
        phase.set("evacuating");
        long bake = Math.max(2, length.toSeconds() / 6);
        marks.put("evacuate-start", System.currentTimeMillis());
        ClusterApi.Answer r = api.evacuate(new TrafficChange(s.target().name(), List.of(50, 100), (int) bake,
                "drill hostile-client", null));
        event(r.accepted() ? "evacuate" : "refused", r.accepted() ? s.target() + " in steps 50,100" : r.message());
        if (r.accepted()) {
            marks.put("evacuate-accepted", System.currentTimeMillis());
            if (await(s.evacuateLimit().plusSeconds(30), () -> api.is(s.target(), TrafficState.EVACUATED))) {
                marks.put("evacuated", System.currentTimeMillis());
                event("evacuated", s.target().toString());
            }
        }
        if (hostile.discardDeadLetters("injected by the hostile-client drill")) {
            marks.put("discarded", System.currentTimeMillis());
            event("discarded", "the operator discarded the dead letters after inspecting them");
        }
        restore(marks, bake);
    }

    /** Waits for the target to catch up, then restores it in steps, retrying while the router refuses. */
    private void restore(Map<String, Long> marks, long bake) throws Exception {
        RegionId target = s.target();
        phase.set("catching up");
        long first = System.currentTimeMillis();
        if (await(Duration.ofSeconds(180), api::allCaughtUp)) {
            marks.put("caught-up", System.currentTimeMillis());
            event("caught-up", target + " caught up from every source");
        }
        phase.set("restoring");
        marks.put("restore-start", System.currentTimeMillis());
        AtomicReference<String> refusal = new AtomicReference<>("");
        boolean accepted = await(s.restoreLimit(), () -> {
            ClusterApi.Answer r = api.restore(new TrafficChange(target.name(), List.of(50, 100), (int) bake,
                    "drill " + s.scenario().label(), null));
            if (!r.accepted() && !r.message().equals(refusal.get())) {
                refusal.set(r.message());
                event("restore-refused", r.message());
            }
            return r.accepted();
        });
        if (!accepted) {
            return;
        }
        event("restore", target + " in steps 50,100");
        marks.put("restore-accepted", System.currentTimeMillis());
        if (await(s.restoreLimit(), () -> api.is(target, TrafficState.SERVING))) {
            marks.put("restored", System.currentTimeMillis());
            event("restored", target + " serving again " + (System.currentTimeMillis() - first) / 1000.0 + " s after it was back");
        }
    }

    private void sample(AtomicBoolean running) {
        long lastPrint = 0;
        while (running.get()) {
            long now = System.currentTimeMillis();
            Map<String, Double> share = new LinkedHashMap<>();
            Optional<RoutingPlan> plan = api.plan(s.target());
            for (RegionEndpoints r : cluster.regions()) {
                share.put(r.region().name(), plan.isEmpty() || plan.get().weights().isEmpty() ? -1
                        : Math.round(10 * plan.get().trafficShare(r.region())) / 10.0);
            }
            Map<String, Long> lags = api.lags();
            timeline.sample(new Timeline.Sample(now, share, lags));
            lags.values().forEach(l -> maxLagMillis.accumulateAndGet(l, Math::max));
            if (now - lastPrint >= 2_000) {
                lastPrint = now;
                List<History.Op> ops = history.ops();
                long errors = ops.stream().filter(o -> !o.ok()).count();
                long maxLag = lags.values().stream().mapToLong(Long::longValue).max().orElse(0);
                progress.printf(Locale.ROOT, "[%6.1fs] %-14s requests %6d  errors %4d  share %s  max lag %s%n",
                        (now - t0) / 1000.0, phase.get(), ops.size(), errors, share,
                        lags.containsValue(-1L) ? "? (a region unreachable)" : maxLag + " ms");
            }
            try {
                Thread.sleep(1_000); // sampling once a second
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- checks

    private List<Check> checks(String ns, Map<String, Long> marks) throws Exception {
        List<Check> checks = new ArrayList<>();
        Map<String, Map<String, Checker.Cell>> regions = finalContents(ns);
        Checker.Result a = Checker.check(history, regions);
        checks.add(new Check("acknowledged writes present or superseded in every region", a.passed(),
                a.acknowledgedWrites() + " acknowledged writes, " + a.checkedItems() + " items x " + regions.size()
                        + " regions, " + a.violations().size() + " violation(s)"
                        + (a.violations().isEmpty() ? "" : ": " + a.violations().subList(0, Math.min(5, a.violations().size())))));
        List<RegionEndpoints> all = cluster.regions();
        boolean identical;
        try (Verifier v = new Verifier(all.stream().map(RegionEndpoints::store).toList(), StoreSchema.DEFAULT_KEYSPACE)) {
            identical = await(Duration.ofSeconds(60), () -> v.verify(List.of(ns), 16, line -> { }).identical());
        }
        checks.add(new Check("verify: digests equal in every region", identical, identical ? "16 ranges identical"
                : "ranges differ after 60 s"));
        List<History.Op> failed = history.ops().stream().filter(o -> !o.ok()).toList();
        long fault = marks.getOrDefault("fault", -1L);
        if (s.scenario() == Scenario.HOSTILE_CLIENT) {
            checks.addAll(hostileChecks(marks));
        }
        if (s.scenario() == Scenario.PLANNED_EVACUATION || s.scenario() == Scenario.REPLICATION_PARTITION
                || s.scenario() == Scenario.HOSTILE_CLIENT) {
            checks.add(new Check("failed requests: none", failed.isEmpty(), failed.size() + " of " + history.ops().size()
                    + (failed.isEmpty() ? "" : "; first: " + failed.get(0).error())));
        } else {
            long windowEnd = fault + s.detectionWindow().toMillis()
                    + (marks.containsKey("fault-end") ? marks.get("fault-end") - fault : 0);
            List<History.Op> outside = failed.stream().filter(o -> o.startMillis() < fault || o.startMillis() > windowEnd).toList();
            checks.add(new Check("failed requests only inside the detection window (" + s.detectionWindow().toSeconds() + " s)",
                    outside.isEmpty(), failed.size() + " failed, " + outside.size() + " outside the window"
                    + (outside.isEmpty() ? "" : "; first: " + outside.get(0).error())));
        }
        if (s.scenario() == Scenario.PLANNED_EVACUATION || s.scenario() == Scenario.REGION_OUTAGE
                || s.scenario() == Scenario.HOSTILE_CLIENT) {
            long from = marks.getOrDefault(s.scenario() == Scenario.REGION_OUTAGE ? "fault" : "evacuate-start", -1L);
            Long evacuated = marks.get("evacuated");
            boolean evacOk = evacuated != null && evacuated - from <= s.evacuateLimit().toMillis();
            checks.add(new Check("time to evacuate within " + s.evacuateLimit().toSeconds() + " s", evacOk,
                    evacuated == null ? "never evacuated" : (evacuated - from) / 1000.0 + " s"));
            Long restored = marks.get("restored");
            Long restoreStart = marks.get("restore-start");
            boolean restoreOk = restored != null && restored - restoreStart <= s.restoreLimit().toMillis();
            checks.add(new Check("time to restore within " + s.restoreLimit().toSeconds() + " s", restoreOk,
                    restored == null ? "never restored" : (restored - restoreStart) / 1000.0 + " s"));
            Long caughtUp = marks.get("caught-up");
            Long accepted = marks.get("restore-accepted");
            boolean order = caughtUp != null && accepted != null && accepted >= caughtUp;
            checks.add(new Check("restore only after catch-up", order, caughtUp == null ? "never caught up"
                    : accepted == null ? "restore never accepted" : "caught up " + (accepted - caughtUp) / 1000.0
                    + " s before the restore was accepted"));
        }
        return checks;
    }

    private List<Check> hostileChecks(Map<String, Long> marks) {
        List<Check> out = new ArrayList<>();
        List<HostileClient.Case> wrong = hostile == null ? List.of() : hostile.cases().stream().filter(c -> !c.passed()).toList();
        out.add(new Check("every hostile request refused (or, at the limits, accepted)", hostile != null && wrong.isEmpty(),
                hostile == null ? "not run" : (hostile.cases().size() - wrong.size()) + " of " + hostile.cases().size() + " as expected"
                        + (wrong.isEmpty() ? "" : "; wrong: " + wrong.stream().map(c -> c.name() + " -> " + c.status()).toList())));
        out.add(new Check("the unappliable mutation dead-lettered in every region", marks.containsKey("dead-lettered"),
                marks.containsKey("dead-lettered") ? "dead letter in every region after "
                        + (marks.get("dead-lettered") - marks.get("hostile-sent")) / 1000.0 + " s" : "not dead-lettered everywhere"));
        Long replicated = marks.get("limits-replicated");
        out.add(new Check("writes at the limits replicated within the detection window (" + s.detectionWindow().toSeconds() + " s)",
                replicated != null, replicated == null ? "not in every region in time"
                        : (replicated - marks.get("hostile-sent")) / 1000.0 + " s"));
        long lag = maxLagMillis.get();
        out.add(new Check("replication never stalled longer than the detection window", lag <= s.detectionWindow().toMillis(),
                "largest lag sampled: " + lag + " ms"));
        out.add(new Check("evacuation accepted after the hostile requests", marks.containsKey("evacuate-accepted"),
                marks.containsKey("evacuate-accepted") ? "accepted" : "refused"));
        return out;
    }

    /** Every cell of the namespace in every region, read from its Cassandra. */
    private Map<String, Map<String, Checker.Cell>> finalContents(String ns) {
        Map<String, Map<String, Checker.Cell>> out = new LinkedHashMap<>();
        for (RegionEndpoints r : cluster.regions()) {
            Map<String, Checker.Cell> cells = new LinkedHashMap<>();
            for (Cells.Cell c : Cells.all(r.store(), StoreSchema.DEFAULT_KEYSPACE, ns)) {
                cells.put(c.id() + "/" + c.key().toUtf8(), new Checker.Cell(c.value().toUtf8(), c.writeTimeMicros()));
            }
            out.put(r.region().name(), cells);
        }
        return out;
    }
}
