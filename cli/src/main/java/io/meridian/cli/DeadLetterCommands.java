package io.meridian.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meridian.client.OperatorClient;
import io.meridian.client.OperatorException;
import io.meridian.core.wire.DeadLetterAction;
import io.meridian.core.wire.DeadLetterJson;
import io.meridian.core.wire.DeadLetterResult;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meridian dead-letters list|replay|discard}: the mutations a region could not apply, and what an operator
 * does with them. Each open dead letter is an alert and blocks the region's restore until it is replayed (applied
 * again, e.g. after the cause was fixed) or discarded (with a reason).
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true, description = "List, replay or discard dead letters.",
        subcommands = {DeadLetterCommands.ListLetters.class, DeadLetterCommands.Replay.class, DeadLetterCommands.Discard.class})
final class DeadLetterCommands implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A call to region {@code r}'s dead letters: refused credentials or input exit 2, no answer exit 3. */
    static <T> T request(LocalCluster cluster, RegionEndpoints r, Function<OperatorClient.Server, T> call) {
        try {
            return call.apply(LocalCommand.operatorClient(cluster, Duration.ofSeconds(120)).at(r.serverUrl()));
        } catch (OperatorException e) {
            if (e.kind() == OperatorException.Kind.UNAUTHORIZED || e.kind() == OperatorException.Kind.BAD_REQUEST) {
                throw LocalClusterException.badInput(r.region() + " refused: " + e.getMessage());
            }
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, e.status() == 0
                    ? r.region() + "'s server does not answer: " + e.getMessage()
                    : r.region() + " answered " + e.status() + ": " + e.getMessage(), r.region(), e);
        }
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
            Map<String, List<DeadLetterJson>> all = new LinkedHashMap<>();
            for (RegionEndpoints r : regions) {
                List<DeadLetterJson> letters = request(cluster, r, OperatorClient.Server::deadLetters);
                all.put(r.region().name(), letters);
                if (!json) {
                    out.printf(Locale.ROOT, "%s: %d open dead letter(s)%n", r.region(), letters.size());
                    for (DeadLetterJson l : letters) {
                        out.printf(Locale.ROOT, "  offset %d  from %s %s-%d@%d  %s  %s%n", l.offset(), l.sourceRegion(),
                                l.sourceTopic(), l.sourcePartition(), l.sourceOffset(), l.key(), l.error());
                    }
                }
            }
            if (json) {
                out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(all));
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
            DeadLetterResult r = request(cluster, cluster.region(LocalCommand.region(region)),
                    server -> server.replay(new DeadLetterAction(through, null)));
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "%s: %d replayed, %d open%s%n", region, r.resolved(), r.open(),
                    r.failedOffset() == null ? "" : "; stopped at offset " + r.failedOffset() + ": " + r.error());
            out.flush();
            return r.failedOffset() == null ? Meridian.OK : Meridian.CHECK_FAILED;
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
            DeadLetterResult r = request(cluster, cluster.region(LocalCommand.region(region)),
                    server -> server.discard(new DeadLetterAction(through, reason)));
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: %d discarded, %d open%n", region, r.resolved(), r.open());
            if (r.error() != null && !r.error().isEmpty()) {
                spec.commandLine().getOut().println(region + ": " + r.error());
            }
            if (r.mark() != null) {
                spec.commandLine().getOut().printf(Locale.ROOT, "%s is marked as needing repair: a discarded letter may be a write"
                        + " some region acknowledged. Run `meridian repair` (it clears the mark once the regions agree), or clear it"
                        + " through the API after checking that none was (docs/operations.md): %s%n", region, r.mark());
            }
            spec.commandLine().getOut().flush();
            return Meridian.OK;
        }
    }
}
