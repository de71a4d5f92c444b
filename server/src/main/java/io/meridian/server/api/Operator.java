package io.meridian.server.api;

import java.security.MessageDigest;
import java.security.Principal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import io.dropwizard.auth.Authenticator;
import io.dropwizard.auth.basic.BasicCredentials;

/** An authenticated operator (HTTP Basic against {@code router.operators}). */
public record Operator(String name) implements Principal {

    @Override
    public String getName() {
        return name;
    }

    /** Checks credentials against the configured ones, in constant time per comparison. */
    public static Authenticator<BasicCredentials, Operator> authenticator(Map<String, String> operators) {
        return credentials -> {
            String expected = operators.get(credentials.getUsername());
            if (expected == null || expected.isEmpty()) {
                return Optional.empty();
            }
            boolean ok = MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                    credentials.getPassword().getBytes(StandardCharsets.UTF_8));
            return ok ? Optional.of(new Operator(credentials.getUsername())) : Optional.empty();
        };
    }
}
