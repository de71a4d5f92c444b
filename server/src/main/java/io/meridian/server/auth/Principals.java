package io.meridian.server.auth;

import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.ServerFactory;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.dropwizard.jetty.HttpsConnectorFactory;
import io.meridian.server.MeridianConfiguration;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@code auth} configuration into an authenticator, refusing configurations that would leave the server
 * open or its secrets weak: no principal at all, a principal with no or two secrets, a secret shorter than
 * {@value #MIN_SECRET_CHARS} characters or one of the well-known examples, peer credentials that name no
 * peer, and credentials over plain HTTP on a non-loopback address (unless explicitly allowed). Stateless.
 */
public final class Principals {

    static final int MIN_SECRET_CHARS = 16;
    /** Secrets that appear in examples and tutorials: refused, so an example file never runs in production. */
    static final List<String> EXAMPLES = List.of("change-me", "changeme", "change-me-please-now", "example", "secret", "password",
            "meridian", "operator", "admin", "example-operator-secret", "example-peer-secret", "example-app-secret");

    private Principals() { }

    /**
     * The authenticator of these settings.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static CallerAuthenticator authenticator(MeridianConfiguration.AuthSettings auth) {
        if (auth.principals.isEmpty()) {
            throw new IllegalArgumentException("auth.principals is empty: nobody could call this server (see docs/operations.md)");
        }
        Map<String, CallerAuthenticator.Entry> entries = new LinkedHashMap<>();
        auth.principals.forEach((name, p) -> {
            if ((p.secret == null) == (p.secretSha256 == null)) {
                throw new IllegalArgumentException("auth.principals." + name + " needs exactly one of secret and secretSha256");
            }
            byte[] digest;
            if (p.secret != null) {
                if (p.secret.length() < MIN_SECRET_CHARS || EXAMPLES.contains(p.secret.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("auth.principals." + name + ".secret is an example or shorter than "
                            + MIN_SECRET_CHARS + " characters: generate one (e.g. `openssl rand -hex 32`)");
                }
                digest = CallerAuthenticator.sha256(p.secret);
            } else {
                digest = HexFormat.of().parseHex(p.secretSha256.toLowerCase(Locale.ROOT));
                for (String example : EXAMPLES) {
                    if (java.util.Arrays.equals(digest, CallerAuthenticator.sha256(example))) {
                        throw new IllegalArgumentException("auth.principals." + name + ".secretSha256 is the digest of an example secret");
                    }
                }
            }
            entries.put(name, new CallerAuthenticator.Entry(digest, new Caller(name, Set.copyOf(p.roles), Map.copyOf(p.namespaces))));
        });
        if (auth.peer != null) {
            CallerAuthenticator.Entry peer = entries.get(auth.peer.user);
            if (peer == null || !peer.caller().has(Caller.Role.PEER)
                    || !java.security.MessageDigest.isEqual(peer.sha256(), CallerAuthenticator.sha256(auth.peer.secret))) {
                throw new IllegalArgumentException("auth.peer must be the user and secret of a principal with role peer");
            }
        }
        return new CallerAuthenticator(entries);
    }

    /**
     * Refuses plain-HTTP application connectors on non-loopback addresses: credentials would travel in clear.
     *
     * @throws IllegalArgumentException naming the connector
     */
    public static void checkTransport(ServerFactory server, boolean allowPlaintext) {
        if (allowPlaintext || !(server instanceof DefaultServerFactory f)) {
            return;
        }
        for (ConnectorFactory c : f.getApplicationConnectors()) {
            if (c instanceof HttpConnectorFactory http && !(c instanceof HttpsConnectorFactory) && !loopback(http.getBindHost())) {
                throw new IllegalArgumentException("the application connector on port " + http.getPort() + " is plain HTTP on "
                        + (http.getBindHost() == null ? "every address" : http.getBindHost()) + ": credentials would travel in"
                        + " clear. Use an https connector (docs/deployment.md) or bind it to 127.0.0.1;"
                        + " auth.allowPlaintextOffLoopback: true allows it anyway");
            }
        }
    }

    private static boolean loopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
