package io.meridian.localcluster.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The registry of engine processes this JVM started and still owns, and the one shutdown hook that
 * stops them if the JVM exits without closing its clusters (a failed test, Ctrl-C during
 * {@code local up}). A cluster handed over with {@code detach()} leaves the registry.
 *
 * <p>Every engine is launched with two marker arguments, {@code -Dmeridian.cluster=<dir>} and
 * {@code -Dmeridian.engine=<region>/<component>}. They let any later process (1) check that a pid
 * read from {@code cluster.json} is still that engine and not a reused pid, and (2) find engines left
 * behind by a run that crashed before it could stop them ({@link #findMarked}). Thread-safe.
 */
final class OwnedProcesses {

    static final String CLUSTER_MARKER = "-Dmeridian.cluster=";
    static final String ENGINE_MARKER = "-Dmeridian.engine=";

    private static final Map<Long, ProcessHandle> OWNED = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(OwnedProcesses::stopAllOwned, "meridian-engine-reaper"));
    }

    private OwnedProcesses() { }

    static void own(ProcessHandle process) {
        OWNED.put(process.pid(), process);
    }

    static void disown(long pid) {
        OWNED.remove(pid);
    }

    static boolean owns(long pid) {
        return OWNED.containsKey(pid);
    }

    private static void stopAllOwned() {
        List<ProcessHandle> alive = new ArrayList<>(OWNED.values());
        alive.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle p : alive) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0) {
                    break;
                }
                p.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // fall through to the forced kill below
            }
        }
        alive.forEach(ProcessHandle::destroyForcibly);
    }

    /** The marker value that names an engine. */
    static String engineMarker(String region, String component) {
        return region + "/" + component;
    }

    /** The live process with this pid if it carries exactly these markers; empty otherwise. */
    static Optional<ProcessHandle> findEngine(long pid, Path clusterDir, String engine) {
        if (pid <= 0) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> hasArgument(p, CLUSTER_MARKER + clusterDir) && hasArgument(p, ENGINE_MARKER + engine));
    }

    /** Every live process marked as belonging to the cluster in {@code clusterDir}. */
    static List<ProcessHandle> findMarked(Path clusterDir) {
        String marker = CLUSTER_MARKER + clusterDir;
        return ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> hasArgument(p, marker)).toList();
    }

    /** The engine marker value ({@code region/component}) of a process, if it has one. */
    static Optional<String> engineOf(ProcessHandle p) {
        return p.info().arguments().flatMap(args -> {
            for (String a : args) {
                if (a.startsWith(ENGINE_MARKER)) {
                    return Optional.of(a.substring(ENGINE_MARKER.length()));
                }
            }
            return Optional.empty();
        });
    }

    private static boolean hasArgument(ProcessHandle p, String argument) {
        return p.info().arguments().map(args -> List.of(args).contains(argument)).orElse(false);
    }

    /**
     * Stops a process: SIGTERM, then SIGKILL once {@code grace} has passed; waits for it to be gone.
     * A zero grace kills at once (as a crash would).
     */
    static void stop(ProcessHandle p, Duration grace) {
        try {
            if (!grace.isZero()) {
                p.destroy();
                try {
                    p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // graceful stop took too long: kill below
                }
            }
            if (p.isAlive()) {
                p.destroyForcibly();
                p.onExit().get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        } catch (Exception e) {
            p.destroyForcibly();
        } finally {
            disown(p.pid());
        }
    }
}
