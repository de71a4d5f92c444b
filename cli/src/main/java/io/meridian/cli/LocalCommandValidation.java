package io.meridian.cli;

import io.meridian.core.Limits;
import io.meridian.localcluster.LocalClusterException;

/** Argument checks shared by commands: a failure is bad input (exit 2) with the rule. */
final class LocalCommandValidation {

    private LocalCommandValidation() { }

    static String namespace(String name) {
        try {
            return Limits.checkNamespace(name);
        } catch (IllegalArgumentException e) {
            throw LocalClusterException.badInput(e.getMessage());
        }
    }
}
