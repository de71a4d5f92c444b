package io.meridian.localcluster.internal;

import io.meridian.core.RegionId;
import java.util.LinkedHashMap;
import java.util.Map;

/** The ports of one region's block (see {@link io.meridian.localcluster.ClusterSpec}). */
record Ports(int block) {

    static final String HOST = "127.0.0.1";

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

    int server() {
        return block + 80;
    }

    int serverAdmin() {
        return block + 81;
    }

    String serverUrl() {
        return "http://" + HOST + ":" + server();
    }

    String serverAdminUrl() {
        return "http://" + HOST + ":" + serverAdmin();
    }

    /** Every port the region will bind, with what it is for. */
    Map<Integer, String> all(RegionId region, boolean withServer) {
        Map<Integer, String> m = new LinkedHashMap<>();
        m.put(cql(), region + " Cassandra CQL");
        m.put(storage(), region + " Cassandra storage");
        m.put(sslStorage(), region + " Cassandra SSL storage");
        m.put(jmx(), region + " Cassandra JMX");
        m.put(kafka(), region + " Kafka broker");
        m.put(kafkaController(), region + " Kafka controller");
        if (withServer) {
            m.put(server(), region + " Meridian server");
            m.put(serverAdmin(), region + " Meridian server admin");
        }
        return m;
    }
}
