package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

class AsyncPoolTest {

    @Test
    void aProgramOnTwoOrFewerProcessorsGetsTwoUnlessItChose() {
        assertThat(AsyncPool.parallelismFor(null, 1)).isEqualTo("2");
        assertThat(AsyncPool.parallelismFor(null, 2)).isEqualTo("2");
        assertThat(AsyncPool.parallelismFor(null, 3)).as("the JDK chooses 2 itself").isNull();
        assertThat(AsyncPool.parallelismFor(null, 16)).isNull();
        assertThat(AsyncPool.parallelismFor("1", 2)).as("a choice is kept").isNull();
        assertThat(AsyncPool.parallelismFor("7", 2)).isNull();
    }

    /** What this JVM does is what the check says: a pool, or a thread per task exactly when the pool's parallelism is 1. */
    @Test
    void theCheckReadsTheExecutorItself() {
        boolean pool = new CompletableFuture<Void>().defaultExecutor() instanceof ForkJoinPool;
        assertThat(AsyncPool.threadPerTask()).isEqualTo(!pool);
        if (Runtime.version().feature() < 21) { // JDK 17: the thread-per-task executor below parallelism 2
            assertThat(AsyncPool.threadPerTask()).isEqualTo(ForkJoinPool.getCommonPoolParallelism() < 2);
        }
    }
}
