package io.meridian.localcluster.internal;

import io.meridian.core.RegionId;
import java.util.LinkedHashMap;
import java.util.Map;

/** The ports of one region's block (see {@link io.meridian.localcluster.ClusterSpec}). */
record Ports(int block) {

    static final String HOST = "127.0.0.1";

    /** Clusters up to this size route cross-region traffic through the fault proxy (ports +50..+69). */
    static final int MAX_PROXIED_REGIONS = 10;

    int cql() {
        return block + 42;
    }

    int storage() {
        return block + 70;
    }

    int sslStorage() {
        return block + 71;
    }

    int jmx() {
        return block + 99;
    }

    int kafka() {
        return block + 92;
    }

    int kafkaController() {
        return block + 93;
    }

    /** Server instances a region can run: their ports are {@code +80+2i} and {@code +81+2i}. */
    static final int MAX_SERVERS = 4;

    int server(int instance) {
        return block + 80 + 2 * instance;
    }

    int serverAdmin(int instance) {
        return block + 81 + 2 * instance;
    }

    /**
     * The Kafka listener that regions reach through the fault proxy: one per consumer region, so each
     * advertises its own route's proxy port ({@link #proxy}).
     */
    int kafkaPeer(int consumerIndex) {
        return block + 50 + consumerIndex;
    }

    /** The fault proxy's port for consumer region {@code consumerIndex} reading this region's Kafka. */
    int proxy(int consumerIndex) {
        return block + 60 + consumerIndex;
    }

    String serverUrl(int instance) {
        return "http://" + HOST + ":" + server(instance);
    }

    String serverAdminUrl(int instance) {
        return "http://" + HOST + ":" + serverAdmin(instance);
    }

    /** Every port the region will bind, with what it is for. */
    Map<Integer, String> all(RegionId region, int index, int servers, int regions) {
        Map<Integer, String> m = new LinkedHashMap<>();
        m.put(cql(), region + " Cassandra CQL");
        m.put(storage(), region + " Cassandra storage");
        m.put(sslStorage(), region + " Cassandra SSL storage");
        m.put(jmx(), region + " Cassandra JMX");
        m.put(kafka(), region + " Kafka broker");
        m.put(kafkaController(), region + " Kafka controller");
        if (regions > 1 && regions <= MAX_PROXIED_REGIONS) {
            for (int c = 0; c < regions; c++) {
                if (c == index) {
                    continue;
                }
                m.put(kafkaPeer(c), region + " Kafka listener for region #" + c);
                m.put(proxy(c), "fault proxy route " + region + " -> region #" + c);
            }
        }
        for (int i = 0; i < servers; i++) {
            String name = i == 0 ? " Meridian server" : " Meridian server-" + i;
            m.put(server(i), region + name);
            m.put(serverAdmin(i), region + name + " admin");
        }
        return m;
    }
}
