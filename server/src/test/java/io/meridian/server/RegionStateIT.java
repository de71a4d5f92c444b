package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.server.internal.RegionState;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The repair mark on a real Cassandra (hardening issue: a dead-lettered acknowledged mutation marks the region):
 * concurrent incidents, from several server instances at once, are all counted (none lost to a read-modify-write);
 * a clear that names a mark older than the current one changes nothing; the mark a server just wrote is the one it
 * reports at once. Uses its own keyspace in region-a's Cassandra of the shared cluster.
 */
@ExtendWith(LocalClusterExtension.class)
class RegionStateIT {

    @Test
    void concurrentIncidentsAreAllCountedAndAStaleClearChangesNothing(LocalCluster cluster) throws Exception {
        RegionEndpoints a = cluster.regions().get(0);
        int servers = 4;
        int incidentsEach = 6;
        List<CqlSession> sessions = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(servers);
        try {
            for (int i = 0; i < servers; i++) {
                sessions.add(CqlSession.builder().addContactPoint(new InetSocketAddress(a.cassandraHost(), a.cassandraPort()))
                        .withLocalDatacenter(a.dataCenter()).build());
            }
            sessions.get(0).execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS regionstate_it WITH replication ="
                    + " {'class': 'NetworkTopologyStrategy', '" + a.dataCenter() + "': 1}").setTimeout(Duration.ofSeconds(60)));
            List<RegionState> states = new ArrayList<>();
            for (CqlSession s : sessions) {
                states.add(new RegionState(s, "regionstate_it", Clock.systemUTC()));
            }
            states.get(0).clearNeedsRepair(Optional.empty());
            assertThat(states.get(0).needsRepair()).isEmpty();
            // every "server" marks at once, each several incidents
            List<Future<String>> marks = new ArrayList<>();
            for (int i = 0; i < servers; i++) {
                RegionState state = states.get(i);
                int server = i;
                marks.add(pool.submit(() -> {
                    String last = null;
                    for (int n = 0; n < incidentsEach; n++) {
                        last = state.markNeedsRepair("incident " + n + " of server " + server);
                    }
                    return last;
                }));
            }
            for (Future<String> f : marks) {
                f.get();
            }
            int later = servers * incidentsEach - 1;
            String now = new RegionState(sessions.get(1), "regionstate_it", Clock.systemUTC()).needsRepair().orElseThrow();
            assertThat(now).as("no incident lost").matches("incident 0 of server \\d \\(and " + later + " later incidents\\)");
            // a clear that names what it saw before the last incident is refused; the mark stays as it is
            RegionState clearer = states.get(2);
            String before = now.replace("(and " + later + " later", "(and " + (later - 1) + " later");
            assertThat(clearer.clearNeedsRepair(Optional.of(before))).contains(now);
            assertThat(clearer.needsRepair()).contains(now);
            // the marking server reports its own mark at once (not a cached older state)
            String again = states.get(3).markNeedsRepair("one more");
            assertThat(again).endsWith("(and " + (later + 1) + " later incidents)");
            assertThat(states.get(3).needsRepair()).contains(again);
            assertThat(clearer.clearNeedsRepair(Optional.of(again))).isEmpty();
            assertThat(clearer.needsRepair()).isEmpty();
            assertThat(states.get(0).clearNeedsRepair(Optional.of(again))).as("already clear: nothing left").isEmpty();
        } finally {
            pool.shutdownNow();
            sessions.forEach(CqlSession::close);
        }
    }
}
