package dev.payflow.core.domain;

import java.util.Locale;

/**
 * PayFlow's own ledger accounts, each mirroring a figure outside PayFlow so that reconciliation can
 * check it. There is one per partner, mode, currency, kind and provider, created on first use.
 */
public enum SystemAccountKind {
    /** Funds collected through a payment gateway, on their way into wallets: what that gateway owes us. */
    GATEWAY_CLEARING(true),
    /** What a gateway charged us for processing. */
    GATEWAY_FEES(true),
    /** Funds the partner took out of wallets (debits, captured holds): owed to the partner. */
    SETTLEMENT(false),
    /** Funds on their way out to bank accounts. */
    PAYOUTS_IN_TRANSIT(true),
    /** PayFlow's own fees. */
    PLATFORM_FEES(false),
    /** The other side of manual corrections. */
    ADJUSTMENTS(false);

    private final boolean mirrorsProvider;

    SystemAccountKind(boolean mirrorsProvider) {
        this.mirrorsProvider = mirrorsProvider;
    }

    /** Whether the account is kept per provider (one gateway-clearing account per gateway), or once per partner. */
    public boolean mirrorsProvider() {
        return mirrorsProvider;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
