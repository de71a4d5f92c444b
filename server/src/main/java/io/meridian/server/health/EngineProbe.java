package io.meridian.server.health;

import io.dropwizard.lifecycle.Managed;
import io.meridian.replicator.KafkaProbe;
import io.meridian.store.CassandraStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Whether this region's engines answer, checked in the background every {@link #PERIOD} (one tiny CQL query
 * and one Kafka cluster description), never on the request path: health endpoints, observers' probes and
 * Dropwizard's checks read the last result, so probing a region costs its engines nothing. A check that does not
 * answer within {@link #TIMEOUT} counts as failed. Thread-safe.
 */
public final class EngineProbe implements Managed {

    static final Duration PERIOD = Duration.ofSeconds(2);
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final CassandraStore store;
    private final KafkaProbe kafka;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meridian-engine-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile String cassandraProblem = "not checked yet";
    private volatile String kafkaProblem = "not checked yet";

    public EngineProbe(CassandraStore store, String kafkaBootstrap) {
        this.store = store;
        this.kafka = new KafkaProbe(kafkaBootstrap, TIMEOUT);
    }

    /** Runs both checks now (also called once before the server serves). */
    public void check() {
        try {
            store.ping(TIMEOUT);
            cassandraProblem = null;
        } catch (RuntimeException e) {
            cassandraProblem = "Cassandra does not answer: " + e.getMessage();
        }
        try {
            kafka.check();
            kafkaProblem = null;
        } catch (Exception e) {
            kafkaProblem = "Kafka does not answer: " + (e.getCause() == null ? e : e.getCause());
        }
    }

    /** Null when Cassandra answered at the last check, else what failed. */
    public String cassandraProblem() {
        return cassandraProblem;
    }

    /** Null when Kafka answered at the last check, else what failed. */
    public String kafkaProblem() {
        return kafkaProblem;
    }

    @Override
    public void start() {
        timer.scheduleWithFixedDelay(this::check, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        timer.shutdownNow();
        kafka.close();
    }
}
