package dev.payflow.core.app;

import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.domain.PaymentStatus;
import dev.payflow.core.domain.PayoutStatus;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.core.persistence.ApiKeyRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.PartnerRepository;
import dev.payflow.core.persistence.StatisticsRepository;
import dev.payflow.core.domain.DashboardCounts;
import dev.payflow.core.domain.DashboardCounts.StatusCount;
import dev.payflow.core.persistence.WalletRepository;
import dev.payflow.core.persistence.WebhookRepository;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** System-wide counts for the operators' dashboard, all read in one transaction (one snapshot). */
public final class SystemStatistics {
    /** The window of the dashboard's "recent" counts and volume. */
    public static final Duration RECENT = Duration.ofHours(24);
    /** How many UTC days the daily volume covers, today included: two weeks, enough to see a weekly pattern twice. */
    public static final int DAILY_VOLUME_DAYS = 14;

    private final Database database;
    private final Services services;
    private final PartnerRepository partners;
    private final ApiKeyRepository apiKeys;
    private final WalletRepository wallets;
    private final LedgerRepository ledger;
    private final StatisticsRepository statistics;
    private final WebhookRepository webhooks;
    private final Supplier<Map<String, String>> gatewayCircuits;

    public SystemStatistics(Database database, Services services, PartnerRepository partners, ApiKeyRepository apiKeys,
            WalletRepository wallets, LedgerRepository ledger) {
        this(database, services, partners, apiKeys, wallets, ledger, new StatisticsRepository(), new WebhookRepository(), Map::of);
    }

    /** @param gatewayCircuits each gateway circuit breaker's name and state (lowercase), as this replica has them */
    public SystemStatistics(Database database, Services services, PartnerRepository partners, ApiKeyRepository apiKeys,
            WalletRepository wallets, LedgerRepository ledger, StatisticsRepository statistics, WebhookRepository webhooks,
            Supplier<Map<String, String>> gatewayCircuits) {
        this.database = database;
        this.services = services;
        this.partners = partners;
        this.apiKeys = apiKeys;
        this.wallets = wallets;
        this.ledger = ledger;
        this.statistics = statistics;
        this.webhooks = webhooks;
        this.gatewayCircuits = gatewayCircuits;
    }

    /** The outbox's pending events and the oldest one's creation, with its age at the stats' time. */
    public record Backlog(long pendingEvents, Optional<Instant> oldestPendingCreatedAt, long oldestPendingAgeSeconds) {
    }

    public record Stats(Map<String, Long> partnersByStatus, long activeApiKeys, long sandboxWallets, long liveWallets,
            long sandboxTransactions, long liveTransactions, Instant generatedAt, List<StatusCount> walletsByStatus,
            List<DashboardCounts.TransactionCount> transactionsLast24h, List<DashboardCounts.Volume> volumeLast24h,
            List<StatusCount> paymentsByStatus, List<StatusCount> payoutsByStatus, Backlog webhookBacklog,
            Map<String, String> gatewayCircuits, List<DashboardCounts.DailyVolume> dailyVolume,
            List<DashboardCounts.LastReconciliation> lastReconciliations) {
    }

    public Stats collect() {
        Instant now = services.now();
        Instant recentFrom = now.minus(RECENT);
        Instant dailyFrom = now.atOffset(ZoneOffset.UTC).toLocalDate().minusDays(DAILY_VOLUME_DAYS - 1L).atStartOfDay(ZoneOffset.UTC).toInstant();
        // The end is exclusive: a transaction booked at this very instant still counts (the database keeps microseconds).
        Instant end = now.truncatedTo(java.time.temporal.ChronoUnit.MICROS).plus(1, java.time.temporal.ChronoUnit.MICROS);
        Map<String, String> circuits = Map.copyOf(gatewayCircuits.get());
        return database.inTransaction(tx -> {
            Map<String, Long> counted = partners.countByStatus(tx);
            Map<String, Long> byStatus = new LinkedHashMap<>();
            for (PartnerStatus status : PartnerStatus.values()) {
                byStatus.put(status.wireName(), counted.getOrDefault(status.wireName(), 0L));
            }
            WebhookRepository.Backlog backlog = webhooks.backlog(tx);
            long ageSeconds = backlog.oldestCreatedAt().map(oldest -> Math.max(0, Duration.between(oldest, now).toSeconds())).orElse(0L);
            return new Stats(byStatus, apiKeys.countActive(tx), wallets.count(tx, false), wallets.count(tx, true),
                    ledger.countTransactions(tx, false), ledger.countTransactions(tx, true), now,
                    everyStatus(statistics.walletsByStatus(tx), enumWords(WalletStatus.values(), WalletStatus::wireName)),
                    statistics.transactionsBetween(tx, recentFrom, end),
                    statistics.completedVolumeBetween(tx, recentFrom, end),
                    everyStatus(statistics.paymentsByStatus(tx), enumWords(PaymentStatus.values(), PaymentStatus::wireName)),
                    everyStatus(statistics.payoutsByStatus(tx), enumWords(PayoutStatus.values(), PayoutStatus::wireName)),
                    new Backlog(backlog.size(), backlog.oldestCreatedAt(), ageSeconds),
                    new java.util.TreeMap<>(circuits),
                    statistics.completedVolumePerDay(tx, dailyFrom, end),
                    statistics.lastReconciliations(tx));
        });
    }

    private static <E> List<String> enumWords(E[] values, java.util.function.Function<E, String> word) {
        return java.util.Arrays.stream(values).map(word).toList();
    }

    /** Every status for both modes (sandbox first), zero where none is counted, so the dashboard's shape never changes. */
    private static List<StatusCount> everyStatus(List<StatusCount> counted, List<String> statuses) {
        List<StatusCount> all = new ArrayList<>();
        for (boolean livemode : new boolean[] {false, true}) {
            for (String status : statuses) {
                long count = counted.stream().filter(c -> c.livemode() == livemode && c.status().equals(status))
                        .mapToLong(StatusCount::count).sum();
                all.add(new StatusCount(livemode, status, count));
            }
        }
        return all;
    }
}
