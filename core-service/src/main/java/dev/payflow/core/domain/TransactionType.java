package dev.payflow.core.domain;

import java.util.Locale;

public enum TransactionType {
    CREDIT,
    DEBIT,
    TRANSFER,
    PAYOUT,
    REVERSAL,
    PAYMENT,
    REFUND,
    DISPUTE,
    DISPUTE_REVERSAL,
    FEE,
    ADJUSTMENT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TransactionType fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
