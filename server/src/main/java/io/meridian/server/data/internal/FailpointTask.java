package io.meridian.server.data.internal;

import io.dropwizard.servlets.tasks.PostBodyTask;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** {@code POST /tasks/failpoint?name=N&after=K} on the admin port: arms a crash point (only with {@code faults.enabled}). */
public final class FailpointTask extends PostBodyTask {

    private final Failpoints failpoints;

    public FailpointTask(Failpoints failpoints) {
        super("failpoint");
        this.failpoints = failpoints;
    }

    @Override
    public void execute(Map<String, List<String>> parameters, String body, PrintWriter output) {
        String name = parameters.getOrDefault("name", List.of("")).get(0);
        String afterText = parameters.getOrDefault("after", List.of("1")).get(0);
        int after;
        try {
            after = Integer.parseInt(afterText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("after must be a whole number of passes, not '" + afterText + "'", e);
        }
        failpoints.arm(name, after);
        output.println("armed " + name + " at pass " + after);
    }
}
