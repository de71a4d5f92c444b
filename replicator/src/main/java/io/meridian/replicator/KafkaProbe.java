package io.meridian.replicator;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Whether a region's Kafka answers: one cluster description, bounded by a timeout. Thread-safe. */
public final class KafkaProbe implements AutoCloseable {

    private final Admin admin;
    private final Duration timeout;

    public KafkaProbe(String bootstrap, Duration timeout) {
        this.timeout = timeout;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000,
                AdminClientConfig.CLIENT_ID_CONFIG, "meridian-engine-probe"));
    }

    /** Throws unless the cluster described itself within the timeout. */
    public void check() throws Exception {
        admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).nodes()
                .get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
