package dev.payflow.core.gateway;

import dev.payflow.core.domain.Money;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway side of payouts (Stripe Connect; simulated in sandbox without a Stripe key): a
 * transfer from the platform to a connected account, its reversal, and a payout from the
 * connected account to its bank. Each call does I/O and is never made inside a database
 * transaction; every create carries an idempotency key derived from our payout id and the step
 * ({@code <pout_id>:transfer}, {@code :payout}, {@code :reverse}, {@code :cancel}), so a retry
 * never moves money twice at the gateway.
 */
public interface PayoutProvider {

    /** The provider's name as stored on the payout: {@code stripe} or {@code simulated}, the connected account's own. */
    String name();

    /** Whether calls are let through now (false while the gateway's circuit breaker is open). */
    default boolean acceptsCalls() {
        return true;
    }

    /** Moves money from the platform's balance to the connected account, in the group {@code transferGroup} (our payout id). */
    Outcome<Transfer> createTransfer(CreateTransfer call);

    /** The transfer of a group, if the gateway has one: how a retry past the gateway's idempotency window finds what it did. */
    Outcome<Optional<Transfer>> findTransfer(String providerAccountId, String transferGroup);

    /** Takes a transfer's money back from the connected account to the platform's balance. */
    Outcome<String> reverseTransfer(String providerTransferId, Money amount, Map<String, String> metadata, String idempotencyKey);

    /** Pays the connected account's balance out to its default bank account (as the account itself). */
    Outcome<BankPayout> createPayout(CreatePayout call);

    /** The bank payout as the gateway sees it now. */
    Outcome<BankPayout> retrievePayout(String providerAccountId, String providerPayoutId);

    /** Cancels a bank payout the bank has not taken yet ({@code pending} at the gateway). */
    Outcome<BankPayout> cancelPayout(String providerAccountId, String providerPayoutId, String idempotencyKey);

    /**
     * @param sourceTransaction the charge that funded the wallet, so that money still pending at the
     *                          gateway can be transferred; empty: from the available balance
     */
    record CreateTransfer(String payoutId, Money amount, String providerAccountId, Optional<String> sourceTransaction, String description,
            Map<String, String> metadata, String idempotencyKey) {
        public CreateTransfer {
            Objects.requireNonNull(payoutId, "payoutId");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(providerAccountId, "providerAccountId");
            Objects.requireNonNull(sourceTransaction, "sourceTransaction");
            Objects.requireNonNull(description, "description");
            metadata = Map.copyOf(metadata);
            Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        }
    }

    /**
     * @param simulatedFailureCode read by the simulated gateway only: the failure its bank gives
     *                             this payout (Stripe's test bank accounts fail by their number instead)
     */
    record CreatePayout(String payoutId, Money amount, String providerAccountId, String description, Map<String, String> metadata,
            Optional<String> simulatedFailureCode, String idempotencyKey) {
        public CreatePayout {
            Objects.requireNonNull(payoutId, "payoutId");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(providerAccountId, "providerAccountId");
            Objects.requireNonNull(description, "description");
            metadata = Map.copyOf(metadata);
            Objects.requireNonNull(simulatedFailureCode, "simulatedFailureCode");
            Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        }
    }

    /** A transfer as the gateway made it ({@code reversed}: all of it taken back). */
    record Transfer(String providerTransferId, long amountMinor, boolean reversed, String objectJson) {
        public Transfer {
            Objects.requireNonNull(providerTransferId, "providerTransferId");
            Objects.requireNonNull(objectJson, "objectJson");
        }
    }

    /** A bank payout as the gateway sees it: {@code status} is the gateway's word (pending, in_transit, paid, failed, canceled). */
    record BankPayout(String providerPayoutId, String status, Optional<Instant> arrivalDate, Optional<String> failureCode,
            Optional<String> failureMessage, String objectJson) {
        public BankPayout {
            Objects.requireNonNull(providerPayoutId, "providerPayoutId");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(arrivalDate, "arrivalDate");
            Objects.requireNonNull(failureCode, "failureCode");
            Objects.requireNonNull(failureMessage, "failureMessage");
            Objects.requireNonNull(objectJson, "objectJson");
        }
    }

    /** How a call ended. */
    sealed interface Outcome<T> {
        /** The gateway answered. */
        record Answered<T>(T value) implements Outcome<T> {
        }

        /** The gateway refused the request for good (4xx, e.g. {@code balance_insufficient}): nothing changed there. */
        record Refused<T>(String code, String message) implements Outcome<T> {
        }

        /** We do not know what the gateway did (timeout, network error, 5xx or 429 after retries, or the breaker is open). */
        record Unknown<T>(String why) implements Outcome<T> {
        }
    }
}
