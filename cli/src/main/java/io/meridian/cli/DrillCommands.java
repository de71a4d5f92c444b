package io.meridian.cli;

import io.meridian.core.RegionId;
import io.meridian.drills.Drill;
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
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

/** {@code meridian drill SCENARIO} and {@code meridian demo}. */
final class DrillCommands {

    private static final Pattern SECONDS = Pattern.compile("(\\d{1,5})(s|m)?");

    private DrillCommands() { }

    static Duration duration(String option, String text) {
        Matcher m = SECONDS.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw LocalClusterException.badInput(option + " '" + text + "' is not a duration like 30s or 2m");
        }
        return Duration.ofSeconds(Long.parseLong(m.group(1)) * ("m".equals(m.group(2)) ? 60 : 1));
    }

    static int runDrill(CommandSpec spec, LocalCommand.DirOption dir, Drill.Scenario scenario, String target, Duration length,
            int rate, Long seed, Path report, Duration evacuateLimit, Duration restoreLimit, Duration window) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        RegionId t = LocalCommand.region(target);
        LocalCluster cluster = LocalCommand.attachManaged(dir.path());
        cluster.region(t);
        if (cluster.regions().size() < 2) {
            throw LocalClusterException.badInput("a drill needs at least 2 regions; this cluster has 1");
        }
        for (RegionEndpoints r : cluster.regions()) {
            if (!r.hasServer() || cluster.status(r.region(), io.meridian.localcluster.Component.SERVER) != EngineStatus.UP) {
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED, r.region() + "'s server is not up"
                        + " (`meridian local start " + r.region() + "`)", r.region(), null);
            }
        }
        Path dirOut = report != null ? report : dir.path().resolve("drills").resolve(scenario.label() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        long s = seed == null ? System.nanoTime() : seed;
        PrintStream progress = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void flush() {
                out.flush();
            }
        }, true, java.nio.charset.StandardCharsets.UTF_8);
        Drill.Outcome o;
        try {
            o = Drill.run(cluster, new Drill.Settings(scenario, t, length, rate, s, dirOut, evacuateLimit, restoreLimit,
                    window), progress);
        } finally {
            // processes the drill restarted belong to the cluster, not to this command: they keep running after it
            cluster.detach();
        }
        progress.flush();
        out.println();
        for (Drill.Check c : o.checks()) {
            out.printf(Locale.ROOT, "  %-4s %-62s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.figure());
        }
        out.printf(Locale.ROOT, "%s: %s%nreport: %s%n        %s%n", scenario.label(), o.passed() ? "all checks passed" : "CHECKS FAILED",
                o.reportHtml(), o.reportJson());
        out.flush();
        return o.passed() ? Meridian.OK : Meridian.CHECK_FAILED;
    }

    @Command(name = "drill", mixinStandardHelpOptions = true,
            description = "Break a region on purpose under a recorded workload and check nothing acknowledged was lost."
                    + " Scenarios: planned-evacuation, region-outage, replication-partition, kafka-outage, cassandra-restart,"
                    + " server-crash, hostile-client. Exit 0 only when every check passed.")
    static final class DrillCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Parameters(paramLabel = "SCENARIO")
        String scenario;
        @Option(names = "--target", defaultValue = "region-a", description = "The region to break. Default: ${DEFAULT-VALUE}")
        String target;
        @Option(names = "--duration", defaultValue = "30s", description = "Length of the fault phase. Default: ${DEFAULT-VALUE}")
        String duration;
        @Option(names = "--rate", defaultValue = "10", description = "Operations/s per home region. Default: ${DEFAULT-VALUE}")
        int rate;
        @Option(names = "--report", paramLabel = "DIR", description = "Report directory. Default: DIR/drills/SCENARIO-TIME")
        Path report;
        @Option(names = "--seed", description = "Random seed. Default: the time.")
        Long seed;
        @Option(names = "--evacuate-limit", defaultValue = "60s", description = "Default: ${DEFAULT-VALUE}")
        String evacuateLimit;
        @Option(names = "--restore-limit", defaultValue = "120s", description = "Default: ${DEFAULT-VALUE}")
        String restoreLimit;
        @Option(names = "--detection-window", defaultValue = "10s",
                description = "Unplanned faults: failed requests allowed this long after the fault. Default: ${DEFAULT-VALUE}")
        String window;

        @Override
        public Integer call() throws Exception {
            Drill.Scenario sc;
            try {
                sc = Drill.Scenario.parse(scenario);
            } catch (IllegalArgumentException e) {
                throw LocalClusterException.badInput(e.getMessage());
            }
            if (rate < 1 || rate > 1_000) {
                throw LocalClusterException.badInput("--rate must be within 1..1000 operations/s per region");
            }
            Duration d = duration("--duration", duration);
            if (d.isZero()) {
                throw LocalClusterException.badInput("--duration must be at least 1 s");
            }
            return runDrill(spec, dir, sc, target, d, rate, seed, report, duration("--evacuate-limit", evacuateLimit),
                    duration("--restore-limit", restoreLimit), duration("--detection-window", window));
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Start three regions if none run, run the region-outage drill, print its summary and report,"
                    + " and leave the cluster running to explore.")
    static final class Demo implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LocalCommand.DirOption dir;
        @Option(names = "--duration", defaultValue = "20s", description = "Length of the outage. Default: ${DEFAULT-VALUE}")
        String duration;
        @Option(names = "--seed", description = "Random seed. Default: the time.")
        Long seed;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Duration d = duration("--duration", duration);
            boolean running = false;
            if (Files.isRegularFile(dir.path().resolve("cluster.json"))) {
                LocalCluster c = LocalCommand.attachManaged(dir.path());
                running = c.regions().size() >= 3 && c.regions().stream().allMatch(r -> r.hasServer()
                        && c.status(r.region(), io.meridian.localcluster.Component.SERVER) == EngineStatus.UP);
            }
            if (!running) {
                out.println("Starting three regions (real Cassandra and Kafka, a Meridian server each)...");
                out.flush();
                int up = spec.commandLine().getParent().execute("local", "up", "--regions", "3", "--dir", dir.path().toString());
                if (up != Meridian.OK) {
                    return up;
                }
            }
            out.println();
            out.println("Region-outage drill: region-a's processes are killed with kill -9 under load; the router evacuates it,"
                    + " it restarts, catches up and is restored.");
            out.flush();
            int result = runDrill(spec, dir, Drill.Scenario.REGION_OUTAGE, "region-a", d, 10, seed, null,
                    Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(10));
            out.println();
            out.println("The cluster keeps running: ./meridian status, ./meridian local status, ./meridian get region-b ...;"
                    + " stop it with ./meridian local down");
            out.flush();
            return result;
        }
    }
}
