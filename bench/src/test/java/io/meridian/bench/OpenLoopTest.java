package io.meridian.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The one load generator: its in-flight bound, its stop and its error count. */
class OpenLoopTest {

    /** Threads of their own for calls that block: the common pool may have one or two (and a blocked one is lost to later tests). */
    private static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-waiter");
        t.setDaemon(true);
        return t;
    });

    @Test
    void withABoundOfOneEachOperationStartsAfterThePreviousCompletedAndAStopDrains() throws Exception {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger mostInFlight = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            AtomicLong errors = new AtomicLong();
            CompletableFuture<Long> issued = CompletableFuture.supplyAsync(() -> OpenLoop.until(stop::get, 1_000, 1, intended -> {
                int n = events.size();
                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                events.add("start");
                CompletableFuture<Void> op = new CompletableFuture<>();
                later.schedule(() -> { // each operation is slower than the 1 ms period
                    events.add("end");
                    inFlight.decrementAndGet();
                    if (n % 3 == 0) {
                        op.completeExceptionally(new IllegalStateException("refused"));
                    } else {
                        op.complete(null);
                    }
                }, 5, TimeUnit.MILLISECONDS);
                return new OpenLoop.Send(op, new org.HdrHistogram.Recorder(3));
            }, errors), THREADS);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> events.size() >= 20);
            stop.set(true);
            long n = issued.get(60, TimeUnit.SECONDS);

            assertThat(mostInFlight.get()).isEqualTo(1);
            assertThat(inFlight.get()).as("drained before returning").isZero();
            List<String> seen = List.copyOf(events);
            assertThat(seen).hasSize((int) (2 * n));
            for (int i = 0; i < seen.size(); i++) {
                assertThat(seen.get(i)).as("event %d of %s", i, seen).isEqualTo(i % 2 == 0 ? "start" : "end");
            }
            assertThat(errors.get()).isEqualTo((n + 2) / 3); // operations 0, 3, 6, ... failed
        } finally {
            later.shutdownNow();
        }
    }
}
