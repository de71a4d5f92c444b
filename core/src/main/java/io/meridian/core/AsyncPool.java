package io.meridian.core;

import java.util.concurrent.ForkJoinPool;

/**
 * The JDK's {@code HttpClient.sendAsync} completes every answer on {@code CompletableFuture}'s default executor, which is
 * the common fork-join pool only when that pool's parallelism is at least 2; with fewer than 3 processors it is 1, and the
 * default executor then starts <em>a new thread for every answer</em> ({@code CompletableFuture.ThreadPerTaskExecutor}).
 * On this project's 2-core machine that was 120 threads a second in a client doing 145 calls a second, and a client's
 * CPU per call more than halved without it (docs/benchmarks.md, "The direct path, and a thread per answer"). Meridian's own programs (the
 * server, the CLI and its benchmarks and drills) and the client library (when its class loads) therefore raise the
 * parallelism to 2 when it would be 1 and nobody chose it; that is too late once the pool was used, and the client then
 * warns once that the JVM should start with {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=2}
 * (docs/client.md).
 */
public final class AsyncPool {

    /** The system property the JDK reads, once, when the common pool is first used. */
    public static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private AsyncPool() { }

    /**
     * Whether {@code CompletableFuture}'s default executor, and so every {@code HttpClient.sendAsync} answer, starts a
     * thread per task in this JVM.
     */
    public static boolean threadPerTask() {
        return ForkJoinPool.getCommonPoolParallelism() < 2;
    }

    /**
     * For a program's {@code main}, before anything uses the common pool: a parallelism of 2 where the JDK would choose 1,
     * unless the property was given. Returns whether the default executor is a pool now.
     */
    public static boolean noThreadPerTask() {
        if (System.getProperty(PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(PARALLELISM, "2");
        }
        return !threadPerTask();
    }
}
