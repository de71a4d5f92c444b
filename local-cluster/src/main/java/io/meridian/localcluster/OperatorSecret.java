package io.meridian.localcluster;

import java.nio.file.Path;

/**
 * The operator credentials of an embedded cluster: user {@value #USER} and its secret from
 * {@link ClusterCredentials} ({@code DIR/credentials}, owner-only). The CLI reads it from there (or from
 * {@code MERIDIAN_OPERATOR_USER} / {@code MERIDIAN_OPERATOR_PASSWORD}).
 */
public final class OperatorSecret {

    /** The operator's user name. */
    public static final String USER = ClusterCredentials.OPERATOR;

    private OperatorSecret() { }

    /** The operator's secret of the cluster in {@code dir}, created if missing. */
    public static String of(Path dir) {
        return ClusterCredentials.of(dir).operator();
    }
}
