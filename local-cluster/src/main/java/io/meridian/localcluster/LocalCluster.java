package io.meridian.localcluster;

import io.meridian.core.RegionId;
import java.nio.file.Path;
import java.util.List;

/**
 * A running set of regions, each with one Cassandra node and one Kafka broker.
 *
 * <p>Obtained from {@link EngineBackend#start} (a cluster this process started and owns) or
 * {@link EngineBackend#attach} (one started earlier, e.g. by {@code meridian local up}).
 * {@link #close()} stops every engine gracefully, then forcibly after a deadline. Methods may be
 * called from any thread; operations on one cluster are serialised internally.
 */
public interface LocalCluster extends AutoCloseable {

    /** The directory holding {@code cluster.json} and every region's data. */
    Path directory();

    /**
     * Whether this object runs the cluster's processes (false for a {@code cluster.json} that only
     * describes a deployment run by something else, e.g. docker compose: its endpoints can be used,
     * its processes cannot be started, stopped or cut).
     */
    default boolean managed() {
        return true;
    }

    /** The regions in name order, with their current endpoints and pids. */
    List<RegionEndpoints> regions();

    /**
     * Every process of the cluster this machine can see, by label ({@code region-a-cassandra},
     * {@code region-a-server}, {@code region-a-server-1}, {@code links-proxy}): what a benchmark measures the
     * CPU of. Processes that are down (pid 0) are left out.
     */
    default java.util.Map<String, Long> processes() {
        java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (RegionEndpoints r : regions()) {
            r.pid(Component.CASSANDRA).ifPresent(pid -> out.put(r.region() + "-cassandra", pid));
            r.pid(Component.KAFKA).ifPresent(pid -> out.put(r.region() + "-kafka", pid));
            for (ServerEndpoints s : r.servers()) {
                if (s.pid() > 0) {
                    out.put(r.region() + "-" + s.label(), s.pid());
                }
            }
        }
        return out;
    }

    /**
     * The endpoints of one region.
     *
     * @throws LocalClusterException (bad input) if the cluster has no such region
     */
    RegionEndpoints region(RegionId region);

    /**
     * What a component of a region is doing now (alive and answering, alive, or down); for
     * {@link Component#SERVER}: up when every instance is, down when none runs.
     */
    EngineStatus status(RegionId region, Component component);

    /**
     * Kills a component of a region at once (SIGKILL, as in a crash), and waits until it is gone;
     * {@link Component#SERVER} kills every instance. Its data stays on disk.
     */
    void kill(RegionId region, Component component);

    /**
     * Freezes a component of a region (SIGSTOP): the process keeps its sockets but answers nothing, the gray
     * failure of an overloaded or stalled dependency. {@link #thaw} lets it run on. Linux/Unix only.
     *
     * @throws LocalClusterException (engine failed) when it is not running or cannot be signalled
     */
    default void freeze(RegionId region, Component component) {
        throw new UnsupportedOperationException("this cluster cannot freeze processes");
    }

    /** Lets a frozen component run on (SIGCONT). */
    default void thaw(RegionId region, Component component) {
        throw new UnsupportedOperationException("this cluster cannot thaw processes");
    }

    /** What one server instance of a region is doing now. @throws LocalClusterException for no such instance */
    EngineStatus serverStatus(RegionId region, int instance);

    /** Kills one server instance of a region (SIGKILL). @throws LocalClusterException for no such instance */
    void killServer(RegionId region, int instance);

    /**
     * Starts the components of a region that are down, with the data they had, and waits until
     * they answer.
     *
     * @throws LocalClusterException (engine failed) with the log tail when one does not come up
     */
    void start(RegionId region);

    /**
     * The cross-region links (one per pair of regions, in name order) and their faults. Empty when the
     * cluster has no fault proxy (one region, or a backend without one).
     */
    List<LinkFault> links();

    /**
     * Cuts the link between two regions: the appliers of each stop receiving the other's mutations
     * (how depends on {@code cut}). Both regions keep serving their own clients. Returns once the
     * proxy has put the cut in force.
     *
     * @throws LocalClusterException (bad input) for an unknown region, the same region twice, or a
     *         cluster without a fault proxy; (engine failed) when the proxy is not running
     */
    void cut(RegionId a, RegionId b, LinkFault.Cut cut);

    /** Restores the link between two regions: no cut, no added delay. Same errors as {@link #cut}. */
    void heal(RegionId a, RegionId b);

    /**
     * Adds {@code roundTrip} latency to the link between two regions, half in each direction (zero
     * removes it); a cut stays as it is. Same errors as {@link #cut}.
     */
    void delay(RegionId a, RegionId b, java.time.Duration roundTrip);

    /**
     * Hands the engines over to whoever reads {@code cluster.json} next: this process will no longer
     * stop them when it exits. Used by {@code meridian local up}.
     */
    void detach();

    /** Stops every engine (graceful, then forced after a deadline) and forgets the cluster state. */
    @Override
    void close();
}
