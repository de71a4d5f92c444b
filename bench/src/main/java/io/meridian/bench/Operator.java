package io.meridian.bench;

/** Operator credentials, for the namespace a benchmark creates. */
public record Operator(String user, String password) {
}
