package io.meridian.server.auth;

import io.meridian.server.ApiException;
import java.util.Arrays;

/**
 * The checks resources make on an authenticated {@link Caller}: a refusal is 403 naming what was missing (the
 * caller did authenticate, so never 401). Stateless.
 */
public final class Authorization {

    /** Namespaces whose names start with this hold Meridian's own state: never reachable through the data API. */
    public static final String INTERNAL_PREFIX = "meridian_";

    private Authorization() { }

    /** Requires one of {@code roles}. */
    public static Caller require(Caller caller, Caller.Role... roles) {
        for (Caller.Role r : roles) {
            if (caller.has(r)) {
                return caller;
            }
        }
        throw new ApiException(403, caller.name() + " may not do this: it needs the role "
                + String.join(" or ", Arrays.stream(roles).map(r -> r.name().toLowerCase(java.util.Locale.ROOT)).toList()), false, 0, null);
    }

    /** Requires {@code access} to data namespace {@code ns} (which must not be internal). */
    public static Caller require(Caller caller, Caller.Access access, String ns) {
        if (ns.startsWith(INTERNAL_PREFIX)) {
            throw new ApiException(403, "namespace '" + ns + "' is internal to Meridian: it is not reachable through the data API",
                    false, 0, null);
        }
        if (!caller.can(access, ns)) {
            throw new ApiException(403, caller.name() + " may not " + access.name().toLowerCase(java.util.Locale.ROOT)
                    + " namespace '" + ns + "'", false, 0, null);
        }
        return caller;
    }
}
