package io.meridian.server.auth;

import java.security.Principal;
import java.util.Map;
import java.util.Set;

/**
 * An authenticated caller (HTTP Basic against {@code auth.principals}) and what it may do: roles for the
 * operator and peer planes, and read/write access per namespace ({@code *}: every namespace) for the data
 * plane. Internal namespaces ({@code meridian_*}) are never reachable through the data API, whatever the
 * access. Immutable.
 */
public record Caller(String name, Set<Role> roles, Map<String, Set<Access>> namespaces) implements Principal {

    /** What a caller may do beyond data access. */
    public enum Role {
        /** Creates namespaces. */
        ADMIN,
        /** Evacuates and restores regions, reads status and audit, handles dead letters. */
        OPERATOR,
        /** Another Meridian server: health probes, observations, replication status, plan agreement. */
        PEER;

        /** Case-insensitive, for configuration files ({@code operator}). */
        @com.fasterxml.jackson.annotation.JsonCreator
        public static Role of(String s) {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** Data access to a namespace. */
    public enum Access {
        READ, WRITE;

        /** Case-insensitive, for configuration files ({@code read}). */
        @com.fasterxml.jackson.annotation.JsonCreator
        public static Access of(String s) {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        }
    }

    public Caller {
        roles = Set.copyOf(roles);
        namespaces = Map.copyOf(namespaces);
    }

    @Override
    public String getName() {
        return name;
    }

    /** Whether the caller has {@code role}. */
    public boolean has(Role role) {
        return roles.contains(role);
    }

    /** Whether the caller may {@code access} namespace {@code ns}. */
    public boolean can(Access access, String ns) {
        Set<Access> own = namespaces.get(ns);
        if (own != null && own.contains(access)) {
            return true;
        }
        Set<Access> all = namespaces.get("*");
        return all != null && all.contains(access);
    }
}
