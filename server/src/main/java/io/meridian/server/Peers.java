package io.meridian.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The other server instances this one talks to (configuration {@code peers}): the other regions' instances by
 * region, this region's other instances ({@code siblings}: none for a single instance), and the HTTP Basic header
 * this server sends them as the {@code peer} principal.
 */
public record Peers(Map<String, List<String>> otherRegions, List<String> siblings, MeridianConfiguration.PeerCredentials credentials) {

    public Peers {
        otherRegions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(otherRegions));
        siblings = List.copyOf(siblings);
    }

    /** The peers of {@code config}: its own region's entry is the siblings, the rest the other regions. */
    public static Peers of(MeridianConfiguration config) {
        Map<String, List<String>> others = new LinkedHashMap<>(config.peers);
        List<String> siblings = others.getOrDefault(config.region, List.of());
        others.remove(config.region);
        return new Peers(others, siblings, config.auth.peer);
    }

    /** The instances of another region (none known: empty). */
    public List<String> of(String region) {
        return otherRegions.getOrDefault(region, List.of());
    }

    /** The HTTP Basic header this server sends to its peers ({@code auth.peer}). */
    public String authorization() {
        if (credentials == null) {
            throw new IllegalArgumentException("auth.peer is missing: the router calls the other regions' servers as a peer");
        }
        return new io.meridian.core.BasicCredentials(credentials.user, credentials.secret).header();
    }
}
