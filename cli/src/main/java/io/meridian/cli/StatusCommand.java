package io.meridian.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

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

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** GET as the operator (the cluster's credentials); null when it fails. */
    static JsonNode fetch(String url, String authorization) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (Exception e) {
            return null;
        }
    }

    /** What was collected: the JSON the command prints (or renders as tables) and the exit code it implies. */
    private record Collected(ObjectNode root, int exit) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LocalCluster cluster = LocalCommand.backend().attach(dir.path());
        Collected collected = collect(cluster, LocalCommand.operatorAuthorization(cluster));
        ObjectNode root = collected.root();
        if (json) {
            out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        } else {
            JsonNode regions = root.path("regions");
            printHealth(out, regions);
            printReplication(out, regions);
            printRouter(out, root.path("router"));
            printCaches(out, regions);
        }
        out.flush();
        return collected.exit();
    }

    /** Every region's health, replication and caches, and the routing plan as the first reachable router sees it. */
    private static Collected collect(LocalCluster cluster, String auth) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode regions = root.putArray("regions");
        int exit = Meridian.OK;
        for (RegionEndpoints r : DataCommands.regions(cluster)) {
            ObjectNode n = regions.addObject();
            n.put("region", r.region().name());
            JsonNode health = fetch(r.serverAdminUrl() + "/healthcheck", auth);
            JsonNode repl = fetch(r.serverUrl() + "/v1/replication", auth);
            if (health == null || repl == null) {
                n.put("health", "unreachable");
                exit = Math.max(exit, Meridian.UNAVAILABLE);
                continue;
            }
            boolean healthy = true;
            ObjectNode checks = n.putObject("checks");
            for (String check : new String[] {"cassandra", "kafka", "replication"}) {
                boolean ok = health.path(check).path("healthy").asBoolean(false);
                healthy &= ok;
                checks.put(check, ok ? "healthy" : "UNHEALTHY: " + health.path(check).path("message").asText(""));
            }
            n.put("health", healthy ? "healthy" : "unhealthy");
            JsonNode level = fetch(r.serverUrl() + "/v1/router/health", auth);
            if (level != null && level.has("level")) {
                n.put("level", level.path("level").asText());
                n.set("alerts", level.path("alerts"));
                n.put("clockMillis", level.path("clockMillis").asLong());
            }
            n.put("openDeadLetters", repl.path("openDeadLetters").asLong());
            if (repl.hasNonNull("needsRepair")) {
                n.put("needsRepair", repl.path("needsRepair").asText());
            }
            n.set("replication", repl.path("sources"));
            ArrayNode caches = n.putArray("cache");
            for (io.meridian.localcluster.ServerEndpoints s : r.servers()) {
                JsonNode cache = fetch(s.url() + "/v1/cache", auth);
                ObjectNode c = caches.addObject().put("instance", s.label());
                if (cache == null) {
                    c.put("state", "unreachable");
                } else {
                    c.put("enabled", cache.path("enabled").asBoolean());
                    c.set("total", cache.path("total"));
                    c.set("invalidationMessages", cache.path("invalidationMessages"));
                }
            }
            if (!healthy) {
                exit = Math.max(exit, Meridian.CHECK_FAILED);
            }
        }
        for (RegionEndpoints r : DataCommands.regions(cluster)) {
            JsonNode router = fetch(r.serverUrl() + "/v1/router/status", auth);
            if (router != null && router.has("planVersion")) {
                root.set("router", router);
                break;
            }
        }
        return new Collected(root, exit);
    }

    private static void printHealth(PrintWriter out, JsonNode regions) {
        out.printf(Locale.ROOT, "%-10s %-10s %-9s %s%n", "REGION", "HEALTH", "LEVEL", "CHECKS");
        for (JsonNode n : regions) {
            StringBuilder checks = new StringBuilder();
            n.path("checks").fields().forEachRemaining(e -> checks.append(e.getKey()).append('=').append(e.getValue().asText()).append("  "));
            out.printf(Locale.ROOT, "%-10s %-10s %-9s %s%n", n.path("region").asText(), n.path("health").asText(),
                    n.path("level").asText("?"), checks.toString().trim());
        }
        for (JsonNode n : regions) {
            for (JsonNode alert : n.path("alerts")) {
                out.printf(Locale.ROOT, "ALERT %s: %s%n", n.path("region").asText(), alert.asText());
            }
        }
    }

    private static void printReplication(PrintWriter out, JsonNode regions) {
        out.println();
        String row = "%-10s %-10s %-12s %-10s %-10s %-8s %-6s %s%n";
        out.printf(Locale.ROOT, row, "TO", "FROM", "LAG(MUT)", "LAG(MS)", "APPLIED", "DEAD", "HELD", "STATE");
        for (JsonNode n : regions) {
            for (JsonNode s : n.path("replication")) {
                String state = s.path("caughtUp").asBoolean() ? "caught up"
                        : !s.path("held").isEmpty() ? "HELD: " + s.path("held").get(0).asText()
                        : !s.path("lastError").asText().isEmpty() ? "error: " + s.path("lastError").asText() : "catching up";
                out.printf(Locale.ROOT, row, n.path("region").asText(), s.path("source").asText(),
                        s.path("lagOffsets").asLong() < 0 ? "?" : s.path("lagOffsets").asText(), s.path("lagMillis").asText(),
                        s.path("applied").asText(), s.path("deadLetters").asText(), s.path("held").size(), state);
            }
        }
    }

    private static void printRouter(PrintWriter out, JsonNode router) {
        if (router.isObject()) {
            out.println();
            JsonNode op = router.path("operation");
            out.printf(Locale.ROOT, "routing plan v%d (as %s's router sees it)%s%n", router.path("planVersion").asLong(),
                    router.path("observer").asText(), op.isObject() ? "; in progress: " + op.path("kind").asText().toLowerCase(Locale.ROOT)
                    + " " + op.path("region").asText() + " step " + (op.path("stepIndex").asInt() + 1) + "/" + op.path("steps").size()
                    + (op.path("held").asBoolean() ? " (held)" : "") : "");
            String routerRow = "%-10s %-11s %-7s %-9s %-12s %s%n";
            out.printf(Locale.ROOT, routerRow, "REGION", "STATE", "KEEPS", "TRAFFIC", "FAILED", "OBSERVERS");
            for (JsonNode r : router.path("regions")) {
                out.printf(Locale.ROOT, routerRow, r.path("region").asText(), r.path("state").asText(),
                        r.path("keptPercent").asInt() + "%", r.path("trafficSharePercent").asDouble() + "%",
                        r.path("failed").asBoolean() ? "FAILED" : "no", r.path("observersAgreeing").asInt() + "/"
                        + r.path("observers").asInt() + " see it down; " + r.path("health").asText());
            }
        }
    }

    private static void printCaches(PrintWriter out, JsonNode regions) {
        out.println();
        String cacheRow = "%-10s %-10s %-8s %-10s %-10s %-10s %-10s %-12s %-12s %s%n";
        out.printf(Locale.ROOT, cacheRow, "REGION", "INSTANCE", "HIT%", "READS", "MISSES", "EVICTED", "ENTRIES", "BYTES",
                "INVALIDATED", "STALE-FILLS");
        for (JsonNode n : regions) {
            for (JsonNode c : n.path("cache")) {
                JsonNode t = c.path("total");
                if (!c.path("enabled").asBoolean(false)) {
                    out.printf(Locale.ROOT, "%-10s %-10s %s%n", n.path("region").asText(), c.path("instance").asText(),
                            c.has("state") ? c.path("state").asText() : "cache off");
                    continue;
                }
                out.printf(Locale.ROOT, cacheRow, n.path("region").asText(), c.path("instance").asText(),
                        String.format(Locale.ROOT, "%.1f", 100 * t.path("hitRatio").asDouble()), t.path("reads").asText(),
                        t.path("misses").asText(), t.path("evictions").asText(), t.path("entries").asText(),
                        t.path("weightedBytes").asText(), c.path("invalidationMessages").path("received").asText("0"),
                        t.path("staleFillsRejected").asText());
            }
        }
    }
}
