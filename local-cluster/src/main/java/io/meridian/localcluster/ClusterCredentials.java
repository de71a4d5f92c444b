package io.meridian.localcluster;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * The principals of an embedded cluster and their random secrets, generated on first use and kept in
 * {@code DIR/credentials} (owner-only, 0600): {@value #OPERATOR} (roles admin and operator, and read/write on every
 * namespace, so the CLI needs one credential), {@value #APP} (read/write on every namespace: what services and
 * drills use), {@value #READER} (read on every namespace) and {@value #PEER} (the servers among themselves). The
 * servers get the secrets' SHA-256 in their configuration; the CLI reads this file (or the environment).
 *
 * @param operator the operator's secret
 * @param app the application's secret
 * @param reader the read-only principal's secret
 * @param peer the servers' secret
 */
public record ClusterCredentials(String operator, String app, String reader, String peer) {

    public static final String OPERATOR = "operator";
    public static final String APP = "app";
    public static final String READER = "reader";
    public static final String PEER = "peer";
    static final String FILE = "credentials";

    /** The credentials of the cluster in {@code dir}, created (with the file) if missing. */
    public static synchronized ClusterCredentials of(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            if (!Files.isRegularFile(file)) {
                Properties p = new Properties();
                for (String name : new String[] {OPERATOR, APP, READER, PEER}) {
                    p.setProperty(name, random());
                }
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, ".credentials", ".tmp", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
                try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    p.store(w, "Meridian embedded cluster principals (generated; owner-only)");
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    Files.deleteIfExists(tmp);
                }
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            return new ClusterCredentials(p.getProperty(OPERATOR), p.getProperty(APP), p.getProperty(READER), p.getProperty(PEER));
        } catch (IOException | UnsupportedOperationException e) {
            throw LocalClusterException.badInput("cannot read or create " + file + ": " + e.getMessage());
        }
    }

    /** The secret of principal {@code name}. */
    public String secretOf(String name) {
        return switch (name) {
            case OPERATOR -> operator;
            case APP -> app;
            case READER -> reader;
            case PEER -> peer;
            default -> throw new IllegalArgumentException("no principal " + name);
        };
    }

    /** The HTTP Basic {@code Authorization} header value of principal {@code name}. */
    public String basic(String name) {
        return new io.meridian.core.BasicCredentials(name, secretOf(name)).header();
    }

    private static String random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public String toString() {
        return "ClusterCredentials[operator, app, reader, peer]"; // never the secrets
    }
}
