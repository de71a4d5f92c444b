package io.meridian.drills;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Check (a) of a drill, on a recorded history and the final contents of every region: every
 * acknowledged write is present in every region, or superseded by a write with a higher timestamp;
 * an acknowledged delete is not undone by an older value (a resurrected delete); no region holds an
 * older value than the last acknowledged one (a stale region). Pure: no I/O. Thread-safe.
 */
public final class Checker {

    /** One cell of a region's final contents. */
    public record Cell(String value, long timestamp) {
    }

    /** The outcome: violations (empty when it passed) and how many items were checked. */
    public record Result(boolean passed, long checkedItems, long acknowledgedWrites, List<String> violations) {
    }

    private Checker() { }

    /**
     * @param history the workload's operations
     * @param regions region name → (id + "/" + key) → final cell (absent: no such item)
     */
    public static Result check(History history, Map<String, Map<String, Cell>> regions) {
        Map<String, History.Op> last = new HashMap<>();
        long acked = 0;
        for (History.Op op : history.ops()) {
            if (!op.ok() || op.kind() == History.Kind.READ) {
                continue;
            }
            acked++;
            last.merge(op.id() + "/" + op.key(), op, (a, b) -> b.timestamp() > a.timestamp() ? b : a);
        }
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, History.Op> e : last.entrySet()) {
            History.Op want = e.getValue();
            for (Map.Entry<String, Map<String, Cell>> region : regions.entrySet()) {
                Cell got = region.getValue().get(e.getKey());
                String where = region.getKey() + " " + e.getKey();
                if (want.kind() == History.Kind.PUT) {
                    if (got == null) {
                        violations.add("LOST: " + where + ": acknowledged put '" + want.value() + "' at " + want.timestamp()
                                + " (by " + want.servedBy() + ") is missing");
                    } else if (got.timestamp() < want.timestamp()) {
                        violations.add("STALE: " + where + " holds '" + got.value() + "' at " + got.timestamp()
                                + ", older than the acknowledged '" + want.value() + "' at " + want.timestamp());
                    } else if (got.timestamp() == want.timestamp() && !got.value().equals(want.value())) {
                        violations.add("WRONG: " + where + " holds '" + got.value() + "' at the timestamp of '"
                                + want.value() + "'");
                    }
                } else if (got != null && got.timestamp() < want.timestamp()) {
                    violations.add("RESURRECTED: " + where + " holds '" + got.value() + "' at " + got.timestamp()
                            + " although a delete at " + want.timestamp() + " was acknowledged (by " + want.servedBy() + ")");
                }
            }
        }
        return new Result(violations.isEmpty(), last.size(), acked, violations);
    }
}
