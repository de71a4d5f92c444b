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

    /** Every port an engine of the region will bind, with what it is for. */
    Map<Integer, String> all(RegionId region) {
        Map<Integer, String> m = new LinkedHashMap<>();
        m.put(cql(), region + " Cassandra CQL");
        m.put(storage(), region + " Cassandra storage");
        m.put(sslStorage(), region + " Cassandra SSL storage");
        m.put(jmx(), region + " Cassandra JMX");
        m.put(kafka(), region + " Kafka broker");
        m.put(kafkaController(), region + " Kafka controller");
        return m;
    }
}
