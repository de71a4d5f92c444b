package io.meridian.client;

/**
 * How many retries a client may send, as a token bucket (the retry throttling of gRPC and the AWS SDKs): every
 * first attempt adds {@code ratio} of a token, up to {@code burst}; every retry takes a whole token, and without one
 * the call fails with its last error instead of retrying. So retries stay below {@code ratio} of the traffic in
 * steady state: an overloaded region is not hit several times per request, and a failure does not multiply into
 * the healthy regions. Starts full. Thread-safe.
 */
public final class RetryBudget {

    private final double ratio;
    private final double burst;
    private double tokens;

    /**
     * @param ratio retries allowed per first attempt in steady state, 0..1 (0.1: one retry per ten requests)
     * @param burst retries allowed at once, at least 1
     */
    public RetryBudget(double ratio, int burst) {
        if (ratio < 0 || ratio > 1 || burst < 1) {
            throw new IllegalArgumentException("retry budget: ratio within 0..1 and burst at least 1; got " + ratio + ", " + burst);
        }
        this.ratio = ratio;
        this.burst = burst;
        this.tokens = burst;
    }

    /** The default: a tenth of the traffic, ten at once. */
    public static RetryBudget defaults() {
        return new RetryBudget(0.1, 10);
    }

    synchronized void onFirstAttempt() {
        tokens = Math.min(burst, tokens + ratio);
    }

    /** Takes a token for one retry; false when the budget is spent. */
    synchronized boolean tryRetry() {
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Tokens left (tests, metrics). */
    public synchronized double available() {
        return tokens;
    }
}
