package dev.payflow.core.domain;

import java.time.Instant;

/**
 * A wallet and its balances, as of the moment it was read.
 *
 * @param balanceMinor the sum of the wallet's ledger entries
 * @param heldMinor    the sum of its pending holds; never more than the balance
 */
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
        long heldMinor,
        long lastEntrySequence,
        Instant createdAt,
        Instant updatedAt) {

    public Money balance() {
        return new Money(balanceMinor, currency);
    }

    /** What can be spent now: the balance less what pending holds reserve. */
    public long availableMinor() {
        return balanceMinor - heldMinor;
    }

    public Money available() {
        return new Money(availableMinor(), currency);
    }
}
