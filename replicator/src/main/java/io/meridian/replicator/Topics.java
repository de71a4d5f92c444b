package io.meridian.replicator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates Meridian's topics with their settings (and sets those settings on topics an older version created). */
public final class Topics {

    private Topics() { }

    /**
     * Creates the topic if it does not exist, and makes sure it takes records of
     * {@link io.meridian.core.Limits#MAX_LOG_RECORD_BYTES} ({@code max.message.bytes}, also set on a topic
     * created by an older version).
     */
    public static void ensure(String bootstrapServers, String topic, int partitions, short replication)
            throws InterruptedException, ExecutionException, TimeoutException {
        ensure(bootstrapServers, topic, partitions, replication, Map.of());
    }

    /**
     * The same, with further topic settings ({@code extra}) that are also set on a topic that exists (e.g. the
     * dead-letter topic's unlimited retention: an open letter must never expire unresolved).
     */
    public static void ensure(String bootstrapServers, String topic, int partitions, short replication, Map<String, String> extra)
            throws InterruptedException, ExecutionException, TimeoutException {
        String maxBytes = Integer.toString(io.meridian.core.Limits.MAX_LOG_RECORD_BYTES + 64 * 1024);
        Map<String, String> settings = new LinkedHashMap<>(extra);
        settings.put("max.message.bytes", maxBytes);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                admin.incrementalAlterConfigs(Map.of(resource, settings.entrySet().stream().map(e -> new AlterConfigOp(
                        new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList())).all().get(30, TimeUnit.SECONDS);
                return;
            }
            try {
                settings.put("min.insync.replicas", Integer.toString(Math.max(1, replication - 1)));
                admin.createTopics(List.of(new NewTopic(topic, partitions, replication).configs(settings)))
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    /** How many partitions an existing topic has. */
    public static int partitionCount(String bootstrapServers, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
        }
    }

    /** The dead-letter topic: one partition, and an open letter is an incident until resolved, so it never expires. */
    public static void ensureDeadLetters(String bootstrapServers, String topic, short replication)
            throws InterruptedException, ExecutionException, TimeoutException {
        ensure(bootstrapServers, topic, 1, replication, Map.of("retention.ms", "-1", "retention.bytes", "-1"));
    }
}
