package io.meridian.localcluster.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link io.meridian.localcluster.LocalCluster} parameter as a private cluster, for tests
 * that break things (kill regions, fill disks). It is started for that parameter and stopped when the
 * scope it was resolved in ends: after the test method, or after the class when injected into a
 * static {@code @BeforeAll} method.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface PrivateCluster {

    /** Number of regions; default 1. */
    int regions() default 1;

    /** Whether to run a Meridian server per region; default: {@code -Dmeridian.test.servers} (false if unset). */
    Servers servers() default Servers.AS_CONFIGURED;

    /** Meridian server instances per region when servers run (1 to 4); default 1. */
    int serversPerRegion() default 1;

    /**
     * A key under which test classes share this cluster (default: none, the cluster is the scope's own). The first
     * class that asks starts it; a later one naming the same key (and the same shape) gets it; it is stopped as soon
     * as any other cluster is asked for, or when the run ends. So classes that share one must leave it as they found
     * it, and they should run one after the other (a class orderer), or each starts it anew.
     */
    String shareAs() default "";

    /** Whether a private cluster runs servers. */
    enum Servers { AS_CONFIGURED, YES, NO }
}
