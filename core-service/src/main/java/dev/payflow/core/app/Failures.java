package dev.payflow.core.app;

import dev.payflow.core.persistence.DatabaseErrors;

/** What the API layer may know about a failure without knowing where it came from. */
public final class Failures {
    private Failures() {
    }

    /** Whether the failure is a busy or briefly unreachable database: the same request may succeed if retried. */
    public static boolean isTransient(Throwable failure) {
        return DatabaseErrors.isTransient(failure);
    }
}
