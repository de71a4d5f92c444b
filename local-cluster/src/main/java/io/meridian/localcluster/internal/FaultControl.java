package io.meridian.localcluster.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The fault proxy's control files in the cluster directory, shared by the proxy process and whoever
 * changes a link (the CLI, a test). JDK-only, because the proxy runs on a classpath of just this
 * module's jar.
 *
 * <ul>
 *   <li>{@code faults.properties}: the wanted state, written atomically: {@code generation=N} and per
 *       link {@code link.<a>.<b>.cut=none|blackhole|reset}, {@code link.<a>.<b>.delayMs=80} (round trip)
 *       ({@code a} before {@code b} by name). It survives a proxy restart, so a restart never heals
 *       a partition by accident.</li>
 *   <li>{@code faults.applied}: the generation the proxy has put in force, written by the proxy.</li>
 * </ul>
 */
final class FaultControl {

    static final String FILE = "faults.properties";
    static final String APPLIED = "faults.applied";

    /** One link's wanted state; {@code cut} is a {@link io.meridian.localcluster.LinkFault.Cut} label. */
    record Link(String a, String b, String cut, long delayMs) {
        String key() {
            return a + "." + b;
        }
    }

    /** A generation of wanted link states, keyed by {@code a.b}. */
    record Wanted(long generation, Map<String, Link> links) {
        Wanted {
            links = Map.copyOf(links);
        }

        Link link(String x, String y) {
            String a = x.compareTo(y) < 0 ? x : y;
            String b = a.equals(x) ? y : x;
            return links.getOrDefault(a + "." + b, new Link(a, b, "none", 0));
        }
    }

    private FaultControl() { }

    static Wanted read(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            return new Wanted(0, Map.of());
        }
        Map<String, Link> links = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith("link.") && name.endsWith(".cut")) {
                String pair = name.substring("link.".length(), name.length() - ".cut".length());
                int dot = pair.indexOf('.');
                String a = pair.substring(0, dot);
                String b = pair.substring(dot + 1);
                long delay = Long.parseLong(p.getProperty("link." + pair + ".delayMs", "0"));
                links.put(pair, new Link(a, b, p.getProperty(name), delay));
            }
        }
        return new Wanted(Long.parseLong(p.getProperty("generation", "0")), links);
    }

    static void write(Path dir, Wanted wanted) throws IOException {
        Properties p = new Properties();
        p.setProperty("generation", Long.toString(wanted.generation()));
        for (Link l : wanted.links().values()) {
            p.setProperty("link." + l.key() + ".cut", l.cut());
            p.setProperty("link." + l.key() + ".delayMs", Long.toString(l.delayMs()));
        }
        atomicWrite(dir.resolve(FILE), w -> p.store(w, "Meridian fault proxy: wanted link states"));
    }

    static long applied(Path dir) throws IOException {
        try {
            return Long.parseLong(Files.readString(dir.resolve(APPLIED), StandardCharsets.UTF_8).trim());
        } catch (NoSuchFileException | NumberFormatException e) {
            return -1;
        }
    }

    static void markApplied(Path dir, long generation) throws IOException {
        atomicWrite(dir.resolve(APPLIED), w -> w.write(generation + "\n"));
    }

    private interface Body {
        void write(Writer w) throws IOException;
    }

    private static void atomicWrite(Path target, Body body) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            body.write(w);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
