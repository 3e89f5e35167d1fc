package dev.payflow.core.domain;

import java.time.LocalDate;

/** The shapes of the operators' dashboard counts, shared by the query that makes them and the API that shows them. */
public final class DashboardCounts {
    private DashboardCounts() {
    }

    /** How many objects of one mode are in one status. */
    public record StatusCount(boolean livemode, String status, long count) {
    }

    /** How many transactions of one mode, type and status. */
    public record TransactionCount(boolean livemode, String type, String status, long count) {
    }

    /** Completed money of one mode and currency, in minor units, and how many transactions it took. */
    public record Volume(boolean livemode, String currency, long amountMinor, long transactionCount) {
    }

    /**
     * The last finished reconciliation run of one mode: `completed` (with its findings) or `failed`.
     */
    public record LastReconciliation(String runId, boolean livemode, String status, java.time.Instant windowFrom, java.time.Instant windowTo,
            java.time.Instant finishedAt, long findingCount) {
    }

    /** One UTC day's completed volume of one mode and currency. */
    public record DailyVolume(LocalDate day, boolean livemode, String currency, long amountMinor, long transactionCount) {
    }
}
