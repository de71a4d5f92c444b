package io.meridian.cli;

import io.meridian.core.RegionId;
import io.meridian.localcluster.LinkFault;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code meridian local partition|heal|delay}: faults on the cross-region links of the embedded
 * cluster, put in force by its fault proxy before the command returns.
 */
final class LinkCommands {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})(ms|s)?");

    private LinkCommands() { }

    /** The shared arguments: a region and the peers whose links to it change (all others when none). */
    static final class Regions {
        @Parameters(index = "0", paramLabel = "REGION", description = "A region, e.g. region-a.")
        String region;
        @Parameters(index = "1..*", paramLabel = "PEER",
                description = "The regions on the other side of the link(s). Default: every other region.")
        List<String> peers = new ArrayList<>();

        /** Validates every name before anything changes; returns the peers. */
        List<RegionId> peersOf(LocalCluster cluster, RegionId self) {
            cluster.region(self);
            List<RegionId> out = new ArrayList<>();
            for (String p : peers) {
                RegionId id = LocalCommand.region(p);
                cluster.region(id);
                if (id.equals(self)) {
                    throw LocalClusterException.badInput("a link joins two different regions; got " + self + " twice");
                }
                out.add(id);
            }
            if (out.isEmpty()) {
                cluster.regions().stream().map(RegionEndpoints::region).filter(r -> !r.equals(self)).forEach(out::add);
            }
            if (out.isEmpty()) {
                throw LocalClusterException.badInput("this cluster has one region: there is no link to change");
            }
            return out;
        }
    }

    static Duration parseDelay(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw LocalClusterException.badInput("delay '" + text + "' is not a duration like 80ms, 1s or 0");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = "s".equals(m.group(2)) ? Duration.ofSeconds(n) : Duration.ofMillis(n);
        if (d.compareTo(Duration.ofSeconds(60)) > 0) {
            throw LocalClusterException.badInput("delay '" + text + "' is above the 60 s limit");
        }
        return d;
    }

    private static int apply(CommandSpec spec, LocalCommand.DirOption dir, Regions regions,
            BiConsumer<LocalCluster, RegionId> change, String verb) {
        PrintWriter out = spec.commandLine().getOut();
        RegionId self = LocalCommand.region(regions.region);
        LocalCluster cluster = LocalCommand.attachManaged(dir.path());
        for (RegionId peer : regions.peersOf(cluster, self)) {
            change.accept(cluster, peer);
            out.println(verb + " " + self + " <-> " + peer);
        }
        printLinks(out, cluster);
        return Meridian.OK;
    }

    static void printLinks(PrintWriter out, LocalCluster cluster) {
        List<LinkFault> links = cluster.links();
        if (links.isEmpty()) {
            return;
        }
        String row = "%-22s %-10s %-8s%n";
        out.printf(Locale.ROOT, row, "LINK", "CUT", "DELAY");
        for (LinkFault l : links) {
            out.printf(Locale.ROOT, row, l.a() + " <-> " + l.b(), l.cut().label(),
                    l.delay().isZero() ? "-" : l.delay().toMillis() + "ms");
        }
        out.flush();
    }

    @Command(name = "partition", mixinStandardHelpOptions = true,
            description = "Cut the links between REGION and each PEER (both directions): their appliers stop"
                    + " receiving each other's mutations; every region keeps serving its own clients.")
    static final class Partition implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Mixin
        Regions regions;
        @Option(names = "--mode", paramLabel = "blackhole|reset", defaultValue = "blackhole",
                description = "blackhole: bytes stop, connections hang until timeouts; reset: connections are"
                        + " reset (TCP RST). Default: ${DEFAULT-VALUE}")
        String mode;

        @Override
        public Integer call() {
            LinkFault.Cut cut = switch (mode) {
                case "blackhole" -> LinkFault.Cut.BLACKHOLE;
                case "reset" -> LinkFault.Cut.RESET;
                default -> throw LocalClusterException.badInput("--mode '" + mode + "': expected blackhole or reset");
            };
            return apply(spec, dir, regions, (c, peer) -> c.cut(LocalCommand.region(regions.region), peer, cut),
                    "partitioned (" + mode + ")");
        }
    }

    @Command(name = "heal", mixinStandardHelpOptions = true,
            description = "Restore the links between REGION and each PEER: no cut, no added delay.")
    static final class Heal implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Mixin
        Regions regions;

        @Override
        public Integer call() {
            return apply(spec, dir, regions, (c, peer) -> c.heal(LocalCommand.region(regions.region), peer), "healed");
        }
    }

    @Command(name = "delay", mixinStandardHelpOptions = true,
            description = "Add round-trip latency to the link between REGION and PEER, half each way (0 removes it).")
    static final class Delay implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Parameters(index = "0", paramLabel = "REGION", description = "A region, e.g. region-a.")
        String region;
        @Parameters(index = "1", paramLabel = "PEER", description = "The region on the other side.")
        String peer;
        @Parameters(index = "2", paramLabel = "DELAY", description = "Round-trip latency, e.g. 80ms, 1s, 0.")
        String delay;

        @Override
        public Integer call() {
            Duration d = parseDelay(delay);
            Regions r = new Regions();
            r.region = region;
            r.peers = List.of(peer);
            return apply(spec, dir, r, (c, p) -> c.delay(LocalCommand.region(region), p, d),
                    "delay " + d.toMillis() + "ms on");
        }
    }
}
