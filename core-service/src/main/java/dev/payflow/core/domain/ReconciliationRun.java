package dev.payflow.core.domain;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One reconciliation of a mode's Stripe account over [from, to): its progress while it runs, and
 * once completed what matched ({@link Total}s) and how many findings it made.
 */
public record ReconciliationRun(String id, boolean livemode, Instant from, Instant to, Status status, Trigger trigger, String startedBy,
        Optional<LocalDate> scheduledDay, String stage, long objectsRead, long findingCount, String failureMessage, Instant createdAt,
        Optional<Instant> startedAt, Optional<Instant> finishedAt, List<Total> totals) {
    public ReconciliationRun {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from " + from + " is not before to " + to);
        }
        totals = List.copyOf(totals);
    }

    public enum Status {
        QUEUED,
        RUNNING,
        COMPLETED,
        FAILED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Status> fromWireName(String name) {
            return Arrays.stream(values()).filter(s -> s.wireName().equals(name)).findFirst();
        }
    }

    public enum Trigger {
        OPERATOR,
        SCHEDULE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Trigger> fromWireName(String name) {
            return Arrays.stream(values()).filter(t -> t.wireName().equals(name)).findFirst();
        }
    }

    /** What a total counts: objects matched on both sides, or a system account against Stripe's balance transactions. */
    public enum Category {
        MATCHED,
        SYSTEM_ACCOUNT;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Category> fromWireName(String name) {
            return Arrays.stream(values()).filter(c -> c.wireName().equals(name)).findFirst();
        }
    }

    /**
     * For {@code MATCHED}: {@code count} objects of type {@code name} in {@code currency}, with
     * {@code stripeMinor} (= {@code payflowMinor}) their amounts' sum. For {@code SYSTEM_ACCOUNT}:
     * the account kind {@code name}, Stripe's figure and PayFlow's, both from Stripe's point of view.
     */
    public record Total(Category category, String name, CurrencyUnit currency, long count, long stripeMinor, long payflowMinor) {
        public Total {
            Objects.requireNonNull(category, "category");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(currency, "currency");
        }

        public boolean matches() {
            return stripeMinor == payflowMinor;
        }
    }
}
