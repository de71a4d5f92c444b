package io.meridian.server.data.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash points for failure tests and drills: when armed, the server halts (as kill -9 would: no shutdown hook, no
 * flush) at an exact place of the write path, so a test can check what a crash exactly there does to acknowledged
 * writes. Armed only through the admin task {@code POST /tasks/failpoint?name=…}, and only when
 * {@code faults.enabled} is true (the embedded cluster sets it; a production configuration does not). Thread-safe.
 */
public final class Failpoints {

    /** After the mutation is in the log, before its local apply (the own applier must land it). */
    public static final String AFTER_APPEND = "after-append";
    /** After the local apply, before the answer (the client sees an error; the write is everywhere anyway). */
    public static final String AFTER_APPLY = "after-apply";

    private static final Logger LOG = LoggerFactory.getLogger(Failpoints.class);
    private final boolean enabled;
    private final Map<String, AtomicInteger> armed = new ConcurrentHashMap<>();

    public Failpoints(boolean enabled) {
        this.enabled = enabled;
    }

    /** Whether failpoints can be armed here. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Arms {@code name} to halt the process at its {@code after}-th pass from now (1: the next).
     *
     * @throws IllegalArgumentException for an unknown name, or when disabled
     */
    public void arm(String name, int after) {
        if (!enabled) {
            throw new IllegalArgumentException("failpoints are disabled (faults.enabled: false)");
        }
        if (!name.equals(AFTER_APPEND) && !name.equals(AFTER_APPLY)) {
            throw new IllegalArgumentException("unknown failpoint '" + name + "': " + AFTER_APPEND + " or " + AFTER_APPLY);
        }
        armed.put(name, new AtomicInteger(Math.max(1, after)));
    }

    /** Passes the point: halts the JVM at once when it is armed and due. */
    public void pass(String name) {
        AtomicInteger left = armed.get(name);
        if (left != null && left.decrementAndGet() == 0) {
            LOG.error("failpoint {} reached: halting", name);
            Runtime.getRuntime().halt(137);
        }
    }
}
