package io.meridian.bench;

/** Operator credentials, for the namespace a benchmark creates and the status it reads. */
public record Operator(String user, String password) {

    /** The HTTP Basic {@code Authorization} header value. */
    public String basic() {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Operator[" + user + "]";
    }
}
