package dev.payflow.core.app;

import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.persistence.ApiKeyRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.PartnerRepository;
import dev.payflow.core.persistence.WalletRepository;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** System-wide counts for the operators' dashboard. */
public final class SystemStatistics {
    private final Database database;
    private final Services services;
    private final PartnerRepository partners;
    private final ApiKeyRepository apiKeys;
    private final WalletRepository wallets;
    private final LedgerRepository ledger;

    public SystemStatistics(Database database, Services services, PartnerRepository partners, ApiKeyRepository apiKeys,
            WalletRepository wallets, LedgerRepository ledger) {
        this.database = database;
        this.services = services;
        this.partners = partners;
        this.apiKeys = apiKeys;
        this.wallets = wallets;
        this.ledger = ledger;
    }

    public record Stats(Map<String, Long> partnersByStatus, long activeApiKeys, long sandboxWallets, long liveWallets,
            long sandboxTransactions, long liveTransactions, Instant generatedAt) {
    }

    public Stats collect() {
        return database.inTransaction(tx -> {
            Map<String, Long> counted = partners.countByStatus(tx);
            Map<String, Long> byStatus = new LinkedHashMap<>();
            for (PartnerStatus status : PartnerStatus.values()) {
                byStatus.put(status.wireName(), counted.getOrDefault(status.wireName(), 0L));
            }
            return new Stats(byStatus, apiKeys.countActive(tx), wallets.count(tx, false), wallets.count(tx, true),
                    ledger.countTransactions(tx, false), ledger.countTransactions(tx, true), services.now());
        });
    }
}
