package io.meridian.localcluster;

import io.meridian.core.RegionId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What cluster to start: how many regions, where, on which ports, with which Java and heaps.
 *
 * <p>Ports: region {@code i} (0-based) owns the block {@code basePort + 100*i … +99}; CQL is
 * {@code +42}, Cassandra storage {@code +70/+71}, Cassandra JMX {@code +99}, Kafka {@code +92} and
 * its controller {@code +93}, the Meridian server {@code +80} (admin {@code +81}). With the default base
 * 19000, region-a's CQL is 19042 and its Kafka 19092.
 *
 * <p>Build one with {@link #builder()}; each setter checks its argument. Immutable and thread-safe.
 */
public record ClusterSpec(int regions, Path directory, int basePort, Path java, int cassandraHeapMb,
        int kafkaHeapMb, Duration startTimeout, Duration stopTimeout, boolean servers, int serverHeapMb, int serversPerRegion, int serverCacheKb) {

    /** Default number of regions. */
    public static final int DEFAULT_REGIONS = 3;
    /** Default first port of region-a's block. */
    public static final int DEFAULT_BASE_PORT = 19000;
    /** Ports per region block. */
    public static final int PORTS_PER_REGION = 100;

    /** Most Meridian server instances one region can run (their ports fit the block's +80..+87). */
    public static final int MAX_SERVERS_PER_REGION = 4;

    /** Server instances per region actually started: {@link #serversPerRegion} when servers run, else 0. */
    public int serverInstances() {
        return servers ? serversPerRegion : 0;
    }

    public ClusterSpec {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(java, "java");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
        checkRegions(regions, basePort);
    }

    /** Largest region count the base port allows (and that has default names). */
    public static int maxRegions(int basePort) {
        int byPorts = (65_535 - basePort + 1) / PORTS_PER_REGION;
        return Math.min(RegionId.MAX_DEFAULT_REGIONS, byPorts);
    }

    private static void checkRegions(int regions, int basePort) {
        if (basePort < 1024 || basePort > 65_535 - PORTS_PER_REGION + 1) {
            throw LocalClusterException.badInput("--base-port " + basePort + " is outside 1024.."
                    + (65_535 - PORTS_PER_REGION + 1));
        }
        int max = maxRegions(basePort);
        if (regions < 1 || regions > max) {
            throw LocalClusterException.badInput("--regions " + regions + " is outside 1.." + max
                    + " (each region needs a block of " + PORTS_PER_REGION + " ports from " + basePort + ")");
        }
    }

    /** The region names, {@code region-a} onwards. */
    public List<RegionId> regionIds() {
        List<RegionId> ids = new ArrayList<>(regions);
        for (int i = 0; i < regions; i++) {
            ids.add(RegionId.defaultName(i));
        }
        return ids;
    }

    /** First port of the block of the region at {@code index}. */
    public int blockOf(int index) {
        return basePort + PORTS_PER_REGION * index;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link ClusterSpec}; not thread-safe. */
    public static final class Builder {
        private int regions = DEFAULT_REGIONS;
        private Path directory = Path.of(".meridian", "local");
        private int basePort = DEFAULT_BASE_PORT;
        private Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        private int cassandraHeapMb = 768;
        private int kafkaHeapMb = 384;
        private Duration startTimeout = Duration.ofSeconds(180);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private boolean servers = true;
        private int serverHeapMb = 256;
        private int serversPerRegion = 1;
        private int serverCacheKb;

        private Builder() { }

        /** Whether to run one Meridian server per region (port block {@code +80}, admin {@code +81}); default true. */
        public Builder servers(boolean servers) {
            this.servers = servers;
            return this;
        }

        /**
         * Meridian server instances per region, 1 to 4 (ports {@code +80+2i}, admin {@code +81+2i}); they
         * share the region's engines and applier work. Default 1.
         */
        public Builder serversPerRegion(int n) {
            if (n < 1 || n > MAX_SERVERS_PER_REGION) {
                throw LocalClusterException.badInput("--servers-per-region " + n + " is outside 1.." + MAX_SERVERS_PER_REGION);
            }
            this.serversPerRegion = n;
            return this;
        }

        /** Record-cache size of each server, per namespace, in KiB (0: the server's default, 64 MiB). */
        public Builder serverCacheKb(int kb) {
            if (kb < 0 || kb > 4 * 1024 * 1024) {
                throw LocalClusterException.badInput("--cache-kb " + kb + " is outside 0..4194304");
            }
            this.serverCacheKb = kb;
            return this;
        }

        /** Maximum heap of each Meridian server in MiB, at least 128; default 256. */
        public Builder serverHeapMb(int mb) {
            if (mb < 128) {
                throw LocalClusterException.badInput("server heap " + mb + " MiB is below 128 MiB");
            }
            this.serverHeapMb = mb;
            return this;
        }

        /** Number of regions, 1 to {@link #maxRegions(int)}; default 3. */
        public Builder regions(int regions) {
            checkRegions(regions, basePort);
            this.regions = regions;
            return this;
        }

        /** Directory for {@code cluster.json} and data; default {@code .meridian/local}. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** First port of region-a's block; default 19000. */
        public Builder basePort(int basePort) {
            checkRegions(1, basePort);
            this.basePort = basePort;
            return this;
        }

        /** The {@code java} executable that runs the engines; default the one running this JVM. */
        public Builder java(Path java) {
            this.java = Objects.requireNonNull(java, "java");
            return this;
        }

        /** Maximum heap of each Cassandra node in MiB, at least 256; default 768. */
        public Builder cassandraHeapMb(int mb) {
            if (mb < 256) {
                throw LocalClusterException.badInput("Cassandra heap " + mb + " MiB is below 256 MiB");
            }
            this.cassandraHeapMb = mb;
            return this;
        }

        /** Maximum heap of each Kafka broker in MiB, at least 128; default 384. */
        public Builder kafkaHeapMb(int mb) {
            if (mb < 128) {
                throw LocalClusterException.badInput("Kafka heap " + mb + " MiB is below 128 MiB");
            }
            this.kafkaHeapMb = mb;
            return this;
        }

        /** How long one engine may take to answer after launch; default 180 s (loaded 2-core machine). */
        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw LocalClusterException.badInput("start timeout must be positive");
            }
            this.startTimeout = timeout;
            return this;
        }

        /** How long a graceful stop may take before the process is killed; default 30 s. */
        public Builder stopTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw LocalClusterException.badInput("stop timeout must not be negative");
            }
            this.stopTimeout = timeout;
            return this;
        }

        public ClusterSpec build() {
            return new ClusterSpec(regions, directory.toAbsolutePath().normalize(), basePort, java,
                    cassandraHeapMb, kafkaHeapMb, startTimeout, stopTimeout, servers, serverHeapMb,
                    serversPerRegion, serverCacheKb);
        }
    }
}
