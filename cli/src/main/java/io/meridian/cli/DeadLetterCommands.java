package io.meridian.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code meridian dead-letters list|replay|discard}: the mutations a region could not apply, and what an operator
 * does with them. Each open dead letter is an alert and blocks the region's restore until it is replayed (applied
 * again, e.g. after the cause was fixed) or discarded (with a reason).
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true, description = "List, replay or discard dead letters.",
        subcommands = {DeadLetterCommands.ListLetters.class, DeadLetterCommands.Replay.class, DeadLetterCommands.Discard.class})
final class DeadLetterCommands implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static JsonNode request(LocalCluster cluster, RegionEndpoints r, String method, String path, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(r.serverUrl() + "/v1/replication/dead-letters" + path))
                .timeout(Duration.ofSeconds(120)).header("Authorization", LocalCommand.operatorAuthorization(cluster));
        if (body == null) {
            b.GET();
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        HttpResponse<String> resp;
        try {
            resp = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, r.region() + "'s server does not answer: "
                    + e.getMessage(), r.region(), e);
        }
        if (resp.statusCode() == 401 || resp.statusCode() == 403 || resp.statusCode() == 400) {
            throw LocalClusterException.badInput(r.region() + " refused: " + JSON.readTree(resp.body()).path("message").asText(resp.body()));
        }
        if (resp.statusCode() / 100 != 2) {
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, r.region() + " answered " + resp.statusCode()
                    + ": " + resp.body(), r.region(), null);
        }
        return JSON.readTree(resp.body());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The open dead letters of every region (or one).")
    static final class ListLetters implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Option(names = "--region", description = "Only this region.")
        String region;
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            LocalCluster cluster = LocalCommand.backend().attach(dir.path());
            List<RegionEndpoints> regions = region == null ? DataCommands.regions(cluster)
                    : List.of(cluster.region(LocalCommand.region(region)));
            var root = JSON.createObjectNode();
            for (RegionEndpoints r : regions) {
                JsonNode letters = request(cluster, r, "GET", "", null);
                root.set(r.region().name(), letters);
                if (!json) {
                    out.printf(Locale.ROOT, "%s: %d open dead letter(s)%n", r.region(), letters.size());
                    for (JsonNode l : letters) {
                        out.printf(Locale.ROOT, "  offset %d  from %s %s-%d@%d  %s  %s%n", l.path("offset").asLong(),
                                l.path("sourceRegion").asText(), l.path("sourceTopic").asText(), l.path("sourcePartition").asInt(),
                                l.path("sourceOffset").asLong(), l.path("key").asText(), l.path("error").asText());
                    }
                }
            }
            if (json) {
                out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
            }
            out.flush();
            return Meridian.OK;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Apply a region's open dead letters again (oldest first, through --through), with their original"
                    + " timestamps; stops at the first that still fails.")
    static final class Replay implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Parameters(index = "0", paramLabel = "REGION")
        String region;
        @Option(names = "--through", paramLabel = "OFFSET", description = "Last offset to replay. Default: all.")
        Long through;

        @Override
        public Integer call() throws Exception {
            if (through != null && through < 0) {
                throw LocalClusterException.badInput("--through must not be negative");
            }
            LocalCluster cluster = LocalCommand.backend().attach(dir.path());
            JsonNode r = request(cluster, cluster.region(LocalCommand.region(region)), "POST", "/replay",
                    through == null ? Map.of() : Map.of("through", through));
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "%s: %d replayed, %d open%s%n", region, r.path("resolved").asLong(), r.path("open").asLong(),
                    r.path("failedOffset").isNull() ? "" : "; stopped at offset " + r.path("failedOffset").asLong() + ": "
                            + r.path("error").asText());
            out.flush();
            return r.path("failedOffset").isNull() ? Meridian.OK : Meridian.CHECK_FAILED;
        }
    }

    @Command(name = "discard", mixinStandardHelpOptions = true,
            description = "Resolve a region's open dead letters (through --through) without applying them.")
    static final class Discard implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Parameters(index = "0", paramLabel = "REGION")
        String region;
        @Option(names = "--through", paramLabel = "OFFSET", description = "Last offset to discard. Default: all.")
        Long through;
        @Option(names = "--reason", required = true, description = "Why these writes need not be applied (logged).")
        String reason;

        @Override
        public Integer call() throws Exception {
            if (reason.isBlank() || (through != null && through < 0)) {
                throw LocalClusterException.badInput("--reason must not be blank and --through not negative");
            }
            LocalCluster cluster = LocalCommand.backend().attach(dir.path());
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("reason", reason);
            if (through != null) {
                body.put("through", through);
            }
            JsonNode r = request(cluster, cluster.region(LocalCommand.region(region)), "POST", "/discard", body);
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: %d discarded, %d open%n", region, r.path("resolved").asLong(),
                    r.path("open").asLong());
            if (!r.path("error").asText("").isEmpty()) {
                spec.commandLine().getOut().println(region + ": " + r.path("error").asText());
            }
            if (r.hasNonNull("mark")) {
                spec.commandLine().getOut().printf(Locale.ROOT, "%s is marked as needing repair: a discarded letter may be a write"
                        + " some region acknowledged. Run `meridian repair` (it clears the mark once the regions agree), or clear it"
                        + " through the API after checking that none was (docs/operations.md): %s%n", region, r.path("mark").asText());
            }
            spec.commandLine().getOut().flush();
            return Meridian.OK;
        }
    }
}
