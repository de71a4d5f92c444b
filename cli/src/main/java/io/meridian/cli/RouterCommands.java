package io.meridian.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code meridian evacuate|restore|abort|hold|resume|audit}: the region router's operator commands,
 * sent to a region's router with the operator credentials ({@code MERIDIAN_OPERATOR_USER} /
 * {@code MERIDIAN_OPERATOR_PASSWORD}, else the embedded cluster's {@code DIR/operator.secret}).
 * A refusal (exit 1) prints the router's reason.
 */
final class RouterCommands {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
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

    /** Sends to the routers in order (avoiding {@code avoid} when another answers); returns the answer. */
    static HttpResponse<String> send(LocalCommand.DirOption dir, String method, String path, Object body, String avoid)
            throws Exception {
        LocalCluster cluster = LocalCommand.backend().attach(dir.path());
        List<RegionEndpoints> order = new ArrayList<>(DataCommands.regions(cluster));
        order.sort((a, b) -> Boolean.compare(a.region().name().equals(avoid), b.region().name().equals(avoid)));
        String[] operator = LocalCommand.operator(cluster);
        String auth = "Basic " + Base64.getEncoder().encodeToString((operator[0] + ":" + operator[1])
                .getBytes(StandardCharsets.UTF_8));
        Exception last = null;
        for (RegionEndpoints r : order) {
            for (var s : r.servers()) {
                try {
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(15))
                            .header("Authorization", auth).header("Accept", "application/json");
                    if (body != null) {
                        b.header("Content-Type", "application/json")
                                .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
                    } else {
                        b.method(method, HttpRequest.BodyPublishers.noBody());
                    }
                    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException e) {
                    last = e;
                }
            }
        }
        throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, "no router answered: " + last, null, last);
    }

    /** Prints the answer; exit 0 on 2xx, 1 on a refusal (409), 2 on bad input or credentials. */
    static int answer(CommandSpec spec, HttpResponse<String> r, boolean json) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (r.statusCode() / 100 == 2) {
            if (json) {
                out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(JSON.readTree(r.body())));
            } else {
                printPlan(out, JSON.readTree(r.body()));
            }
            out.flush();
            return Meridian.OK;
        }
        String message;
        try {
            message = JSON.readTree(r.body()).path("message").asText(r.body());
        } catch (Exception e) {
            message = r.body();
        }
        if (r.statusCode() == 401) {
            throw LocalClusterException.badInput("the router refused the operator credentials (set MERIDIAN_OPERATOR_USER"
                    + " and MERIDIAN_OPERATOR_PASSWORD)");
        }
        if (r.statusCode() == 409) {
            spec.commandLine().getErr().println("meridian: refused: " + message);
            spec.commandLine().getErr().flush();
            return Meridian.CHECK_FAILED;
        }
        throw LocalClusterException.badInput(message);
    }

    /** The body of evacuate and restore, every argument checked (bad input: exit 2, nothing sent). */
    static ObjectNode change(String region, List<Integer> steps, String bake, String reason) {
        LocalCommand.region(region);
        ObjectNode body = JSON.createObjectNode().put("region", region).put("reason", reason);
        if (steps(steps) != null) {
            steps.forEach(body.putArray("steps")::add);
        }
        if (bake != null) {
            body.put("bakeSeconds", bakeSeconds(bake));
        }
        return body;
    }

    static void printPlan(PrintWriter out, JsonNode plan) {
        out.printf(Locale.ROOT, "plan version %d%s%n", plan.path("version").asLong(), plan.path("operation").isObject()
                ? "  operation: " + plan.path("operation").path("kind").asText().toLowerCase(Locale.ROOT) + " "
                + plan.path("operation").path("region").asText() + " step " + (plan.path("operation").path("stepIndex").asInt() + 1)
                + "/" + plan.path("operation").path("steps").size() + (plan.path("operation").path("held").asBoolean() ? " (held)" : "")
                : "");
        plan.path("regions").fields().forEachRemaining(e -> out.printf(Locale.ROOT, "  %-10s %-11s keeps %3d %%   weights of its clients: %s%n",
                e.getKey(), e.getValue().path("state").asText(), e.getValue().path("keptPercent").asInt(),
                plan.path("weights").path(e.getKey())));
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
            ObjectNode body = change(region, steps, bake, reason).put("force", force);
            return answer(spec, send(dir, "POST", "/v1/router/evacuate", body, region), json);
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
            return answer(spec, send(dir, "POST", "/v1/router/restore", change(region, steps, bake, reason), region), json);
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

        abstract String path();

        @Override
        public Integer call() throws Exception {
            return answer(spec, send(dir, "POST", path(), JSON.createObjectNode().put("reason", reason), null), json);
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Stop the evacuation (traffic returns at once) or restore (evacuated again) in progress.")
    static final class Abort extends Simple {
        @Override
        String path() {
            return "/v1/router/abort";
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true, description = "Pause the steps of the operation in progress.")
    static final class Hold extends Simple {
        @Override
        String path() {
            return "/v1/router/hold";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume the steps of a held operation.")
    static final class Resume extends Simple {
        @Override
        String path() {
            return "/v1/router/resume";
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
            HttpResponse<String> r = send(dir, "GET", "/v1/router/audit?limit=" + limit, null, null);
            if (r.statusCode() != 200) {
                return answer(spec, r, json);
            }
            PrintWriter out = spec.commandLine().getOut();
            JsonNode entries = JSON.readTree(r.body());
            if (json) {
                out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(entries));
            } else {
                for (JsonNode e : entries) {
                    out.printf(Locale.ROOT, "%s  v%-4d %-22s %-10s %-20s %s  (%s)%n",
                            java.time.Instant.ofEpochMilli(e.path("at").asLong()), e.path("planVersion").asLong(),
                            e.path("action").asText(), e.path("region").asText(), e.path("actor").asText(),
                            e.path("reason").asText(), e.path("detail").asText());
                }
            }
            out.flush();
            return Meridian.OK;
        }
    }
}
