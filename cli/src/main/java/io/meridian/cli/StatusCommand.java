package io.meridian.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meridian.client.OperatorClient;
import io.meridian.client.OperatorException;
import io.meridian.core.wire.CacheStatus;
import io.meridian.core.wire.RegionHealthReport;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.core.wire.RouterStatus;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meridian status}: per region its health, and replication into it from every source region
 * (lag in mutations and time, applied, dead letters, held partitions). Exit 0 when every region answers
 * and is healthy, 1 when one is unhealthy or lags, 3 when one does not answer.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Regions, health and replication lag per region pair.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    LocalCommand.DirOption dir;
    @Option(names = "--json", description = "Print JSON instead of tables.")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** What {@code --json} prints: every region as its servers answered, and the plan as the first router sees it. */
    record View(List<RegionView> regions, RouterStatus router) {
    }

    /**
     * One region; {@code health} "unreachable" or "unavailable (status: why)" (and the rest null) when its server did
     * not answer.
     */
    record RegionView(String region, String health, Map<String, String> checks, String level, List<String> alerts,
            Long clockMillis, Long openDeadLetters, String needsRepair, List<ReplicationStatus.Source> replication,
            List<InstanceCache> cache) {
        static RegionView unreachable(String region, String why) {
            return new RegionView(region, why, null, null, null, null, null, null, List.of(), List.of());
        }

        boolean answered() {
            return checks != null;
        }
    }

    /** One server instance's cache; {@code state} "unreachable" when it did not answer. */
    record InstanceCache(String instance, String state, Boolean enabled, CacheStatus.Counters total,
            Map<String, Long> invalidationMessages) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LocalCluster cluster = LocalCommand.backend().attach(dir.path());
        View view = collect(cluster, LocalCommand.operatorClient(cluster, Duration.ofSeconds(5)));
        if (json) {
            out.println(JSON.writeValueAsString(view));
        } else {
            printHealth(out, view.regions());
            printReplication(out, view.regions());
            printRouter(out, view.router());
            printCaches(out, view.regions());
        }
        out.flush();
        int exit = Meridian.OK;
        for (RegionView r : view.regions()) {
            exit = Math.max(exit, !r.answered() ? Meridian.UNAVAILABLE
                    : r.health().equals("healthy") ? Meridian.OK : Meridian.CHECK_FAILED);
        }
        return exit;
    }

    /** Every region's health, replication and caches, and the routing plan as the first reachable router sees it. */
    private static View collect(LocalCluster cluster, OperatorClient operator) {
        List<RegionView> regions = new ArrayList<>();
        for (RegionEndpoints r : DataCommands.regions(cluster)) {
            regions.add(region(r, operator));
        }
        RouterStatus router = null;
        for (RegionEndpoints r : DataCommands.regions(cluster)) {
            try {
                router = operator.at(r.serverUrl()).routerStatus();
                break;
            } catch (OperatorException e) {
                // the next region's router
            }
        }
        return new View(regions, router);
    }

    private static RegionView region(RegionEndpoints r, OperatorClient operator) {
        Map<String, OperatorClient.Check> health;
        ReplicationStatus repl;
        try {
            health = operator.healthChecks(r.serverAdminUrl());
            repl = operator.at(r.serverUrl()).replication();
        } catch (OperatorException e) {
            if (e.kind() == OperatorException.Kind.UNAUTHORIZED) {
                throw LocalClusterException.badInput(r.region() + "'s server refused the operator credentials (set"
                        + " MERIDIAN_OPERATOR_USER and MERIDIAN_OPERATOR_PASSWORD)");
            }
            return RegionView.unreachable(r.region().name(), e.kind() == OperatorException.Kind.UNREACHABLE ? "unreachable"
                    : "unavailable (" + e.status() + ": " + e.getMessage() + ")");
        }
        boolean healthy = true;
        Map<String, String> checks = new LinkedHashMap<>();
        for (String check : new String[] {"cassandra", "kafka", "replication"}) {
            OperatorClient.Check c = health.get(check);
            boolean ok = c != null && c.healthy();
            healthy &= ok;
            checks.put(check, ok ? "healthy" : "UNHEALTHY: " + (c == null || c.message() == null ? "" : c.message()));
        }
        RegionHealthReport level = null;
        try {
            level = operator.at(r.serverUrl()).health();
        } catch (OperatorException e) {
            // the level column shows '?'
        }
        List<InstanceCache> caches = new ArrayList<>();
        for (io.meridian.localcluster.ServerEndpoints s : r.servers()) {
            try {
                CacheStatus c = operator.at(s.url()).cache();
                caches.add(new InstanceCache(s.label(), null, c.enabled(), c.total(), c.invalidationMessages()));
            } catch (OperatorException e) {
                caches.add(new InstanceCache(s.label(), "unreachable", null, null, null));
            }
        }
        return new RegionView(r.region().name(), healthy ? "healthy" : "unhealthy", checks,
                level == null ? null : level.level(), level == null ? null : level.alerts(),
                level == null ? null : level.clockMillis(), repl.openDeadLetters(), repl.needsRepair(), repl.sources(), caches);
    }

    private static void printHealth(PrintWriter out, List<RegionView> regions) {
        out.printf(Locale.ROOT, "%-10s %-10s %-9s %s%n", "REGION", "HEALTH", "LEVEL", "CHECKS");
        for (RegionView n : regions) {
            StringBuilder checks = new StringBuilder();
            if (n.checks() != null) {
                n.checks().forEach((k, v) -> checks.append(k).append('=').append(v).append("  "));
            }
            out.printf(Locale.ROOT, "%-10s %-10s %-9s %s%n", n.region(), n.health(), n.level() == null ? "?" : n.level(),
                    checks.toString().trim());
        }
        for (RegionView n : regions) {
            if (n.alerts() != null) {
                n.alerts().forEach(alert -> out.printf(Locale.ROOT, "ALERT %s: %s%n", n.region(), alert));
            }
        }
    }

    private static void printReplication(PrintWriter out, List<RegionView> regions) {
        out.println();
        String row = "%-10s %-10s %-12s %-10s %-10s %-8s %-6s %s%n";
        out.printf(Locale.ROOT, row, "TO", "FROM", "LAG(MUT)", "LAG(MS)", "APPLIED", "DEAD", "HELD", "STATE");
        for (RegionView n : regions) {
            for (ReplicationStatus.Source s : n.replication()) {
                String state = s.caughtUp() ? "caught up"
                        : !s.held().isEmpty() ? "HELD: " + s.held().get(0)
                        : s.lastError() != null && !s.lastError().isEmpty() ? "error: " + s.lastError() : "catching up";
                out.printf(Locale.ROOT, row, n.region(), s.source(), s.lagOffsets() < 0 ? "?" : String.valueOf(s.lagOffsets()),
                        s.lagMillis(), s.applied(), s.deadLetters(), s.held().size(), state);
            }
        }
    }

    private static void printRouter(PrintWriter out, RouterStatus router) {
        if (router == null) {
            return;
        }
        out.println();
        RoutingPlan.Shift op = router.operation();
        out.printf(Locale.ROOT, "routing plan v%d (as %s's router sees it)%s%n", router.planVersion(), router.observer(),
                op == null ? "" : "; in progress: " + op.describe());
        String routerRow = "%-10s %-11s %-7s %-9s %-12s %s%n";
        out.printf(Locale.ROOT, routerRow, "REGION", "STATE", "KEEPS", "TRAFFIC", "FAILED", "OBSERVERS");
        for (RouterStatus.RegionStatus r : router.regions()) {
            out.printf(Locale.ROOT, routerRow, r.region(), r.state(), r.keptPercent() + "%", r.trafficSharePercent() + "%",
                    r.failed() ? "FAILED" : "no", r.observersAgreeing() + "/" + r.observers() + " see it down; " + r.health());
        }
    }

    private static void printCaches(PrintWriter out, List<RegionView> regions) {
        out.println();
        String cacheRow = "%-10s %-10s %-8s %-10s %-10s %-10s %-10s %-12s %-12s %s%n";
        out.printf(Locale.ROOT, cacheRow, "REGION", "INSTANCE", "HIT%", "READS", "MISSES", "EVICTED", "ENTRIES", "BYTES",
                "INVALIDATED", "STALE-FILLS");
        for (RegionView n : regions) {
            for (InstanceCache c : n.cache()) {
                CacheStatus.Counters t = c.total();
                if (!Boolean.TRUE.equals(c.enabled()) || t == null) {
                    out.printf(Locale.ROOT, "%-10s %-10s %s%n", n.region(), c.instance(), c.state() != null ? c.state() : "cache off");
                    continue;
                }
                out.printf(Locale.ROOT, cacheRow, n.region(), c.instance(), String.format(Locale.ROOT, "%.1f", 100 * t.hitRatio()),
                        t.reads(), t.misses(), t.evictions(), t.entries(), t.weightedBytes(),
                        c.invalidationMessages() == null ? 0 : c.invalidationMessages().getOrDefault("received", 0L),
                        t.staleFillsRejected());
            }
        }
    }
}
