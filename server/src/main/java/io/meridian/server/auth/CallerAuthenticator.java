package io.meridian.server.auth;

import io.dropwizard.auth.Authenticator;
import io.dropwizard.auth.basic.BasicCredentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Checks HTTP Basic credentials against the configured principals. Secrets are kept as SHA-256 digests (a
 * configuration may hold only the digest, so a leaked file does not leak the secret); generated secrets are
 * 256-bit random, so one fast hash per request is enough (a slow password hash would cost a request's whole
 * CPU budget). Comparisons are constant-time, and an unknown name costs the same as a wrong secret. Thread-safe.
 */
public final class CallerAuthenticator implements Authenticator<BasicCredentials, Caller> {

    /** A principal's digest and what it may do. */
    public record Entry(byte[] sha256, Caller caller) {
    }

    private static final byte[] NOBODY = sha256("no such principal");
    private final Map<String, Entry> principals;

    public CallerAuthenticator(Map<String, Entry> principals) {
        this.principals = new LinkedHashMap<>(principals);
    }

    @Override
    public Optional<Caller> authenticate(BasicCredentials credentials) {
        Entry e = principals.get(credentials.getUsername());
        byte[] given = sha256(credentials.getPassword());
        boolean ok = MessageDigest.isEqual(e == null ? NOBODY : e.sha256(), given);
        return ok && e != null ? Optional.of(e.caller()) : Optional.empty();
    }

    /** SHA-256 of a secret's UTF-8 bytes. */
    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The hex form used in configuration ({@code secretSha256}). */
    public static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }
}
