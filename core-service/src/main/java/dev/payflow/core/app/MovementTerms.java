package dev.payflow.core.app;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PayflowException;
import java.util.Objects;

/**
 * The validated terms of money-moving requests, each checking itself in its constructor in the
 * contract's order of precedence (the order of the constructor's arguments). The idempotency key
 * comes after them, resolved by the API layer, so its errors rank below every field's.
 */
public final class MovementTerms {
    private MovementTerms() {
    }

    /** A credit, debit or hold on one wallet. */
    public record OnWallet(String walletId, Money amount, String description, Metadata metadata) {
        public OnWallet {
            Objects.requireNonNull(walletId, "walletId");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(metadata, "metadata");
        }

        /** Validates, in order: wallet id, currency, amount, description, metadata. */
        public OnWallet(String walletId, String amount, String currency, String description, Metadata metadata) {
            this(Ids.require(walletId, IdPrefix.WALLET, "walletId"), Money.parsePositive(amount, CurrencyUnit.of(currency)),
                    MovementTerms.description(description), metadata.validated());
        }
    }

    /** A transfer between two wallets. */
    public record Between(String fromWalletId, String toWalletId, Money amount, String description, Metadata metadata) {
        public Between {
            Objects.requireNonNull(fromWalletId, "fromWalletId");
            Objects.requireNonNull(toWalletId, "toWalletId");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(metadata, "metadata");
            if (fromWalletId.equals(toWalletId)) {
                throw PayflowException.of(ErrorReason.SAME_WALLET, "fromWalletId and toWalletId are the same wallet %s", fromWalletId);
            }
        }

        /** Validates, in order: source id, target id, currency, amount, description, metadata, then that the two differ. */
        public Between(String fromWalletId, String toWalletId, String amount, String currency, String description, Metadata metadata) {
            this(Ids.require(fromWalletId, IdPrefix.WALLET, "fromWalletId"), Ids.require(toWalletId, IdPrefix.WALLET, "toWalletId"),
                    Money.parsePositive(amount, CurrencyUnit.of(currency)), MovementTerms.description(description), metadata.validated());
        }
    }

    static String description(String text) {
        return Fields.freeText(text, "description", Limits.DESCRIPTION_LENGTH_MAX);
    }
}
