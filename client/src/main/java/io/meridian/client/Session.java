package io.meridian.client;

import io.meridian.core.SessionToken;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A session: a sequence of calls that reads its own writes from any instance of any region, whose writes are ordered
 * (each stamped after the one before, whichever host makes it), and whose conditional writes are decided against a state
 * that has its earlier writes (docs/consistency.md, "Sessions"). It holds the positions of its writes in the regions'
 * mutation logs and its last write's timestamp; a read sends them, a server that has not applied them yet waits
 * (bounded) or says so, and the client tries the next region ({@link MeridianClientException.SessionNotSatisfied} when
 * none can). It does not make reads monotonic: data written by others may be seen and then not.
 *
 * <p>Use one per logical session, for instance per user request or per end user, with
 * {@link CallOptions#withSession} or for every call of a client with {@link MeridianClient.Builder#session}. To carry
 * it to another process (a web session handled by another host), send {@link #token()} along and continue there with
 * {@link #resume(String)}. Thread-safe; it only grows (at most one entry per partition of each region's log it wrote to).
 */
public final class Session {

    private final AtomicReference<SessionToken> seen;
    private volatile String broken; // why the session can no longer be kept (its token is full), or null
    /** The highest token time (µs) given to a write of this session in this process: its writes never share one. */
    private final java.util.concurrent.atomic.AtomicLong issued = new java.util.concurrent.atomic.AtomicLong();

    /** A new, empty session. */
    public Session() {
        this(SessionToken.empty());
    }

    private Session(SessionToken token) {
        this.seen = new AtomicReference<>(token);
    }

    /**
     * Continues a session from its {@link #token()}.
     *
     * @throws IllegalArgumentException when {@code token} is not one
     */
    public static Session resume(String token) {
        return new Session(SessionToken.parse(token));
    }

    /**
     * What the session has seen, as a string to carry elsewhere ({@link #resume}); empty for a new session.
     *
     * @throws IllegalStateException when the session can no longer be kept (carried on, it would miss a write)
     */
    public String token() {
        checkUsable();
        return seen.get().toString();
    }

    /**
     * The token time (µs) for the session's next write: {@code candidate} (the client's own), unless that is not after the
     * session's last acknowledged write or a write this process already stamped for it; then just after those.
     */
    long stampAfter(long candidate, long unit) {
        return issued.updateAndGet(prev -> Math.max(candidate, Math.max(prev, seen.get().timestamp()) + unit));
    }

    SessionToken current() {
        return seen.get();
    }

    /** Adds what an answer says the session has now seen. */
    void observe(SessionToken answer) {
        if (!answer.isEmpty()) {
            try {
                seen.updateAndGet(t -> t.merge(answer));
            } catch (IllegalArgumentException full) {
                // a write's position that cannot be kept would let a later read miss that write: fail closed
                broken = "the session has written to more than " + SessionToken.MAX_ENTRIES + " partitions of the regions'"
                        + " logs, more than its token holds; start a new session";
            }
        }
    }

    /** @throws IllegalStateException when the session can no longer be kept (its token is full) */
    void checkUsable() {
        String why = broken;
        if (why != null) {
            throw new IllegalStateException(why);
        }
    }

    /** A write of the session was acknowledged with this timestamp: its next write is stamped after it. */
    void observeWrite(long timestampMicros) {
        seen.updateAndGet(t -> t.withTimestamp(timestampMicros));
    }

    @Override
    public String toString() {
        return "Session[" + seen.get() + (broken != null ? ", full" : "") + "]";
    }
}
