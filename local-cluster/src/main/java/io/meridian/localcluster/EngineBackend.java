package io.meridian.localcluster;

import io.meridian.localcluster.internal.DockerBackend;
import io.meridian.localcluster.internal.EmbeddedBackend;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Starts clusters of real engines. Two implementations: {@code embedded} (the default; child JVMs
 * from the engines' Maven artifacts, no Docker needed) and {@code docker} (Testcontainers on the
 * {@code cassandra:5.0} and {@code apache/kafka} images). Thread-safe.
 */
public interface EngineBackend {

    /** System property choosing the backend: {@code embedded} (default) or {@code docker}. */
    String PROPERTY = "meridian.engines";

    /** The backend's name as used in {@link #PROPERTY}. */
    String name();

    /**
     * Whether this backend can run here; when not, {@link #unavailableReason()} says why.
     */
    boolean isAvailable();

    /** Why {@link #isAvailable()} is false (e.g. "no Docker engine"), or an empty string. */
    String unavailableReason();

    /**
     * Starts a cluster as {@code spec} describes and waits until every engine answers. On failure
     * nothing started by the call is left running.
     *
     * @throws LocalClusterException bad input (before anything starts) or an engine that failed
     */
    LocalCluster start(ClusterSpec spec, StartListener listener);

    /**
     * Attaches to a cluster started earlier in {@code directory} (possibly by another process).
     *
     * @throws LocalClusterException (no cluster) if the directory holds no cluster state
     */
    LocalCluster attach(Path directory);

    /** As {@link #attach(Path)}, telling {@code listener} what it starts or reaps (the embedded backend does). */
    default LocalCluster attach(Path directory, StartListener listener) {
        return attach(directory);
    }

    /** Whether it runs the engines as child processes of its own, so {@code meridian local} can manage them. */
    default boolean embedded() {
        return false;
    }

    /** The backend named by the {@value #PROPERTY} system property, {@code embedded} by default. */
    static EngineBackend fromConfiguration() {
        return named(System.getProperty(PROPERTY, "embedded"));
    }

    /**
     * The backend with this name.
     *
     * @throws LocalClusterException (bad input) for an unknown name
     */
    static EngineBackend named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "embedded" -> new EmbeddedBackend();
            case "docker" -> new DockerBackend();
            default -> throw LocalClusterException.badInput(
                    "unknown engine backend '" + name + "': expected embedded or docker");
        };
    }
}
