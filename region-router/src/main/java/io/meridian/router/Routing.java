package io.meridian.router;

import io.meridian.core.RegionId;
import io.meridian.core.wire.RoutingPlan;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * How a client picks the region for a request from the plan: sticky by routing key (a record's
 * namespace and id). The key hashes to a point in 0..99; the home region's weights are laid out in a
 * fixed order (the home region first, then the others by name) and the point falls into one of them.
 * When an evacuation moves its share from 25 % to 50 %, the keys that had moved stay moved and the
 * next quarter follows: one record keeps going to one region during a partial shift. Stateless.
 */
public final class Routing {

    private Routing() { }

    /** 0..99 for a routing key, the same in every JVM. */
    public static int point(String key) {
        long h = 0xcbf29ce484222325L; // FNV-1a 64, then a finaliser for the low bits
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) Math.floorMod(h, 100L);
    }

    /**
     * The regions to try for {@code key}, best first: the one the plan picks for it, then the other
     * regions with weight for {@code home}, heaviest first, then every other region of the plan (home
     * first): a transport failure moves on to the next with the same idempotency token.
     */
    public static List<RegionId> preference(RoutingPlan plan, RegionId home, String key) {
        Map<RegionId, Integer> weights = plan.weightsFor(home);
        List<RegionId> layout = new ArrayList<>();
        layout.add(home);
        new TreeSet<>(weights.keySet()).stream().filter(n -> !n.equals(home)).forEach(layout::add);
        int p = point(key);
        int cumulative = 0;
        RegionId picked = home;
        for (RegionId r : layout) {
            int w = weights.getOrDefault(r, 0);
            if (w > 0 && p < cumulative + w) {
                picked = r;
                break;
            }
            cumulative += w;
        }
        RegionId chosen = picked;
        List<RegionId> order = new ArrayList<>();
        order.add(chosen);
        weights.entrySet().stream().filter(e -> e.getValue() > 0 && !e.getKey().equals(chosen))
                .sorted(Map.Entry.<RegionId, Integer>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> order.add(e.getKey()));
        if (!order.contains(home)) {
            order.add(home);
        }
        plan.regionIds().forEach(r -> {
            if (!order.contains(r)) {
                order.add(r);
            }
        });
        return List.copyOf(order);
    }
}
