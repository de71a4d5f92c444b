package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.core.server.ServerFactory;
import io.dropwizard.jackson.Jackson;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

/** {@code server: type: meridian}: found by Dropwizard's config parser, and its job queue refuses past the bound. */
class BoundedServerFactoryTest {

    private static final ObjectMapper YAML = Jackson.newObjectMapper(new YAMLFactory());

    @Test
    void theConfigurationNamesItAndTheDefaultBoundIsFinite() throws Exception {
        ServerFactory f = YAML.readValue("type: meridian\n", ServerFactory.class);
        assertThat(f).isInstanceOfSatisfying(BoundedServerFactory.class,
                b -> assertThat(b.getMaxQueuedRequests()).isEqualTo(BoundedServerFactory.DEFAULT_MAX_QUEUED_REQUESTS));
    }

    @Test
    void jobsBeyondTheQueueAreRefusedNotQueued() throws Exception {
        BoundedServerFactory f = (BoundedServerFactory) YAML.readValue(
                "type: meridian\nminThreads: 2\nmaxThreads: 2\nmaxQueuedRequests: 3\n", ServerFactory.class);
        QueuedThreadPool pool = (QueuedThreadPool) f.createThreadPool(new MetricRegistry());
        pool.setReservedThreads(0);
        pool.start();
        CountDownLatch release = new CountDownLatch(1);
        try {
            CountDownLatch running = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                pool.execute(() -> {
                    running.countDown();
                    await(release);
                });
            }
            running.await();
            for (int i = 0; i < 3; i++) {
                pool.execute(() -> { }); // waits in the queue: both threads are busy
            }
            assertThat(pool.getQueueSize()).isEqualTo(3);
            assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        } finally {
            release.countDown();
            pool.stop();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
