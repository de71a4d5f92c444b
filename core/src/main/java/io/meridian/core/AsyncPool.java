package io.meridian.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * The JDK's {@code HttpClient.sendAsync} (JDK 17) completes every answer on {@code CompletableFuture}'s default executor,
 * which is the common fork-join pool only when that pool's parallelism is at least 2; with fewer than 3 processors it is
 * 1, and the default executor then starts <em>a new thread for every answer</em> ({@code CompletableFuture}'s
 * thread-per-task executor). On this project's 2-core machine that was 120 threads a second in a client making 145 calls
 * a second (docs/benchmarks.md, "The direct path, and a thread per answer"). Meridian's own programs (the server, the CLI
 * and so its benchmarks and drills) therefore raise the parallelism to 2 at start where the JDK would choose 1 and nobody
 * chose; the client library does not change the JVM's settings, but warns once at {@code build()} when answers would each
 * start a thread, and docs/client.md says to start such a JVM with
 * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=2}.
 */
public final class AsyncPool {

    /** The system property the JDK reads, once, when the common pool is first used. */
    public static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private AsyncPool() { }

    /** Whether {@code CompletableFuture}'s default executor, and so every {@code HttpClient.sendAsync} answer, starts a thread per task. */
    public static boolean threadPerTask() {
        return !(new CompletableFuture<Void>().defaultExecutor() instanceof ForkJoinPool);
    }

    /**
     * The parallelism to set for a program with {@code processors} processors when the property is {@code given} (null:
     * not given): null to leave it alone (given, or the JDK's choice is already at least 2), else 2.
     */
    static String parallelismFor(String given, int processors) {
        return given == null && processors <= 2 ? "2" : null;
    }

    /**
     * For a program's {@code main}, before anything uses the common pool: a parallelism of 2 where the JDK would choose 1,
     * unless the property was given. Returns whether answers still start a thread each (the pool was in use already).
     */
    public static boolean noThreadPerTask() {
        String set = parallelismFor(System.getProperty(PARALLELISM), Runtime.getRuntime().availableProcessors());
        if (set != null) {
            System.setProperty(PARALLELISM, set);
        }
        return threadPerTask();
    }
}
