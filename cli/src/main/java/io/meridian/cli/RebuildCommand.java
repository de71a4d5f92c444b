package io.meridian.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.client.OperatorClient;
import io.meridian.client.OperatorException;
import io.meridian.core.RegionId;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.ServerEndpoints;
import io.meridian.replicator.ConsumerPositions;
import io.meridian.replicator.LogNames;
import io.meridian.store.RegionCopy;
import io.meridian.store.Repairer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meridian rebuild REGION [--from HEALTHY]}: brings back a region whose Cassandra data is gone or gapped,
 * while the other regions keep taking writes (see {@link RegionCopy} and {@link ConsumerPositions} for why it is complete): stop the region's
 * appliers, record the healthy region's positions, copy its data, set the region's positions to them, clear the
 * repair flag, restart the appliers and drop the caches, wait until the region has caught up, then repair the
 * pair (deletes a copy cannot carry). Exit 0 when the region is whole, 1 when the final repair did not converge, 3
 * when a server or engine did not answer.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Rebuild a region's data from a healthy region under traffic: copy as of recorded log positions,"
                + " then resume its appliers from there.")
final class RebuildCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;
    @Mixin
    LocalCommand.DirOption dir;
    @Mixin
    KeyspaceOption keyspace;
    @Parameters(index = "0", paramLabel = "REGION", description = "The region to rebuild.")
    String region;
    @Option(names = "--from", paramLabel = "REGION", description = "The healthy region to copy from. Default: the first other region.")
    String from;
    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS", description = "How long to wait for catch-up. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String ks = keyspace.value();
        LocalCluster cluster = LocalCommand.backend().attach(dir.path());
        RegionId target = LocalCommand.region(region);
        RegionEndpoints t = cluster.region(target);
        RegionEndpoints h = healthy(cluster, target);
        if (timeoutSeconds < 1) {
            throw LocalClusterException.badInput("--timeout must be at least 1 s");
        }
        OperatorClient operator = LocalCommand.operatorClient(cluster, Duration.ofSeconds(60));
        long t0 = System.nanoTime();
        // a copy of a region that misses mutations itself would hide the gap in the rebuilt one: refuse it
        ReplicationStatus fromStatus = engine(() -> operator.at(h.serverUrl()).replication());
        if (fromStatus.needsRepair() != null) {
            throw LocalClusterException.badInput(h.region() + " needs repair itself (" + fromStatus.needsRepair()
                    + "): rebuild from a region that does not");
        }
        Map<RegionId, Map<Integer, Long>> positions = positions(cluster, h);
        say(out, "positions of " + h.region() + "'s appliers recorded: " + positions);
        say(out, "stopping the appliers of " + target);
        for (ServerEndpoints s : t.servers()) {
            engine(() -> operator.at(s.url()).stopAppliers());
        }
        // the target's mark once its appliers stand still and before the copy: the rebuild clears only what it covered
        java.util.Optional<RepairMarks.Seen> mark = markBefore(operator.at(t.serverUrl()), t, out);
        RegionCopy.Copy copy;
        try (RegionCopy rebuilder = new RegionCopy(h.store(), t.store(), ks)) {
            copy = rebuilder.copy(line -> say(out, "  " + line));
        }
        for (RegionEndpoints source : cluster.regions()) {
            ConsumerPositions.setPositions(source.kafkaBootstrap(), LogNames.applierGroup(target), LogNames.MUTATIONS,
                    positions.get(source.region()));
        }
        say(out, "copied " + copy.cells() + " cell(s) of " + copy.namespaces() + " namespace(s); " + target
                + "'s appliers resume from " + h.region() + "'s positions");
        for (ServerEndpoints s : t.servers()) {
            engine(() -> operator.at(s.url()).startAppliers());
            engine(() -> operator.at(s.url()).clearCache());
        }
        awaitCaughtUp(t, LocalCommand.operatorClient(cluster, Duration.ofSeconds(5)), Duration.ofSeconds(timeoutSeconds), out);
        say(out, "repairing " + target + " against " + h.region() + " (deletes a copy cannot carry)");
        Repairer.Result repaired;
        try (Repairer repairer = new Repairer(List.of(h.store(), t.store()), ks)) {
            repaired = repairer.repair(List.of(), 64, line -> { });
        }
        say(out, String.format(Locale.ROOT, "%s rebuilt in %.1f s: %d cell(s) copied, repair %s (%d cell(s), %d delete(s))",
                target, (System.nanoTime() - t0) / 1e9, copy.cells(), repaired.converged() ? "converged" : "NOT converged",
                repaired.cellsInstalled(), repaired.deletesPropagated()));
        if (repaired.converged()) {
            mark.flatMap(seen -> RepairMarks.clear(operator.at(t.serverUrl()), seen, "rebuilt from " + h.region()))
                    .ifPresent(why -> say(out, target + "'s repair mark not cleared: " + why));
        }
        return repaired.converged() ? Meridian.OK : Meridian.CHECK_FAILED;
    }

    /** The region to copy from: {@code --from}, else the first other region. */
    private RegionEndpoints healthy(LocalCluster cluster, RegionId target) {
        RegionEndpoints h = from == null ? cluster.regions().stream().filter(r -> !r.region().equals(target)).findFirst()
                .orElseThrow(() -> LocalClusterException.badInput("rebuild needs another region to copy from"))
                : cluster.region(LocalCommand.region(from));
        if (h.region().equals(target)) {
            throw LocalClusterException.badInput("--from must name another region than " + target);
        }
        return h;
    }

    /** The healthy region's appliers' committed positions on every source's log; refused if one lies before its log. */
    private static Map<RegionId, Map<Integer, Long>> positions(LocalCluster cluster, RegionEndpoints h) throws Exception {
        Map<RegionId, Map<Integer, Long>> positions = new LinkedHashMap<>();
        for (RegionEndpoints source : cluster.regions()) {
            Map<Integer, Long> p = ConsumerPositions.positions(source.kafkaBootstrap(), LogNames.applierGroup(h.region()),
                    LogNames.MUTATIONS);
            ConsumerPositions.requireWithinLog(source.kafkaBootstrap(), LogNames.MUTATIONS, p).ifPresent(gap -> {
                throw LocalClusterException.badInput(h.region() + " cannot be copied: its position in " + source.region()
                        + "'s log is " + gap + " (mutations it never applied are gone): repair it first");
            });
            positions.put(source.region(), p);
        }
        return positions;
    }

    /** The target's repair mark as it is now (empty, and it stays, when it cannot be read). */
    private static java.util.Optional<RepairMarks.Seen> markBefore(OperatorClient.Server server, RegionEndpoints t,
            PrintWriter out) {
        try {
            return RepairMarks.read(server);
        } catch (OperatorException e) {
            say(out, t.region() + "'s repair mark could not be read, so it stays (" + e.getMessage() + ")");
            return java.util.Optional.empty();
        }
    }

    private static void say(PrintWriter out, String line) {
        out.println(line);
        out.flush();
    }

    /** An operator call the rebuild cannot go on without: a failure ends it (engine failed, exit 3). */
    private static <T> T engine(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (OperatorException e) {
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, e.server() + " answered "
                    + (e.status() == 0 ? "nothing" : e.status()) + ": " + e.getMessage(), null, e);
        }
    }

    /**
     * The lag under which a source counts as read up while the other regions keep writing: with traffic, the lag is
     * rarely exactly zero at the moment it is asked (the restore gate judges the same way, by time behind).
     */
    private static final long CAUGHT_UP_MILLIS = 2_000;

    /**
     * Until every source of every instance of the region is read up (the appliers restarted and read what the copy
     * did not have): no lag, or a known lag of at most {@link #CAUGHT_UP_MILLIS}, and no held partition.
     */
    private static void awaitCaughtUp(RegionEndpoints t, OperatorClient operator, Duration timeout, PrintWriter out)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (ServerEndpoints s : t.servers()) {
                ReplicationStatus st;
                try {
                    st = operator.at(s.url()).replication();
                } catch (OperatorException e) {
                    if (!e.retryElsewhere()) { // credentials or request wrong: waiting does not help
                        throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, s.label() + " of " + t.region()
                                + " answered " + e.status() + ": " + e.getMessage(), t.region(), e);
                    }
                    all = false; // restarting or busy: not yet
                    last = s.label() + ": " + e.getMessage();
                    continue;
                }
                for (ReplicationStatus.Source src : st.sources()) {
                    boolean readUp = src.caughtUp() || (src.lagOffsets() >= 0 && src.lagMillis() <= CAUGHT_UP_MILLIS);
                    if (!readUp || !src.held().isEmpty()) {
                        all = false;
                        last = src.source() + ": " + src.lagOffsets() + " behind";
                    }
                }
            }
            if (all) {
                say(out, t.region() + " has caught up");
                return;
            }
            Thread.sleep(500); // polling a remote status, not a test
        }
        throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, t.region() + " did not catch up within "
                + timeout.toSeconds() + " s (" + last + ")", t.region(), null);
    }
}
