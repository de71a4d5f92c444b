package io.meridian.localcluster;

import io.meridian.core.RegionId;
import io.meridian.localcluster.internal.EmbeddedNativeRing;
import java.nio.file.Path;
import java.util.List;

/**
 * Cassandra's own multi-data-centre replication, as the baseline Meridian is measured against: one
 * ring of real Cassandra 5.0.6 nodes, one node per data centre ({@code region-a}, {@code region-b}, …),
 * the same engine build, configuration and heap as a region of a {@link LocalCluster}, all on
 * 127.0.0.1 with a port block per node. Nothing of Meridian runs in it.
 *
 * <p>Started with {@link #start}; {@link #close()} stops every node (gracefully, then forcibly) and the
 * JVM's shutdown hook stops them if it exits first. Thread-safe.
 */
public interface NativeRing extends AutoCloseable {

    /** One node: its data centre, CQL {@code host:port}, and process id. */
    record Node(RegionId dataCenter, String contactPoint, long pid) {
    }

    /** The nodes, in data-centre order (the first is the seed). */
    List<Node> nodes();

    /** The directory holding the nodes' data and logs. */
    Path directory();

    /** Stops every node and waits until they are gone; their data stays in {@link #directory()}. */
    @Override
    void close();

    /**
     * Starts a ring of {@code dataCenters} nodes in {@code directory} (emptied first), node {@code i} on the
     * port block {@code basePort + 100*i} (the same offsets as {@link ClusterSpec}), and waits until every node
     * answers CQL and the seed sees all of them. Nodes start one after the other (a node joins a ring that is
     * up). On failure nothing it started is left running.
     *
     * @throws LocalClusterException bad input (ports in use, directory not writable) or an engine that failed
     */
    static NativeRing start(Path directory, int dataCenters, int basePort, int heapMb, StartListener listener) {
        return EmbeddedNativeRing.start(directory, dataCenters, basePort, heapMb, listener);
    }
}
