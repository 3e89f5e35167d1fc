package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One mismatch between Stripe and PayFlow that a run found, with both sides' ids and values, what
 * recovery would do about it, and, once an operator resolved it, how, who and why.
 *
 * @param feeCorrectionMinor for a fee PayFlow can book for one partner: what {@code book_fee} books
 *                           from gateway_fees to gateway_clearing (negative: the other way)
 */
public record ReconciliationFinding(String id, String runId, Kind kind, String objectType, String stripeId, String payflowId,
        Optional<String> partnerId, String currency, String stripeValue, String payflowValue, String detail, Action suggestedAction,
        String suggestion, Optional<Long> feeCorrectionMinor, Status status, Optional<Action> resolutionAction, String resolutionReason,
        String resolvedBy, Optional<Instant> resolvedAt, Optional<String> transactionId, Instant createdAt) {
    public ReconciliationFinding {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(suggestedAction, "suggestedAction");
        // The paired check of the table's constraint: a fee is booked only for a partner.
        if (feeCorrectionMinor.isPresent() && partnerId.isEmpty()) {
            throw new IllegalArgumentException("finding " + id + ": a fee correction needs the partner it belongs to");
        }
    }

    public enum Kind {
        MISSING_IN_PAYFLOW,
        MISSING_IN_STRIPE,
        AMOUNT_DIFFERS,
        STATUS_DIFFERS,
        CURRENCY_DIFFERS,
        FEE_DIFFERS;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Kind> fromWireName(String name) {
            return Arrays.stream(values()).filter(k -> k.wireName().equals(name)).findFirst();
        }
    }

    public enum Status {
        OPEN,
        RESOLVED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Status> fromWireName(String name) {
            return Arrays.stream(values()).filter(s -> s.wireName().equals(name)).findFirst();
        }
    }

    /** How an operator resolves a finding: nothing booked, or the fee Stripe charged booked as a new transaction. */
    public enum Action {
        ACKNOWLEDGE,
        BOOK_FEE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Action> fromWireName(String name) {
            return Arrays.stream(values()).filter(a -> a.wireName().equals(name)).findFirst();
        }
    }

    /** A new, open finding of a run. */
    public static ReconciliationFinding open(String id, String runId, Kind kind, String objectType, String stripeId, String payflowId,
            Optional<String> partnerId, String currency, String stripeValue, String payflowValue, String detail, Action suggestedAction,
            String suggestion, Optional<Long> feeCorrectionMinor, Instant createdAt) {
        return new ReconciliationFinding(id, runId, kind, objectType, stripeId, payflowId, partnerId, currency, stripeValue, payflowValue,
                clip(detail), suggestedAction, clip(suggestion), feeCorrectionMinor, Status.OPEN,
                Optional.empty(), "", "", Optional.empty(), Optional.empty(), createdAt);
    }

    /** The columns hold 1000 characters; Stripe's words are short, but a run never fails on a long one. */
    private static String clip(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 997) + "...";
    }
}
