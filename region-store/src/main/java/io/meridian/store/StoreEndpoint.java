package io.meridian.store;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.core.HostPort;
import io.meridian.core.RegionId;
import java.util.Objects;

/** Where one region's Cassandra answers: a contact point ({@code host:port}) and the region's data-centre name. */
public record StoreEndpoint(RegionId region, String contactPoint, String dataCenter) {

    public StoreEndpoint {
        Objects.requireNonNull(region, "region");
        HostPort.parse(contactPoint);
        Objects.requireNonNull(dataCenter, "dataCenter");
    }

    /** A new session whose local data centre is the region's (the caller closes it). */
    public CqlSession connect() {
        return CqlSession.builder().withLocalDatacenter(dataCenter).addContactPoint(HostPort.parse(contactPoint).address()).build();
    }
}
