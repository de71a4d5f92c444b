package io.meridian.server.health;

import com.codahale.metrics.health.HealthCheck;
import java.util.function.Supplier;

/** A Dropwizard health check that reads the engine probe's last result (no engine query per call). */
public final class EngineCheck extends HealthCheck {

    private final Supplier<String> problem;
    private final String detail;

    /** {@code problem}: null when the engine answered at the last check, else what failed. */
    public EngineCheck(Supplier<String> problem, String detail) {
        this.problem = problem;
        this.detail = detail;
    }

    @Override
    protected Result check() {
        String p = problem.get();
        return p == null ? Result.healthy(detail) : Result.unhealthy(p);
    }
}
