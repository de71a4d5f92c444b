package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Bytes;
import io.meridian.core.Mutation;
import io.meridian.core.MutationCodec;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.replicator.Replicator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An applier on real Kafka (the shared cluster's region-a, its own topic and group) with a store of our own that
 * fails on cue (hardening issue, case 5): in one batch, a mutation whose apply fails for a moment, then one that
 * holds the partition (its namespace does not exist yet). The failed one must be read and applied again — the
 * hold must not skip it — and the held one once its namespace exists; nothing is committed past an unapplied one.
 */
@ExtendWith(LocalClusterExtension.class)
class ApplierSeekBackIT {

    @Test
    void aMutationBeforeAHeldOneInAFailedBatchIsAppliedNotSkipped(LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.regions().get(0);
        String topic = "seekback_it.mutations";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, a.kafkaBootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        RegionId source = RegionId.of("region-a");
        Mutation first = new Mutation("present_ns", "first", List.of(new Operation.Put(Bytes.utf8("k"), Bytes.utf8("1"))),
                System.currentTimeMillis() * 1000, source, 1, Mutation.CURRENT_SCHEMA_VERSION);
        Mutation second = new Mutation("later_ns", "second", List.of(new Operation.Put(Bytes.utf8("k"), Bytes.utf8("2"))),
                System.currentTimeMillis() * 1000 + 64, source, 2, Mutation.CURRENT_SCHEMA_VERSION);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, first.logKey(), MutationCodec.encode(first))).get(30, TimeUnit.SECONDS);
            p.send(new ProducerRecord<>(topic, second.logKey(), MutationCodec.encode(second))).get(30, TimeUnit.SECONDS);
        }
        List<String> applied = new CopyOnWriteArrayList<>();
        AtomicInteger firstAttempts = new AtomicInteger();
        AtomicBoolean laterNamespaceExists = new AtomicBoolean();
        Replicator replicator = Replicator.builder().region(RegionId.of("region-seekback")).localBootstrap(a.kafkaBootstrap())
                .topic(topic).deadLetterTopic("seekback_it.deadletters").source(source, a.kafkaBootstrap())
                .target(m -> {
                    if (m.namespace().equals("later_ns") && !laterNamespaceExists.get()) {
                        return Optional.empty(); // holds the partition
                    }
                    if (m.id().equals("first") && firstAttempts.incrementAndGet() == 1) {
                        return Optional.of(CompletableFuture.failedFuture(new IllegalStateException("store busy for a moment")));
                    }
                    applied.add(m.id());
                    return Optional.of(CompletableFuture.completedFuture(null));
                }).build();
        replicator.start();
        try {
            Awaitility.await("the first mutation is applied on a retry").atMost(Duration.ofSeconds(60))
                    .until(() -> applied.contains("first"));
            assertThat(applied).doesNotContain("second");
            assertThat(replicator.status().get(0).held()).as("still held on the second").hasSize(1);
            laterNamespaceExists.set(true);
            Awaitility.await("the held one after its namespace exists").atMost(Duration.ofSeconds(60))
                    .until(() -> applied.contains("second"));
            assertThat(applied).containsExactly("first", "second");
            assertThat(firstAttempts.get()).isGreaterThanOrEqualTo(2);
        } finally {
            replicator.close();
        }
    }
}
