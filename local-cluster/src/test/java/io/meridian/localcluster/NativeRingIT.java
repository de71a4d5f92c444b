package io.meridian.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's baseline ring: two data centres on real Cassandra form one ring, a write at LOCAL_QUORUM in
 * one DC becomes readable at LOCAL_ONE in the other (Cassandra's own replication), and closing stops every
 * node.
 */
class NativeRingIT {

    @Test
    void aWriteInOneDataCentreReachesTheOtherAndCloseStopsEveryNode() {
        Path dir = Path.of("target", "it-clusters", "native-ring").toAbsolutePath();
        NativeRing.Node a;
        NativeRing.Node b;
        try (NativeRing ring = NativeRing.start(dir, 2, 36_000, 512, StartListener.NONE)) {
            assertThat(ring.nodes()).hasSize(2);
            a = ring.nodes().get(0);
            b = ring.nodes().get(1);
            try (CqlSession inA = session(a); CqlSession inB = session(b)) {
                inA.execute("CREATE KEYSPACE ring_it WITH replication = {'class': 'NetworkTopologyStrategy', 'region-a': 1, 'region-b': 1}");
                inA.execute("CREATE TABLE ring_it.kv (k text PRIMARY KEY, v text)");
                inA.execute(SimpleStatement.newInstance("INSERT INTO ring_it.kv (k, v) VALUES ('x', 'written in a')")
                        .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
                Awaitility.await("replicated to region-b").atMost(Duration.ofSeconds(60)).until(() -> {
                    var row = inB.execute(SimpleStatement.newInstance("SELECT v FROM ring_it.kv WHERE k = 'x'")
                            .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE)).one();
                    return row != null && row.getString("v").equals("written in a");
                });
            }
        }
        assertThat(ProcessHandle.of(a.pid()).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(ProcessHandle.of(b.pid()).filter(ProcessHandle::isAlive)).isEmpty();
    }

    private static CqlSession session(NativeRing.Node n) {
        int colon = n.contactPoint().lastIndexOf(':');
        return CqlSession.builder().withLocalDatacenter(n.dataCenter().name())
                .addContactPoint(new InetSocketAddress(n.contactPoint().substring(0, colon),
                        Integer.parseInt(n.contactPoint().substring(colon + 1)))).build();
    }
}
