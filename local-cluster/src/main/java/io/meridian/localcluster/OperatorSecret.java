package io.meridian.localcluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The operator credentials of an embedded cluster: user {@value #USER}, and a random password kept in
 * {@code DIR/operator.secret} (owner-only), created on first use. The servers get it in their
 * configuration ({@code router.operators}); the CLI reads it from the same file (or
 * {@code MERIDIAN_OPERATOR_PASSWORD}).
 */
public final class OperatorSecret {

    /** The operator's user name. */
    public static final String USER = "operator";
    static final String FILE = "operator.secret";

    private OperatorSecret() { }

    /** The password of the cluster in {@code dir}, created if missing. */
    public static synchronized String of(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            if (!Files.isRegularFile(file)) {
                byte[] random = new byte[24];
                new SecureRandom().nextBytes(random);
                Files.createDirectories(dir);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (FileAlreadyExistsException raced) {
                    return Files.readString(file, StandardCharsets.UTF_8).trim();
                } catch (UnsupportedOperationException notPosix) {
                    Files.createFile(file);
                }
                Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random), StandardCharsets.UTF_8);
            }
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw LocalClusterException.badInput("cannot read or create " + file + ": " + e.getMessage());
        }
    }
}
