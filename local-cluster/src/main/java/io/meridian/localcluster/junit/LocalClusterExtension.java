package io.meridian.localcluster.junit;

import io.meridian.core.RegionId;
import io.meridian.localcluster.ClusterSpec;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.EngineBackend;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.StartListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;

/**
 * Gives integration tests a running cluster of real engines.
 *
 * <ul>
 *   <li>A plain {@link LocalCluster} parameter gets the <b>shared</b> cluster: started once per test
 *       run (JVM) on first use, with {@code -Dmeridian.test.regions} regions (default 3) and, with
 *       {@code -Dmeridian.test.servers=true}, a Meridian server per region; stopped
 *       when the run ends. Tests isolate themselves by keyspace/namespace and topic names.</li>
 *   <li>A parameter annotated {@link PrivateCluster} gets its own cluster, stopped when its scope ends:
 *       for destructive tests. With {@link PrivateCluster#shareAs()}, classes that name the same key get one such
 *       cluster, kept until any other cluster is asked for (order those classes next to each other).</li>
 * </ul>
 *
 * The backend is {@link EngineBackend#fromConfiguration()} ({@code -Dmeridian.engines=embedded|docker});
 * when it cannot run here (no Docker engine) the class is <b>skipped</b> with the reason (an execution condition). Clusters live
 * under {@code -Dmeridian.test.dir} (default {@code target/it-clusters}); a directory left by a crashed
 * earlier run is stopped and wiped first. Shared clusters use ports from 29000, private ones from
 * 21000, so tests never collide with a developer's {@code meridian local up} on 19000; all stay below the kernel's
 * ephemeral ports (32768 and up), which any outgoing connection may hold at the moment a cluster starts.
 */
public final class LocalClusterExtension implements ParameterResolver, org.junit.jupiter.api.extension.AfterAllCallback,
        org.junit.jupiter.api.extension.ExecutionCondition {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LocalClusterExtension.class);
    private static final AtomicInteger PRIVATE_COUNTER = new AtomicInteger();
    private static final int SHARED_BASE_PORT = 29_000;
    private static final String KEPT = "kept";
    private static final String USES_KEPT = "uses-kept";
    private static final int PRIVATE_BASE_PORT = 21_000; // private n: 21000 + n * 400; all below the ephemeral range (32768+)

    /**
     * A class or test that uses clusters is skipped, with the reason, where the configured backend cannot run (no Docker
     * engine for {@code -Dmeridian.engines=docker}): an exception thrown while resolving its cluster would be reported
     * as a failure (JUnit wraps it), not a skip.
     */
    @Override
    public org.junit.jupiter.api.extension.ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        EngineBackend backend = EngineBackend.fromConfiguration();
        return backend.isAvailable()
                ? org.junit.jupiter.api.extension.ConditionEvaluationResult.enabled("the " + backend.name() + " engine backend runs here")
                : org.junit.jupiter.api.extension.ConditionEvaluationResult.disabled("skipped: the " + backend.name()
                        + " engine backend cannot run here: " + backend.unavailableReason());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == LocalCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        EngineBackend backend = EngineBackend.fromConfiguration();
        if (!backend.isAvailable()) {
            throw new TestAbortedException("skipped: the " + backend.name() + " engine backend cannot run here: "
                    + backend.unavailableReason());
        }
        var annotation = parameterContext.findAnnotation(PrivateCluster.class);
        ExtensionContext.Store root = context.getRoot().getStore(NS);
        if (annotation.isPresent()) {
            PrivateCluster a = annotation.get();
            boolean servers = switch (a.servers()) {
                case YES -> true;
                case NO -> false;
                case AS_CONFIGURED -> Boolean.getBoolean("meridian.test.servers");
            };
            String shape = a.regions() + " region(s), servers " + servers + " x " + a.serversPerRegion();
            if (!a.shareAs().isEmpty()) {
                Kept kept = root.get(KEPT, Kept.class);
                if (kept != null && kept.key.equals(a.shareAs())) {
                    if (!kept.shape.equals(shape)) {
                        throw new IllegalStateException("cluster '" + a.shareAs() + "' is shared as " + kept.shape
                                + ", asked for as " + shape);
                    }
                    classContext(context).getStore(NS).put(USES_KEPT, Boolean.TRUE);
                    return kept.handle.cluster;
                }
                stopKept(root);
                Handle handle = startPrivate(backend, a, servers);
                root.put(KEPT, new Kept(a.shareAs(), shape, handle));
                classContext(context).getStore(NS).put(USES_KEPT, Boolean.TRUE);
                return handle.cluster;
            }
            stopKept(root);
            Handle handle = startPrivate(backend, a, servers);
            context.getStore(NS).put(handle.cluster.directory().getFileName().toString(), handle);
            return handle.cluster;
        }
        stopKept(root);
        int regions = Integer.getInteger("meridian.test.regions", ClusterSpec.DEFAULT_REGIONS);
        Handle shared = context.getRoot().getStore(NS).getOrComputeIfAbsent("shared",
                k -> new Handle(start(backend, "shared", regions, SHARED_BASE_PORT, Boolean.getBoolean("meridian.test.servers"), 1)),
                Handle.class);
        return shared.cluster;
    }

    private static Handle startPrivate(EngineBackend backend, PrivateCluster a, boolean servers) {
        int n = PRIVATE_COUNTER.getAndIncrement();
        int basePort = PRIVATE_BASE_PORT + (n % 10) * ClusterSpec.PORTS_PER_REGION * 4;
        return new Handle(start(backend, "private-" + n, a.regions(), basePort, servers, a.serversPerRegion()));
    }

    /**
     * A class that used the kept cluster and failed outside its tests (its {@code @BeforeAll} or {@code @AfterAll}, where
     * it restores the cluster) may have left it broken: it is stopped, so the next class that shares it starts a fresh one
     * instead of failing for this one's reasons.
     */
    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getStore(NS).get(USES_KEPT) != null && context.getExecutionException().filter(e -> !aborted(e)).isPresent()) {
            System.out.printf("[local-cluster] %s failed: the cluster it shares is stopped, not passed on%n",
                    context.getRequiredTestClass().getSimpleName());
            stopKept(context.getRoot().getStore(NS));
        }
    }

    /** A skip (an assumption, or no engine backend here), not a failure: it broke nothing. */
    private static boolean aborted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TestAbortedException) {
                return true;
            }
        }
        return false;
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    /** Stops the cluster kept for classes that share it, if any (a failure to stop is logged: its processes' reaper remains). */
    private static void stopKept(ExtensionContext.Store root) {
        Kept kept = root.remove(KEPT, Kept.class);
        if (kept != null) {
            System.out.printf("[local-cluster] stopping the cluster shared as '%s'%n", kept.key);
            try {
                kept.close();
            } catch (RuntimeException e) {
                System.out.printf("[local-cluster] stopping the cluster shared as '%s' failed: %s%n", kept.key, e);
            }
        }
    }

    private static LocalCluster start(EngineBackend backend, String name, int regions, int basePort, boolean servers,
            int serversPerRegion) {
        Path dir = Path.of(System.getProperty("meridian.test.dir", "target/it-clusters")).resolve(name)
                .toAbsolutePath().normalize();
        if (Files.isRegularFile(dir.resolve("cluster.json")) && backend.name().equals("embedded")) {
            backend.attach(dir).close(); // engines left by a crashed earlier run
        }
        deleteTree(dir);
        ClusterSpec spec = ClusterSpec.builder().basePort(basePort).regions(regions).directory(dir).servers(servers)
                .serversPerRegion(serversPerRegion).startTimeout(Duration.ofMinutes(4)).build();
        long t0 = System.nanoTime();
        System.out.printf("[local-cluster] starting %d region(s) (%s backend) in %s%n", regions, backend.name(), dir);
        LocalCluster cluster = backend.start(spec, new StartListener() {
            @Override
            public void ready(RegionId region, Component component, Duration elapsed) {
                System.out.printf("[local-cluster] %s %s ready in %d ms%n", region, component.label(), elapsed.toMillis());
            }

            @Override
            public void reaped(long pid, String what) {
                System.out.printf("[local-cluster] stopped %s (pid %d) left by a crashed run%n", what, pid);
            }
        });
        System.out.printf("[local-cluster] %s cluster up in %d ms%n", name, (System.nanoTime() - t0) / 1_000_000);
        return cluster;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir, e);
        }
    }

    /** The cluster kept for the classes sharing it as {@code key}; stopped with the root store if still kept then. */
    @SuppressWarnings("deprecation")
    private record Kept(String key, String shape, Handle handle) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            handle.close();
        }
    }

    /** Stops its cluster when JUnit closes the store it lives in. */
    @SuppressWarnings("deprecation")
    private static final class Handle implements ExtensionContext.Store.CloseableResource {
        final LocalCluster cluster;

        Handle(LocalCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void close() {
            cluster.close();
        }
    }
}
