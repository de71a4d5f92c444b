package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.store.CassandraStore;
import io.meridian.store.RegionState;
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
                states.add(new RegionState(new CassandraStore(s, "regionstate_it"), Clock.systemUTC()));
            }
            states.get(0).clearNeedsRepair(Optional.empty());
            assertThat(states.get(0).needsRepair()).isEmpty();
            // every "server" marks at once, each several incidents
            // (a timeout leaves the outcome unknown: the caller tries again, which may count that incident twice, never
            // zero times)
            List<Future<Integer>> marks = new ArrayList<>();
            for (int i = 0; i < servers; i++) {
                RegionState state = states.get(i);
                int server = i;
                marks.add(pool.submit(() -> {
                    int retries = 0;
                    for (int n = 0; n < incidentsEach; n++) {
                        for (int attempt = 0; ; attempt++) {
                            try {
                                state.markNeedsRepair("incident " + n + " of server " + server, server == 3 && n == 5);
                                break;
                            } catch (RuntimeException e) {
                                if (attempt == 5) {
                                    throw e;
                                }
                                retries++;
                            }
                        }
                    }
                    return retries;
                }));
            }
            int retries = 0;
            for (Future<Integer> f : marks) {
                retries += f.get();
            }
            RegionState fresh = new RegionState(new CassandraStore(sessions.get(1), "regionstate_it"), Clock.systemUTC());
            String now = fresh.needsRepair().orElseThrow();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("incident 0 of server \\d \\(\\S+Z\\) \\(and (\\d+) later incidents\\)")
                    .matcher(now);
            assertThat(m.matches()).as(now).isTrue();
            int later = Integer.parseInt(m.group(1));
            System.out.printf("RegionStateIT: %d incidents from %d servers at once -> 1 + %d later counted (%d retried after a timeout)%n",
                    servers * incidentsEach, servers, later, retries);
            assertThat(later).as("no incident lost").isBetween(servers * incidentsEach - 1, servers * incidentsEach - 1 + retries);
            assertThat(fresh.mark().orElseThrow().operatorOnly()).as("one incident was a discard: only an operator clears").isTrue();
            // a clear that names what it saw before the last incident is refused; the mark stays as it is
            RegionState clearer = states.get(2);
            String before = now.replace("(and " + later + " later", "(and " + (later - 1) + " later");
            assertThat(clearer.clearNeedsRepair(Optional.of(before))).contains(now);
            assertThat(clearer.needsRepair()).contains(now);
            // the marking server reports its own mark at once (not a cached older state)
            String again = states.get(3).markNeedsRepair("one more", false).now().text();
            assertThat(again).endsWith("(and " + (later + 1) + " later incidents)");
            assertThat(states.get(3).mark().orElseThrow().operatorOnly()).as("a later incident keeps the operator's part").isTrue();
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
