package dev.payflow.core.domain;

import java.util.Locale;

/**
 * PayFlow's own accounts, one of each per partner, currency and livemode. Their balances mirror the
 * wallets': money a wallet gains through a credit, the gateway clearing account owes.
 */
public enum SystemAccountKind {
    /** Funds collected through the payment gateway, on their way into wallets. */
    GATEWAY_CLEARING,
    /** Funds the partner took out of wallets (debits): owed to the partner. */
    SETTLEMENT,
    /** Funds on their way out to bank accounts. */
    PAYOUTS_IN_TRANSIT,
    /** PayFlow's fees. */
    FEES;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
