package dev.payflow.core.domain;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One money movement and its entries on partner wallets (system-account entries are not shown to
 * partners). {@code holdId} names the hold a capture took its funds from.
 */
public record LedgerTransaction(
        String id,
        PartnerScope scope,
        TransactionType type,
        TransactionStatus status,
        Money amount,
        String description,
        Optional<String> fromWalletId,
        Optional<String> toWalletId,
        String idempotencyKey,
        String gateway,
        Optional<String> gatewayTransactionId,
        Optional<String> failureReason,
        String metadataJson,
        Instant createdAt,
        Optional<Instant> completedAt,
        Optional<String> holdId,
        List<WalletEntry> walletEntries) {

    public LedgerTransaction {
        walletEntries = List.copyOf(walletEntries);
    }

    /**
     * One line of a wallet's statement.
     *
     * @param amountMinor       signed: positive adds to the wallet, negative takes from it
     * @param balanceAfterMinor the wallet's balance right after this entry
     * @param sequence          the entry's place in the wallet's statement: 1, 2, 3, ...
     */
    public record WalletEntry(String id, String transactionId, String walletId, CurrencyUnit currency, long amountMinor,
            long balanceAfterMinor, long sequence, String description, Instant createdAt) {
    }
}
