package io.meridian.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meridian.client.OperatorClient;
import io.meridian.client.OperatorException;
import io.meridian.core.wire.AuditEntry;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.core.wire.TrafficChange;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meridian evacuate|restore|abort|hold|resume|audit}: the region router's operator commands,
 * sent to a region's router with the operator credentials ({@code MERIDIAN_OPERATOR_USER} /
 * {@code MERIDIAN_OPERATOR_PASSWORD}, else the embedded cluster's {@code DIR/operator.secret}).
 * A refusal (exit 1) prints the router's reason.
 */
final class RouterCommands {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern BAKE = Pattern.compile("(\\d{1,5})(s|m)?");

    private RouterCommands() { }

    static int bakeSeconds(String text) {
        Matcher m = BAKE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw LocalClusterException.badInput("--bake '" + text + "' is not a duration like 10s or 2m");
        }
        return Integer.parseInt(m.group(1)) * ("m".equals(m.group(2)) ? 60 : 1);
    }

    static List<Integer> steps(List<Integer> steps) {
        if (steps == null) {
            return null;
        }
        int previous = 0;
        for (int s : steps) {
            if (s <= previous || s > 100) {
                throw LocalClusterException.badInput("--steps must increase within 1..100 and end at 100; got " + steps);
            }
            previous = s;
        }
        if (previous != 100) {
            throw LocalClusterException.badInput("--steps must end at 100; got " + steps);
        }
        return steps;
    }

    /**
     * Runs {@code call} at the routers in order (avoiding {@code avoid} when another answers), the next server on an
     * unreachable or unavailable one; prints the plan it returns. Exit 0 done, 1 refused (409, the router's reason on
     * stderr), 2 bad input or credentials (nothing changed), 3 when no router answered.
     */
    static int run(CommandSpec spec, LocalCommand.DirOption dir, String avoid, boolean json,
            Function<OperatorClient.Server, RoutingPlan> call) throws Exception {
        RoutingPlan plan;
        try {
            plan = send(dir, avoid, call);
        } catch (Refused e) {
            spec.commandLine().getErr().println("meridian: refused: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return Meridian.CHECK_FAILED;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JSON.writeValueAsString(plan));
        } else {
            printPlan(out, plan);
        }
        out.flush();
        return Meridian.OK;
    }

    /** A router's refusal (409): its reason. */
    static final class Refused extends RuntimeException {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The answer of the first router that answers; {@link Refused} when it refuses. */
    static <T> T send(LocalCommand.DirOption dir, String avoid, Function<OperatorClient.Server, T> call) {
        LocalCluster cluster = LocalCommand.backend().attach(dir.path());
        List<RegionEndpoints> order = new ArrayList<>(DataCommands.regions(cluster));
        order.sort((a, b) -> Boolean.compare(a.region().name().equals(avoid), b.region().name().equals(avoid)));
        OperatorClient operator = LocalCommand.operatorClient(cluster, Duration.ofSeconds(15));
        OperatorException last = null;
        for (RegionEndpoints r : order) {
            for (var s : r.servers()) {
                try {
                    return call.apply(operator.at(s.url()));
                } catch (OperatorException e) {
                    switch (e.kind()) {
                        case UNAUTHORIZED -> throw LocalClusterException.badInput("the router refused the operator credentials"
                                + " (set MERIDIAN_OPERATOR_USER and MERIDIAN_OPERATOR_PASSWORD)");
                        case BAD_REQUEST -> throw LocalClusterException.badInput(e.getMessage());
                        case REFUSED -> throw new Refused(e.getMessage());
                        // a router that answered 5xx may have made the change before failing (the plan is agreed
                        // before the audit row is written): sending it again elsewhere could be refused although it
                        // happened, so the operator looks instead
                        case UNAVAILABLE -> throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                                e.server() + " answered " + e.status() + ": " + e.getMessage() + "; the change may or may"
                                + " not have been made: check `meridian status` before sending it again", null, e);
                        default -> last = e; // no answer: the next router
                    }
                }
            }
        }
        throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "no router answered: "
                + (last == null ? "no server" : last.server() + ": " + last.getMessage()), null, last);
    }

    /** The body of evacuate and restore, every argument checked (bad input: exit 2, nothing sent). */
    static TrafficChange change(String region, List<Integer> steps, String bake, String reason, Boolean force) {
        LocalCommand.region(region);
        return new TrafficChange(region, steps(steps), bake == null ? null : bakeSeconds(bake), reason, force);
    }

    static void printPlan(PrintWriter out, RoutingPlan plan) {
        out.printf(Locale.ROOT, "plan version %d%s%n", plan.version(),
                plan.operation() == null ? "" : "  operation: " + plan.operation().describe());
        new java.util.TreeMap<>(plan.regions()).forEach((region, p) -> out.printf(Locale.ROOT,
                "  %-10s %-11s keeps %3d %%   weights of its clients: %s%n", region, p.state(), p.keptPercent(),
                plan.weights().getOrDefault(region, java.util.Map.of())));
    }

    @Command(name = "evacuate", mixinStandardHelpOptions = true,
            description = "Move a region's traffic to the other regions in steps (bake time between steps).")
    static final class Evacuate implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Parameters(paramLabel = "REGION")
        String region;
        @Option(names = "--steps", split = ",", paramLabel = "PCT", description = "Percent moved per step. Default: 25,50,100")
        List<Integer> steps;
        @Option(names = "--bake", paramLabel = "DURATION", description = "Time between steps, e.g. 10s. Default: 10s")
        String bake;
        @Option(names = "--reason", required = true, description = "Why (goes to the audit log).")
        String reason;
        @Option(names = "--force", description = "Even if another region is not serving.")
        boolean force;
        @Option(names = "--json", description = "Print the plan as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            TrafficChange change = change(region, steps, bake, reason, force);
            return run(spec, dir, region, json, server -> server.evacuate(change));
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Return an evacuated region's traffic in steps; refused until it is healthy and caught up.")
    static final class Restore implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Parameters(paramLabel = "REGION")
        String region;
        @Option(names = "--steps", split = ",", paramLabel = "PCT", description = "Percent returned per step. Default: 25,50,100")
        List<Integer> steps;
        @Option(names = "--bake", paramLabel = "DURATION", description = "Time between steps. Default: 10s")
        String bake;
        @Option(names = "--reason", defaultValue = "restore", description = "Why. Default: ${DEFAULT-VALUE}")
        String reason;
        @Option(names = "--json", description = "Print the plan as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            TrafficChange change = change(region, steps, bake, reason, null);
            return run(spec, dir, region, json, server -> server.restore(change));
        }
    }

    /** abort, hold, resume: a reason only. */
    abstract static class Simple implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Option(names = "--reason", defaultValue = "operator", description = "Why. Default: ${DEFAULT-VALUE}")
        String reason;
        @Option(names = "--json", description = "Print the plan as JSON.")
        boolean json;

        abstract RoutingPlan send(OperatorClient.Server router, String why);

        @Override
        public Integer call() throws Exception {
            return run(spec, dir, null, json, server -> send(server, reason));
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Stop the evacuation (traffic returns at once) or restore (evacuated again) in progress.")
    static final class Abort extends Simple {
        @Override
        RoutingPlan send(OperatorClient.Server router, String why) {
            return router.abort(why);
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true, description = "Pause the steps of the operation in progress.")
    static final class Hold extends Simple {
        @Override
        RoutingPlan send(OperatorClient.Server router, String why) {
            return router.hold(why);
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume the steps of a held operation.")
    static final class Resume extends Simple {
        @Override
        RoutingPlan send(OperatorClient.Server router, String why) {
            return router.resume(why);
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true, description = "The routing audit log: who, when, what, why.")
    static final class Audit implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Option(names = "--limit", defaultValue = "50", description = "Default: ${DEFAULT-VALUE}")
        int limit;
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (limit < 1 || limit > 10_000) {
                throw LocalClusterException.badInput("--limit must be within 1..10000");
            }
            List<AuditEntry> entries = send(dir, null, server -> server.audit(limit));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(JSON.writeValueAsString(entries));
            } else {
                for (AuditEntry e : entries) {
                    out.printf(Locale.ROOT, "%s  v%-4d %-22s %-10s %-20s %s  (%s)%n", java.time.Instant.ofEpochMilli(e.at()),
                            e.planVersion(), e.action(), e.region(), e.actor(), e.reason(), e.detail());
                }
            }
            out.flush();
            return Meridian.OK;
        }
    }
}
