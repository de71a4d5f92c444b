package io.meridian.server;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.metrics.jetty12.InstrumentedQueuedThreadPool;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * Dropwizard's default server ({@code server: type: meridian}) with a bounded job queue in front of Jetty's thread
 * pool. Dropwizard 5 builds the queue growable without a limit (its {@code maxQueuedRequests} is gone), so a flood of
 * connections that never reach a resource (slow headers, more clients than threads) grows memory; here at most
 * {@code maxQueuedRequests} jobs wait and Jetty refuses the rest (the connection is closed at once) instead of
 * queueing them. The in-flight bounds of reads and appends (503 with Retry-After) stay the first line; this is the
 * last.
 */
@JsonTypeName("meridian")
public class BoundedServerFactory extends DefaultServerFactory {

    /** The bound of the job queue when the configuration does not say. */
    public static final int DEFAULT_MAX_QUEUED_REQUESTS = 1024;

    @Min(1)
    @Max(1_000_000)
    private int maxQueuedRequests = DEFAULT_MAX_QUEUED_REQUESTS;

    @JsonProperty
    public int getMaxQueuedRequests() {
        return maxQueuedRequests;
    }

    @JsonProperty
    public void setMaxQueuedRequests(int maxQueuedRequests) {
        this.maxQueuedRequests = maxQueuedRequests;
    }

    @Override
    protected ThreadPool createThreadPool(MetricRegistry metricRegistry) {
        int min = getMinThreads();
        BlockingArrayQueue<Runnable> queue = new BlockingArrayQueue<>(Math.min(min, maxQueuedRequests), min, maxQueuedRequests);
        InstrumentedQueuedThreadPool pool = new InstrumentedQueuedThreadPool(metricRegistry, getMaxThreads(), min,
                (int) getIdleThreadTimeout().toMilliseconds(), queue);
        if (isEnableVirtualThreads()) { // as Dropwizard's own pool does
            pool.setVirtualThreadsExecutor(new org.eclipse.jetty.util.thread.VirtualThreadPool(getMaxThreads()));
        }
        pool.setName("dw");
        return pool;
    }
}
