package dev.payflow.core.domain;

import java.time.Instant;

/** A wallet and its balance, as of the moment it was read. */
public record Wallet(
        String id,
        PartnerScope scope,
        String externalUserId,
        String externalWalletId,
        String name,
        CurrencyUnit currency,
        WalletStatus status,
        String metadataJson,
        long balanceMinor,
        long lastEntrySequence,
        Instant createdAt,
        Instant updatedAt) {

    public Money balance() {
        return new Money(balanceMinor, currency);
    }
}
