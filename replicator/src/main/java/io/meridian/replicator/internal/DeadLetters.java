package io.meridian.replicator.internal;

import io.meridian.core.RegionId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter topic in the applying region's Kafka: the original key and value, with headers
 * {@code meridian.source-region}, {@code …source-topic}, {@code …source-partition}, {@code …source-offset}
 * and {@code meridian.error}. A dead letter is durable ({@code acks=all}) before the source offset is
 * committed. Thread-safe.
 */
public final class DeadLetters implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public DeadLetters(String bootstrap, String topic, RegionId region) {
        this.topic = topic;
        Properties p = Producers.durable(bootstrap, "meridian-deadletters-" + region);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public String topic() {
        return topic;
    }

    /** Writes the dead letter and waits for the broker's acknowledgement. */
    void send(RegionId source, ConsumerRecord<String, byte[]> rec, String error) throws Exception {
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, rec.key() == null ? null
                : rec.key().getBytes(StandardCharsets.UTF_8), rec.value());
        out.headers().add(io.meridian.replicator.DeadLetterQueue.SOURCE_REGION, bytes(source.name()));
        out.headers().add(io.meridian.replicator.DeadLetterQueue.SOURCE_TOPIC, bytes(rec.topic()));
        out.headers().add(io.meridian.replicator.DeadLetterQueue.SOURCE_PARTITION, bytes(Integer.toString(rec.partition())));
        out.headers().add(io.meridian.replicator.DeadLetterQueue.SOURCE_OFFSET, bytes(Long.toString(rec.offset())));
        out.headers().add(io.meridian.replicator.DeadLetterQueue.ERROR, bytes(error));
        producer.send(out).get(30, TimeUnit.SECONDS);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
