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

    /**
     * The operator's credentials for {@code cluster}, the one place they are read: {@code MERIDIAN_OPERATOR_USER} /
     * {@code MERIDIAN_OPERATOR_PASSWORD}, else the embedded cluster's secret; for a deployment we do not run the
     * environment must say it (bad input otherwise).
     */
    public static io.meridian.core.BasicCredentials credentials(LocalCluster cluster) {
        String user = System.getenv().getOrDefault("MERIDIAN_OPERATOR_USER", USER);
        String password = System.getenv("MERIDIAN_OPERATOR_PASSWORD");
        if (password == null) {
            if (!cluster.managed()) {
                throw LocalClusterException.badInput("set MERIDIAN_OPERATOR_PASSWORD (and MERIDIAN_OPERATOR_USER) to the"
                        + " deployment's operator credentials");
            }
            password = of(cluster.directory());
        }
        try {
            return new io.meridian.core.BasicCredentials(user, password);
        } catch (IllegalArgumentException e) {
            throw LocalClusterException.badInput("MERIDIAN_OPERATOR_USER: " + e.getMessage());
        }
    }
}
