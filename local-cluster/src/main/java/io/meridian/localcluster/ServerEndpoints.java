package io.meridian.localcluster;

import java.util.Objects;

/**
 * One Meridian server instance of a region.
 *
 * @param instance 0-based instance number within the region
 * @param url      base URL of its data API ({@code /v1})
 * @param adminUrl base URL of its admin port (health checks, metrics)
 * @param pid      its process id, or 0 when none runs
 */
public record ServerEndpoints(int instance, String url, String adminUrl, long pid) {

    public ServerEndpoints {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(adminUrl, "adminUrl");
        if (instance < 0) {
            throw new IllegalArgumentException("instance " + instance + " is negative");
        }
    }

    /** The name used in logs, markers and tables: {@code server} for instance 0, {@code server-N} after. */
    public String label() {
        return instance == 0 ? "server" : "server-" + instance;
    }

    /** A copy with another pid. */
    public ServerEndpoints withPid(long newPid) {
        return new ServerEndpoints(instance, url, adminUrl, newPid);
    }
}
