package dev.payflow.core.persistence;

import java.time.Instant;
import java.util.List;
import dev.payflow.core.domain.DashboardCounts.DailyVolume;
import dev.payflow.core.domain.DashboardCounts.StatusCount;
import dev.payflow.core.domain.DashboardCounts.TransactionCount;
import dev.payflow.core.domain.DashboardCounts.Volume;
import org.jooq.DSLContext;

/**
 * The operators' dashboard counts, across every partner. Each is one grouped query; the
 * transaction queries read a time window through the transactions_created index, never the
 * whole ledger.
 */
public final class StatisticsRepository {

    public List<StatusCount> walletsByStatus(DSLContext tx) {
        return statusCounts(tx, "wallets");
    }

    public List<StatusCount> paymentsByStatus(DSLContext tx) {
        return statusCounts(tx, "payments");
    }

    public List<StatusCount> payoutsByStatus(DSLContext tx) {
        return statusCounts(tx, "payouts");
    }

    /** Per mode, the run that finished last (completed or failed); none for a mode that never reconciled. */
    public List<dev.payflow.core.domain.DashboardCounts.LastReconciliation> lastReconciliations(DSLContext tx) {
        return tx.fetch("""
                SELECT DISTINCT ON (livemode) id, livemode, status, window_from, window_to, finished_at, finding_count
                FROM reconciliation_runs WHERE status IN ('completed', 'failed') AND finished_at IS NOT NULL
                ORDER BY livemode, finished_at DESC, id DESC""")
                .map(r -> new dev.payflow.core.domain.DashboardCounts.LastReconciliation(r.get("id", String.class),
                        r.get("livemode", Boolean.class), r.get("status", String.class),
                        Timestamps.fromColumn(r.get("window_from", java.time.OffsetDateTime.class)),
                        Timestamps.fromColumn(r.get("window_to", java.time.OffsetDateTime.class)),
                        Timestamps.fromColumn(r.get("finished_at", java.time.OffsetDateTime.class)), r.get("finding_count", Long.class)));
    }

    /** Transactions created in [from, to), per mode, type and status. */
    public List<TransactionCount> transactionsBetween(DSLContext tx, Instant from, Instant to) {
        return tx.fetch("""
                SELECT livemode, type, status, count(*) AS n FROM transactions
                WHERE created_at >= CAST(? AS timestamptz) AND created_at < CAST(? AS timestamptz)
                GROUP BY livemode, type, status ORDER BY livemode, type, status""",
                Timestamps.toColumn(from), Timestamps.toColumn(to))
                .map(r -> new TransactionCount(r.get("livemode", Boolean.class), r.get("type", String.class), r.get("status", String.class),
                        r.get("n", Long.class)));
    }

    /** The completed transactions created in [from, to), summed per mode and currency. */
    public List<Volume> completedVolumeBetween(DSLContext tx, Instant from, Instant to) {
        // A sum past a long fails the cast (numeric out of range) rather than wrapping around.
        return tx.fetch("""
                SELECT livemode, currency, CAST(sum(amount_minor) AS bigint) AS amount, count(*) AS n FROM transactions
                WHERE created_at >= CAST(? AS timestamptz) AND created_at < CAST(? AS timestamptz) AND status = 'completed'
                GROUP BY livemode, currency ORDER BY livemode, currency""",
                Timestamps.toColumn(from), Timestamps.toColumn(to))
                .map(r -> new Volume(r.get("livemode", Boolean.class), r.get("currency", String.class), r.get("amount", Long.class),
                        r.get("n", Long.class)));
    }

    /** The completed transactions created in [from, to), summed per UTC day, mode and currency, oldest day first. */
    public List<DailyVolume> completedVolumePerDay(DSLContext tx, Instant from, Instant to) {
        return tx.fetch("""
                SELECT CAST((created_at AT TIME ZONE 'UTC') AS date) AS day, livemode, currency,
                       CAST(sum(amount_minor) AS bigint) AS amount, count(*) AS n
                FROM transactions
                WHERE created_at >= CAST(? AS timestamptz) AND created_at < CAST(? AS timestamptz) AND status = 'completed'
                GROUP BY day, livemode, currency ORDER BY day, livemode, currency""",
                Timestamps.toColumn(from), Timestamps.toColumn(to))
                .map(r -> new DailyVolume(r.get("day", java.sql.Date.class).toLocalDate(), r.get("livemode", Boolean.class),
                        r.get("currency", String.class), r.get("amount", Long.class), r.get("n", Long.class)));
    }

    /** {@code table} is one of this class's own constants, never input. */
    private static List<StatusCount> statusCounts(DSLContext tx, String table) {
        return tx.fetch("SELECT livemode, status, count(*) AS n FROM " + table + " GROUP BY livemode, status ORDER BY livemode, status")
                .map(r -> new StatusCount(r.get("livemode", Boolean.class), r.get("status", String.class), r.get("n", Long.class)));
    }
}
