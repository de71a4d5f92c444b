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

    /** Whether a private cluster runs servers. */
    enum Servers { AS_CONFIGURED, YES, NO }
}
