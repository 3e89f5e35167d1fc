package dev.payflow.core.persistence;

import java.sql.SQLTransientConnectionException;
import java.util.Set;
import org.jooq.exception.DataAccessException;

/** Reads database failures, so no layer above needs to know SQLSTATEs. */
public final class DatabaseErrors {
    /** PostgreSQL's lock_not_available: the lock timeout ran out. */
    static final String LOCK_NOT_AVAILABLE = "55P03";
    /**
     * Busy or briefly unreachable, safe to retry: lock and statement timeouts, deadlocks,
     * serialization failures, administrator shutdowns, and every connection error (class 08).
     */
    private static final Set<String> TRANSIENT_SQL_STATES = Set.of(LOCK_NOT_AVAILABLE, "57014", "40P01", "40001", "57P01", "57P02", "57P03");

    private DatabaseErrors() {
    }

    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof DataAccessException access && access.sqlState() != null
                    && (TRANSIENT_SQL_STATES.contains(access.sqlState()) || access.sqlState().startsWith("08"))) {
                return true;
            }
        }
        return false;
    }

    static boolean isLockTimeout(DataAccessException failure) {
        return LOCK_NOT_AVAILABLE.equals(failure.sqlState());
    }
}
