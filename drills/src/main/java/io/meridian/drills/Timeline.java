package io.meridian.drills;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a drill saw over time: an event per phase (fault, detection, each evacuation step, heal,
 * catch-up, restore) and a sample per second of traffic share, and replication lag per region pair.
 * Thread-safe.
 */
public final class Timeline {

    /** Something that happened, at epoch ms. */
    public record Event(long atMillis, String kind, String detail) {
    }

    /** One second of the drill: traffic share per region (percent) and lag per pair "from->to" (ms, -1 unknown). */
    public record Sample(long atMillis, Map<String, Double> trafficShare, Map<String, Long> lagMillis) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();

    public void event(long atMillis, String kind, String detail) {
        events.add(new Event(atMillis, kind, detail));
    }

    public void sample(Sample s) {
        samples.add(s);
    }

    /** The time of the first event of this kind, or -1. */
    public long first(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).mapToLong(Event::atMillis).min().orElse(-1);
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    Map<String, Long> firstSeen() {
        return firstSeen;
    }
}
