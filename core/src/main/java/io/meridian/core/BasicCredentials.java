package io.meridian.core;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A principal's name and secret, sent as HTTP Basic: the one place the {@code Authorization} header is encoded
 * (client, operator client, peers, command line, drills, benchmarks).
 */
public record BasicCredentials(String user, String secret) {

    public BasicCredentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(secret, "secret");
        if (user.indexOf(':') >= 0) {
            throw new IllegalArgumentException("a user name must not contain ':'");
        }
    }

    /** The {@code Authorization} header value. */
    public String header() {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "BasicCredentials[" + user + "]"; // never the secret
    }
}
