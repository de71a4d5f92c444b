package io.meridian.replicator.internal;

import io.meridian.core.Limits;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Producer settings Meridian's producers share. */
public final class Producers {

    private Producers() { }

    /**
     * A durable producer: {@code acks=all} and idempotent (an acknowledged record is on every in-sync replica and a
     * retry never duplicates it), taking records as large as the largest write the API accepts plus envelope.
     */
    public static Properties durable(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        // the default, 1 MiB, refused a value of exactly the 1 MiB write limit
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Limits.MAX_LOG_RECORD_BYTES + 64 * 1024);
        return p;
    }
}
