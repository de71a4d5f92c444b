package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

class AsyncPoolTest {

    /** The build runs tests as Meridian's programs run (the pom's argLine): async completions share a pool. */
    @Test
    void asyncCompletionsShareAPoolInsteadOfAThreadEach() {
        assertThat(AsyncPool.threadPerTask()).isFalse();
        assertThat(new CompletableFuture<Void>().defaultExecutor()).isSameAs(ForkJoinPool.commonPool());
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 200; i++) {
            CompletableFuture.runAsync(() -> threads.add(Thread.currentThread())).join();
        }
        assertThat(threads.size()).as("threads that ran 200 async tasks").isLessThanOrEqualTo(ForkJoinPool.getCommonPoolParallelism());
    }

    @Test
    void aGivenParallelismIsKept() {
        String before = System.getProperty(AsyncPool.PARALLELISM);
        assertThat(before).isEqualTo("2");
        System.setProperty(AsyncPool.PARALLELISM, "7");
        try {
            AsyncPool.noThreadPerTask();
            assertThat(System.getProperty(AsyncPool.PARALLELISM)).isEqualTo("7");
        } finally {
            System.setProperty(AsyncPool.PARALLELISM, before);
        }
    }
}
