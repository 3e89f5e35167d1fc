package dev.payflow.core.domain;

import java.util.Locale;

/** A wallet's lifecycle: active <-> frozen, and either -> closed (at zero balance), for good. */
public enum WalletStatus {
    ACTIVE,
    FROZEN,
    CLOSED;

    /**
     * Checks a status change of a wallet with the given balance. Setting the current status again
     * is allowed and changes nothing.
     */
    public void requireTransitionTo(WalletStatus next, long balanceMinor) {
        if (next == this) {
            return;
        }
        if (this == CLOSED) {
            throw PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION, "wallet is closed and cannot become %s", next.wireName());
        }
        if (next == CLOSED && balanceMinor != 0) {
            throw PayflowException.of(ErrorReason.WALLET_BALANCE_NOT_ZERO, "only a wallet with a zero balance can be closed");
        }
    }

    /** Nothing if money may move in or out of a wallet in this status; WALLET_FROZEN or WALLET_CLOSED otherwise. */
    public void requireMoneyCanMove(String walletId) {
        switch (this) {
            case ACTIVE -> {
            }
            case FROZEN -> throw PayflowException.of(ErrorReason.WALLET_FROZEN, "wallet %s is frozen", walletId);
            case CLOSED -> throw PayflowException.of(ErrorReason.WALLET_CLOSED, "wallet %s is closed", walletId);
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WalletStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
