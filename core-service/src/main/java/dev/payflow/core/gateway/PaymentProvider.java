package dev.payflow.core.gateway;

import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PaymentStatus;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A gateway that takes payments (Stripe; PayPal could be a second one). Each call does I/O and is
 * never made inside a database transaction: the use case records the intent, commits, calls, and
 * records what the call answered. Every call carries an idempotency key derived from our ids and
 * the operation ({@code <pmt_id>:create}), so a retry of ours can never charge twice.
 *
 * <p>The ledger never sees a provider: it books from the clearing account named by {@link #name()}.
 */
public interface PaymentProvider extends PaymentGateway {

    /** Creates and confirms a payment at the gateway. Never throws for the gateway's own answers: see {@link CallOutcome}. */
    CallOutcome createPayment(CreatePayment call);

    /** The gateway's payment as it is now, by its id. */
    CallOutcome retrievePayment(String providerPaymentId);

    /**
     * The gateway's payment made for ours, found by the {@code payflow_payment_id} kept in its
     * metadata: {@link CallOutcome.Answered} if found, {@link CallOutcome.Refused} with code
     * {@code not_found} if the search is empty (the gateway's search lags: empty is not proof).
     */
    CallOutcome findPayment(String paymentId);

    /** Captures an authorised payment in full, with the key {@code <pmt_id>:capture}. */
    CallOutcome capturePayment(String providerPaymentId, String idempotencyKey);

    /** Cancels a payment not captured yet, with the key {@code <pmt_id>:cancel}. */
    CallOutcome cancelPayment(String providerPaymentId, String idempotencyKey);

    /** Refunds part or all of a captured payment, with the key {@code <ref_id>:refund}. */
    RefundOutcome refund(String providerPaymentId, long amountMinor, String reason, Map<String, String> metadata, String idempotencyKey);

    /**
     * This provider as {@code type}, through any wrapper around it (the metering one), for what
     * only that provider offers (PayPal's webhook verification); empty if it is another provider.
     */
    default <T extends PaymentProvider> Optional<T> as(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /**
     * The gateway's fee on a captured payment, from the balance transaction of its charge. A
     * gateway that charges none answers {@link FeeOutcome.None}. Not counted by a circuit
     * breaker (a fee can wait), but not asked while the gateway is failing.
     */
    default FeeOutcome feeOf(String providerPaymentId) {
        return new FeeOutcome.None();
    }

    /**
     * Whether calls are let through now. A provider behind a circuit breaker says no while the
     * gateway is failing, so a use case refuses at once (GATEWAY_UNAVAILABLE) before it records
     * anything or claims the partner's key: the partner's retry with the same key works once the
     * gateway is back.
     */
    default boolean acceptsCalls() {
        return true;
    }

    /**
     * How long the gateway keeps an idempotency key: recovery re-sends a create with its key only
     * within this window (Stripe keeps keys 24 h, so 23 h; PayPal keeps a PayPal-Request-Id
     * shorter). Past it a re-sent create could charge twice, so recovery only searches.
     */
    default java.time.Duration requestKeyWindow() {
        return java.time.Duration.ofHours(23);
    }

    /**
     * How long a payment may wait in {@code requires_action} for its payer before recovery
     * cancels it (a provider whose waiting payments recovery does not ask about never reaches it).
     */
    default java.time.Duration approvalWindow() {
        return java.time.Duration.ofDays(1);
    }

    /** The publishable key a partner's app uses to make payment-method tokens; empty if none is needed. */
    String publishableKey();

    /** Whether payments are accepted in this currency (a gateway settles some without conversion only). */
    boolean settles(String currencyCode);

    /**
     * What we ask the gateway to create.
     *
     * @param metadata         what the gateway keeps on its object so that its events and searches lead back to us
     * @param idempotencyKey   the gateway's idempotency key, {@code <pmt_id>:create}
     */
    record CreatePayment(String paymentId, Money amount, String paymentMethod, Optional<String> customer, boolean capture,
            Optional<String> returnUrl, String description, Map<String, String> metadata, String idempotencyKey,
            Optional<Destination> destination) {
        public CreatePayment {
            Objects.requireNonNull(paymentId, "paymentId");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(paymentMethod, "paymentMethod");
            metadata = Map.copyOf(metadata);
            Objects.requireNonNull(idempotencyKey, "idempotencyKey");
            Objects.requireNonNull(destination, "destination");
        }

        /** A payment that is not routed to a connected account. */
        public CreatePayment(String paymentId, Money amount, String paymentMethod, Optional<String> customer, boolean capture,
                Optional<String> returnUrl, String description, Map<String, String> metadata, String idempotencyKey) {
            this(paymentId, amount, paymentMethod, customer, capture, returnUrl, description, metadata, idempotencyKey, Optional.empty());
        }
    }

    /**
     * A destination charge: the money goes to this connected account at the gateway, less the
     * platform's fee ({@code applicationFeeMinor}, in the payment's minor units), which the platform keeps.
     */
    record Destination(String providerAccountId, long applicationFeeMinor) {
        public Destination {
            Objects.requireNonNull(providerAccountId, "providerAccountId");
            if (applicationFeeMinor < 0) {
                throw new IllegalArgumentException("applicationFeeMinor: " + applicationFeeMinor + " (expected: not negative)");
            }
        }
    }

    /**
     * Refunds a payment routed to a connected account: the transfer to the account is reversed
     * and the platform's fee refunded, in proportion (Stripe's {@code reverse_transfer} and
     * {@code refund_application_fee}). A gateway without connected accounts refunds as usual.
     */
    default RefundOutcome refundRouted(String providerPaymentId, long amountMinor, String reason, Map<String, String> metadata,
            String idempotencyKey) {
        return refund(providerPaymentId, amountMinor, reason, metadata, idempotencyKey);
    }

    /**
     * The gateway's view of a payment.
     *
     * @param objectJson the gateway's object exactly as it sent it, kept as a gateway record
     */
    record ProviderPayment(String providerPaymentId, PaymentStatus status, Optional<Payment.NextAction> nextAction,
            Optional<String> failureCode, Optional<String> failureMessage, String objectType, String objectJson) {
        public ProviderPayment {
            Objects.requireNonNull(providerPaymentId, "providerPaymentId");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(objectJson, "objectJson");
        }
    }

    /** How a refund call ended. */
    sealed interface RefundOutcome {
        /** The gateway's refund: {@code pending}, {@code succeeded} or {@code failed} (as the gateway says). */
        record Answered(String providerRefundId, String status, String objectJson) implements RefundOutcome {
        }

        /** The gateway refused the refund for good: nothing was given back. */
        record Refused(String code, String message) implements RefundOutcome {
        }

        /** We do not know what the gateway did. */
        record Unknown(String why) implements RefundOutcome {
        }
    }

    /** What the gateway says of a captured payment's fee. */
    sealed interface FeeOutcome {
        /**
         * The balance transaction exists: its fee in minor units of its currency (an ISO code).
         *
         * @param objectJson the balance transaction as the gateway sent it, kept as a gateway record
         */
        record Known(String balanceTransactionId, long feeMinor, String currency, String objectJson) implements FeeOutcome {
        }

        /** Not known yet (no balance transaction yet, or no answer): asked again later. */
        record NotYet(String why) implements FeeOutcome {
        }

        /** The gateway charges no fee. */
        record None() implements FeeOutcome {
        }
    }

    /** How a call ended. */
    sealed interface CallOutcome {
        /** The gateway answered with its object. */
        record Answered(ProviderPayment payment) implements CallOutcome {
        }

        /**
         * The gateway refused the payment for good (a declined card, an invalid request): nothing
         * was charged. {@code providerPaymentId} is the gateway's object, if it made one.
         */
        record Refused(String code, String message, Optional<String> providerPaymentId, String errorJson) implements CallOutcome {
        }

        /** We do not know what the gateway did (timeout, network error, 5xx or 429 after retries): recovery finds out. */
        record Unknown(String why) implements CallOutcome {
        }
    }

    /**
     * Attaches a payment-method token to the provider's customer (or, without one, only reads it),
     * and answers what the provider shows of it. A provider that keeps no payment methods refuses.
     * Never called inside a database transaction.
     */
    default MethodOutcome attachPaymentMethod(String providerToken, Optional<String> customer) {
        return new MethodOutcome.Refused("not_supported", name() + " keeps no payment methods");
    }

    /** Detaches a payment-method token from the customer it was attached to. */
    default MethodOutcome detachPaymentMethod(String providerToken) {
        return new MethodOutcome.Refused("not_supported", name() + " keeps no payment methods");
    }

    /**
     * A payment method as the provider shows it.
     *
     * @param type         {@code card}, {@code bank_account} or {@code paypal}
     * @param card         the card's brand, last four digits and expiry, for a card
     * @param verified     whether the provider checked it (Stripe: the CVC check passed)
     */
    record ProviderPaymentMethod(String type, Optional<dev.payflow.core.domain.PaymentMethod.Card> card, boolean verified,
            Optional<String> customer) {
        public ProviderPaymentMethod {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(card, "card");
            Objects.requireNonNull(customer, "customer");
        }
    }

    /** How a payment-method call ended. */
    sealed interface MethodOutcome {
        record Answered(ProviderPaymentMethod method) implements MethodOutcome {
        }

        /** The provider refused (an unknown token, a token of another customer): nothing changed there. */
        record Refused(String code, String message) implements MethodOutcome {
        }

        /** No answer (timeout, 5xx, 429, the circuit open): the partner retries. */
        record Unknown(String why) implements MethodOutcome {
        }
    }
}
