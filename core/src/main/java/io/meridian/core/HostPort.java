package io.meridian.core;

import java.net.InetSocketAddress;

/**
 * A {@code host:port} pair as written in configuration and cluster files (contact points, bootstrap servers).
 * The one parser of that form: the port is the part after the last colon.
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be within 1..65535, got " + port);
        }
    }

    /** Parses {@code host:port}; a clear {@link IllegalArgumentException} otherwise. */
    public static HostPort parse(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'");
        }
        try {
            return new HostPort(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected host:port with a numeric port, got '" + hostPort + "'");
        }
    }

    /** An unresolved-if-needed socket address for drivers and clients. */
    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
