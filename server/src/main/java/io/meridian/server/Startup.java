package io.meridian.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up steps that may fail while the region's engines are still starting: each is retried with back-off (1 s
 * doubling to 10 s) for at most {@link #LIMIT}; on a loaded machine even a schema change can time out once.
 */
public final class Startup {

    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);
    /** How long a step is retried. */
    public static final Duration LIMIT = Duration.ofSeconds(180);

    private Startup() { }

    /** One attempt of a step. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    /** A step without a result. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    /** Runs {@code attempt} until it succeeds or {@link #LIMIT} passed (then fails with the last error). */
    public static <T> T retry(String what, Attempt<T> attempt) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + LIMIT.toNanos();
        long backoff = 1_000;
        while (true) {
            try {
                T result = attempt.run();
                LOG.info("start-up: {} ready in {} ms", what, (System.nanoTime() - t0) / 1_000_000);
                return result;
            } catch (Exception e) {
                if (e instanceof com.datastax.oss.driver.api.core.servererrors.SyntaxError) { // our CQL: no wait mends it
                    throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " did not succeed within " + LIMIT.toSeconds() + " s", e);
                }
                LOG.warn("{} not ready yet ({}); retrying in {} ms", what, e.toString(), backoff);
                TimeUnit.MILLISECONDS.sleep(backoff);
                backoff = Math.min(10_000, backoff * 2);
            }
        }
    }

    /** {@link #retry(String, Attempt)} for a step without a result. */
    public static void retry(String what, Step step) throws Exception {
        retry(what, () -> {
            step.run();
            return null;
        });
    }
}
