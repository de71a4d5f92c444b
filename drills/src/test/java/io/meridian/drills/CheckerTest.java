package io.meridian.drills;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker catches what a drill must never produce, on recorded histories. */
class CheckerTest {

    static History.Op put(String id, String key, String value, long ts) {
        return new History.Op(0, 1, "region-a", "region-a", History.Kind.PUT, id, key, value, ts, true, null);
    }

    static History.Op delete(String id, String key, long ts) {
        return new History.Op(0, 1, "region-b", "region-b", History.Kind.DELETE, id, key, null, ts, true, null);
    }

    static History.Op failedPut(String id, String key, String value) {
        return new History.Op(0, 1, "region-a", null, History.Kind.PUT, id, key, value, 0, false, "503");
    }

    static Map<String, Map<String, Checker.Cell>> regions(Map<String, Checker.Cell> a, Map<String, Checker.Cell> b) {
        Map<String, Map<String, Checker.Cell>> m = new HashMap<>();
        m.put("region-a", a);
        m.put("region-b", b);
        return m;
    }

    @Test
    void aConsistentHistoryPasses() {
        History h = new History();
        h.add(put("r1", "k", "v1", 10));
        h.add(put("r1", "k", "v2", 20));
        h.add(delete("r2", "k", 30));
        h.add(failedPut("r3", "k", "never"));
        Map<String, Checker.Cell> same = Map.of("r1/k", new Checker.Cell("v2", 20));
        Checker.Result r = Checker.check(h, regions(same, same));
        assertThat(r.passed()).isTrue();
        assertThat(r.checkedItems()).isEqualTo(2);
        assertThat(r.acknowledgedWrites()).isEqualTo(3);
    }

    @Test
    void aLostWriteIsCaught() {
        History h = new History();
        h.add(put("r1", "k", "v1", 10));
        Checker.Result r = Checker.check(h, regions(Map.of("r1/k", new Checker.Cell("v1", 10)), Map.of()));
        assertThat(r.passed()).isFalse();
        assertThat(r.violations()).singleElement().asString().startsWith("LOST: region-b r1/k");
    }

    @Test
    void aResurrectedDeleteIsCaught() {
        History h = new History();
        h.add(put("r1", "k", "v1", 10));
        h.add(delete("r1", "k", 20));
        Checker.Result r = Checker.check(h, regions(Map.of(), Map.of("r1/k", new Checker.Cell("v1", 10))));
        assertThat(r.violations()).singleElement().asString().startsWith("RESURRECTED: region-b r1/k");
    }

    @Test
    void aStaleRegionIsCaught() {
        History h = new History();
        h.add(put("r1", "k", "old", 10));
        h.add(put("r1", "k", "new", 20));
        Checker.Result r = Checker.check(h, regions(Map.of("r1/k", new Checker.Cell("new", 20)),
                Map.of("r1/k", new Checker.Cell("old", 10))));
        assertThat(r.violations()).singleElement().asString().startsWith("STALE: region-b r1/k");
    }

    @Test
    void aHigherUnacknowledgedWriteSupersedesWithoutAViolation() {
        History h = new History();
        h.add(put("r1", "k", "acked", 10));
        h.add(failedPut("r1", "k", "timed-out-but-landed"));
        Map<String, Checker.Cell> both = Map.of("r1/k", new Checker.Cell("timed-out-but-landed", 15));
        assertThat(Checker.check(h, regions(both, both)).passed()).isTrue();
    }
}
