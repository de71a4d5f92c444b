package io.meridian.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Java Flight Recorder over running JVMs, started and stopped with the JDK's {@code jcmd} (no flag on the
 * profiled process needed), and a summary of each recording: the methods most often on top of the stack
 * in {@code jdk.ExecutionSample} events (self time) and the Meridian methods most often anywhere on the
 * stack (inclusive). One recording per process per phase in {@code dir/<phase>/<process>.jfr}. Not
 * thread-safe; a recording costs a little CPU, so profiled runs are not the measured ones.
 */
final class Profiler {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TOP = 12;
    private final Path dir;
    private final Map<String, Path> active = new LinkedHashMap<>();
    private final Map<String, Long> pids = new LinkedHashMap<>();

    Profiler(Path dir) {
        this.dir = dir;
    }

    /** Starts a recording in every process of {@code pids} (those that refuse are skipped). */
    void start(String phase, Map<String, Long> processes) {
        active.clear();
        pids.clear();
        for (Map.Entry<String, Long> p : processes.entrySet()) {
            Path file = dir.resolve(phase).resolve(p.getKey() + ".jfr");
            try {
                Files.createDirectories(file.getParent());
                jcmd(p.getValue(), "JFR.start", "name=meridian-bench", "settings=" + settings(), "filename=" + file);
                active.put(p.getKey(), file);
                pids.put(p.getKey(), p.getValue());
            } catch (IOException | RuntimeException e) {
                System.err.println("profiler: cannot record " + p.getKey() + ": " + e.getMessage());
            }
        }
    }

    /** Stops the recordings (all of them first: summarising costs CPU) and returns the summary per process. */
    ObjectNode stop(String phase) {
        ObjectNode out = JSON.createObjectNode();
        out.put("directory", dir.resolve(phase).toString());
        Map<String, String> failed = new LinkedHashMap<>();
        for (Map.Entry<String, Path> a : active.entrySet()) {
            try {
                jcmd(pids.get(a.getKey()), "JFR.stop", "name=meridian-bench");
            } catch (IOException | RuntimeException e) {
                failed.put(a.getKey(), "no recording: " + e.getMessage());
            }
        }
        for (Map.Entry<String, Path> a : active.entrySet()) {
            if (failed.containsKey(a.getKey())) {
                out.put(a.getKey(), failed.get(a.getKey()));
                continue;
            }
            try {
                out.set(a.getKey(), summarize(a.getValue()));
            } catch (IOException | RuntimeException e) {
                out.put(a.getKey(), "unreadable recording: " + e.getMessage());
            }
        }
        active.clear();
        return out;
    }

    /**
     * The JDK's {@code profile} settings with Java execution sampled every 2 ms instead of 10 ms (processes
     * that use a fraction of a core give too few samples otherwise); written once next to the recordings.
     */
    private String settings() throws IOException {
        Path file = dir.resolve("sampling.jfc");
        if (!Files.exists(file)) {
            String profile = Files.readString(Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc"));
            Files.createDirectories(dir);
            Files.writeString(file, profile.replace("<setting name=\"period\" control=\"method-sampling-java-interval\">10 ms</setting>",
                    "<setting name=\"period\" control=\"method-sampling-java-interval\">2 ms</setting>"));
        }
        return file.toString();
    }

    /** The top self frames and the top Meridian frames (inclusive) of one recording's execution samples. */
    static ObjectNode summarize(Path jfr) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> ours = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            total++;
            self.merge(frame(st.getFrames().get(0)), 1, Integer::sum);
            jdk.jfr.consumer.RecordedThread thread = e.getThread("sampledThread");
            String threadName = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName();
            threads.merge(threadName.replaceAll("[0-9]+", "#"), 1, Integer::sum);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame f : st.getFrames()) {
                String name = frame(f);
                if (name.startsWith("io.meridian.") && seen.add(name)) {
                    ours.merge(name, 1, Integer::sum);
                }
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("samples", total);
        top(out.putArray("topThreads"), threads, total);
        top(out.putArray("topSelf"), self, total);
        top(out.putArray("topMeridianInclusive"), ours, total);
        return out;
    }

    private static void top(ArrayNode into, Map<String, Integer> counts, int total) {
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        for (Map.Entry<String, Integer> e : sorted.subList(0, Math.min(TOP, sorted.size()))) {
            into.add(String.format(java.util.Locale.ROOT, "%5.1f%% %s", 100.0 * e.getValue() / Math.max(1, total), e.getKey()));
        }
    }

    private static String frame(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static void jcmd(long pid, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(Long.toString(pid));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("jcmd " + pid + " " + args[0] + " did not finish in 60 s");
            }
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.exitValue() != 0 || output.contains("Could not") || output.contains("Exception")) {
                throw new IOException("jcmd " + pid + " " + args[0] + ": " + output.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
