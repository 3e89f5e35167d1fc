package dev.payflow.core.app;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.ReconciliationFinding.Action;
import dev.payflow.core.domain.ReconciliationFinding.Kind;
import dev.payflow.core.domain.ReconciliationRun;
import dev.payflow.core.gateway.StripeReconciliation.Listed;
import dev.payflow.core.gateway.StripeReconciliation.ObjectType;
import dev.payflow.core.persistence.ReconciliationRepository.BookedFee;
import dev.payflow.core.persistence.ReconciliationRepository.Ours;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The matching of one run, without I/O: Stripe's objects against PayFlow's records and books, into
 * findings and totals. Stripe's objects are read over the window widened by a margin on each side,
 * and PayFlow's records over the window plus those Stripe named, so an object created at Stripe a
 * second before midnight and recorded by PayFlow a second after is matched, not reported twice;
 * only objects created inside the window (on the side that has them) are reported missing.
 */
final class ReconciliationMatcher {
    /** A finding before it has an id. */
    record Draft(Kind kind, String objectType, String stripeId, String payflowId, Optional<String> partnerId, String currency, String stripeValue,
            String payflowValue, String detail, Action suggestedAction, String suggestion, Optional<Long> feeCorrectionMinor) {
    }

    /** Stripe's payment-intent statuses that agree with each PayFlow payment status. */
    static final Map<String, Set<String>> PAYMENT_INTENT_STATUSES = Map.of(
            "pending", Set.of("requires_payment_method", "requires_confirmation", "requires_action", "processing"),
            "requires_action", Set.of("requires_action"),
            "requires_capture", Set.of("requires_capture"),
            "processing", Set.of("processing"),
            "succeeded", Set.of("succeeded"),
            "refunded", Set.of("succeeded"),
            "partially_refunded", Set.of("succeeded"),
            "failed", Set.of("requires_payment_method", "canceled"),
            "cancelled", Set.of("canceled"));

    /** Stripe's charge statuses that agree with each PayFlow payment status (an uncaptured, cancelled charge stays succeeded). */
    static final Map<String, Set<String>> CHARGE_STATUSES = Map.of(
            "pending", Set.of("pending", "failed"),
            "requires_action", Set.of("pending", "failed"),
            "requires_capture", Set.of("succeeded"),
            "processing", Set.of("pending"),
            "succeeded", Set.of("succeeded"),
            "refunded", Set.of("succeeded"),
            "partially_refunded", Set.of("succeeded"),
            "failed", Set.of("failed"),
            "cancelled", Set.of("succeeded", "failed"));

    static final Map<String, Set<String>> REFUND_STATUSES = Map.of(
            "pending", Set.of("pending", "requires_action"),
            "succeeded", Set.of("succeeded"),
            "failed", Set.of("failed", "canceled"));

    /** A PayFlow payout in transit may still be `pending` at Stripe (not yet sent to the bank). */
    static final Map<String, Set<String>> PAYOUT_STATUSES = Map.of(
            "pending", Set.of("pending"),
            "in_transit", Set.of("pending", "in_transit"),
            "paid", Set.of("paid"),
            "failed", Set.of("failed"),
            "cancelled", Set.of("canceled"));

    /** Balance transaction types of fees Stripe charges the platform itself (Connect's per-account and per-payout fees among them). */
    static final Set<String> PLATFORM_FEE_TYPES = Set.of("stripe_fee");
    /** Balance transaction types of a charge, whose fee PayFlow books per payment. */
    static final Set<String> CHARGE_TYPES = Set.of("charge", "payment");
    /** The platform's own payouts to PayFlow's bank: they leave Stripe's balance, but PayFlow's books do not mirror its own bank. */
    static final String PLATFORM_PAYOUT_TYPE = "payout";

    private final Instant from;
    private final Instant to;
    private final List<Draft> findings = new ArrayList<>();
    /** (object type, currency) -> [count, amount]. */
    private final Map<String, Map<String, long[]>> matched = new TreeMap<>();

    ReconciliationMatcher(Instant from, Instant to) {
        this.from = from;
        this.to = to;
    }

    List<Draft> findings() {
        return List.copyOf(findings);
    }

    List<ReconciliationRun.Total> totals(List<ReconciliationRun.Total> systemAccounts) {
        List<ReconciliationRun.Total> totals = new ArrayList<>();
        matched.forEach((type, perCurrency) -> new TreeMap<>(perCurrency).forEach((currency, sums) -> totals.add(new ReconciliationRun.Total(
                ReconciliationRun.Category.MATCHED, type, currencyOf(currency), sums[0], sums[1], sums[1]))));
        totals.addAll(systemAccounts);
        return totals;
    }

    private boolean inWindow(Instant created) {
        return !created.isBefore(from) && created.isBefore(to);
    }

    /**
     * The common comparison of one object type: each Stripe object with PayFlow's record of the
     * same Stripe id (currency first, then amount, then status), each in-window object without a
     * counterpart missing on the other side.
     *
     * @param statuses       PayFlow's status -> the Stripe statuses that agree with it
     * @param alsoKnown      Stripe ids PayFlow knows otherwise (so not missing in PayFlow)
     * @param skip           Stripe ids not to report missing here (reported with their parent object)
     */
    void compare(String objectType, List<Listed> stripe, List<Ours> ours, Map<String, Set<String>> statuses, Set<String> alsoKnown, Set<String> skip,
            String missingInPayflow, String missingInStripe, String statusSuggestion) {
        Map<String, Ours> bySripeId = new HashMap<>();
        ours.forEach(o -> bySripeId.put(o.stripeId(), o));
        Set<String> seen = new HashSet<>();
        for (Listed s : stripe) {
            Ours o = bySripeId.get(s.id());
            if (o == null) {
                if (inWindow(s.created()) && !alsoKnown.contains(s.id()) && !skip.contains(s.id())) {
                    findings.add(new Draft(Kind.MISSING_IN_PAYFLOW, objectType, s.id(), "", Optional.empty(), s.currency(),
                            format(s.amountMinor(), s.currency()) + " " + s.status(), "",
                            objectType + " " + s.id() + " (" + format(s.amountMinor(), s.currency()) + " " + s.currency() + ", " + s.status()
                                    + ") is at Stripe but not in PayFlow",
                            Action.ACKNOWLEDGE, missingInPayflow, Optional.empty()));
                }
                continue;
            }
            seen.add(s.id());
            compareOne(objectType, s, o, statuses, statusSuggestion);
        }
        for (Ours o : ours) {
            if (!seen.contains(o.stripeId()) && inWindow(o.createdAt())) {
                findings.add(new Draft(Kind.MISSING_IN_STRIPE, objectType, o.stripeId(), o.payflowId(), Optional.of(o.partnerId()), o.currency(), "",
                        format(o.amountMinor(), o.currency()) + " " + o.status(),
                        o.payflowId() + " names " + objectType + " " + o.stripeId() + ", which Stripe did not list for the window",
                        Action.ACKNOWLEDGE, missingInStripe, Optional.empty()));
            }
        }
    }

    /** One pair: currency, amount, status; matched (counted) when all three agree. */
    void compareOne(String objectType, Listed s, Ours o, Map<String, Set<String>> statuses, String statusSuggestion) {
        boolean agrees = true;
        if (!s.currency().equals(o.currency())) {
            agrees = false;
            findings.add(new Draft(Kind.CURRENCY_DIFFERS, objectType, s.id(), o.payflowId(), Optional.of(o.partnerId()), o.currency(), s.currency(),
                    o.currency(), objectType + " " + s.id() + " is in " + s.currency() + " at Stripe and in " + o.currency() + " in PayFlow ("
                            + o.payflowId() + ")",
                    Action.ACKNOWLEDGE, "Nothing converts currencies automatically: check the object at Stripe and the partner's wallet by hand",
                    Optional.empty()));
        } else if (s.amountMinor() != o.amountMinor()) {
            agrees = false;
            findings.add(new Draft(Kind.AMOUNT_DIFFERS, objectType, s.id(), o.payflowId(), Optional.of(o.partnerId()), o.currency(),
                    format(s.amountMinor(), s.currency()), format(o.amountMinor(), o.currency()),
                    objectType + " " + s.id() + " is " + format(s.amountMinor(), s.currency()) + " at Stripe and "
                            + format(o.amountMinor(), o.currency()) + " in PayFlow (" + o.payflowId() + ")",
                    Action.ACKNOWLEDGE, "Recovery does not change amounts: correct the partner's wallet with a four-eyes adjustment if "
                            + "Stripe's amount is right, then acknowledge", Optional.empty()));
        }
        Set<String> agreeing = statuses.get(o.status());
        if (agreeing != null && !agreeing.contains(s.status())) {
            agrees = false;
            findings.add(new Draft(Kind.STATUS_DIFFERS, objectType, s.id(), o.payflowId(), Optional.of(o.partnerId()), o.currency(), s.status(),
                    o.status(), objectType + " " + s.id() + " is " + s.status() + " at Stripe and " + o.status() + " in PayFlow (" + o.payflowId() + ")",
                    Action.ACKNOWLEDGE, statusSuggestion, Optional.empty()));
        }
        if (agrees) {
            count(objectType, s.currency(), s.amountMinor());
        }
    }

    /**
     * The fees: each charge's balance transaction against the fee PayFlow booked for it, and each
     * fee Stripe charged the platform (a Connect fee) against a booking that names it.
     *
     * @param paymentOfCharge    Stripe charge id -> PayFlow's payment (its fee in {@code extra.fee_minor} once known)
     * @param partnerOfSource    a Stripe id a platform fee may name (a connected account, one of our transfers or payouts) -> partner
     */
    void compareFees(List<Listed> balanceTransactions, Map<String, Ours> paymentOfCharge, Map<String, BookedFee> booked,
            Map<String, String> partnerOfSource) {
        for (Listed bt : balanceTransactions) {
            String type = bt.reference("type").orElse("");
            if (!inWindow(bt.created())) {
                continue;
            }
            if (CHARGE_TYPES.contains(type)) {
                Optional<Ours> payment = bt.reference("source").map(paymentOfCharge::get);
                if (payment.isEmpty()) {
                    // A charge PayFlow does not know is reported with its PaymentIntent or charge.
                    continue;
                }
                long stripeFee = bt.referenceMinor("fee");
                Ours p = payment.get();
                Optional<BookedFee> ours = Optional.ofNullable(booked.get(bt.id()));
                if (ours.isEmpty() && !p.extra().containsKey("fee_minor")) {
                    if (stripeFee != 0) {
                        findings.add(new Draft(Kind.FEE_DIFFERS, "balance_transaction", bt.id(), p.payflowId(), Optional.of(p.partnerId()),
                                bt.currency(), format(stripeFee, bt.currency()), "", "the fee of " + p.payflowId() + " (" + bt.id() + ", "
                                        + format(stripeFee, bt.currency()) + ") is not recorded in PayFlow yet",
                                Action.ACKNOWLEDGE, "The fee sweep (Payments.settleDueFees) books it once Stripe reports it for the payment; "
                                        + "booking it here too would book it twice", Optional.empty()));
                    } else {
                        count("balance_transaction", bt.currency(), bt.amountMinor());
                    }
                    continue;
                }
                long oursFee = ours.map(BookedFee::feeMinor).orElse(0L);
                if (oursFee != stripeFee) {
                    long correction = stripeFee - oursFee;
                    findings.add(new Draft(Kind.FEE_DIFFERS, "balance_transaction", bt.id(), p.payflowId(), Optional.of(p.partnerId()), bt.currency(),
                            format(stripeFee, bt.currency()), format(oursFee, bt.currency()), "Stripe's fee for " + p.payflowId() + " (" + bt.id()
                                    + ") is " + format(stripeFee, bt.currency()) + ", PayFlow booked " + format(oursFee, bt.currency()),
                            Action.BOOK_FEE, "book_fee books the difference, " + format(correction, bt.currency()) + ", between the partner's "
                                    + "gateway_fees and gateway_clearing accounts", Optional.of(correction)));
                } else {
                    count("balance_transaction", bt.currency(), bt.amountMinor());
                }
            } else if (PLATFORM_FEE_TYPES.contains(type)) {
                long stripeFee = -bt.amountMinor();
                Optional<BookedFee> ours = Optional.ofNullable(booked.get(bt.id()));
                long oursFee = ours.map(BookedFee::feeMinor).orElse(0L);
                if (oursFee == stripeFee) {
                    count("balance_transaction", bt.currency(), bt.amountMinor());
                    continue;
                }
                Optional<String> partner = ours.map(BookedFee::partnerId).or(() -> bt.reference("source").map(partnerOfSource::get));
                long correction = stripeFee - oursFee;
                String what = "Stripe charged the platform " + format(stripeFee, bt.currency()) + " (" + bt.id() + ", "
                        + bt.reference("description").orElse(type) + ")";
                if (partner.isPresent()) {
                    findings.add(new Draft(ours.isPresent() ? Kind.FEE_DIFFERS : Kind.MISSING_IN_PAYFLOW, "balance_transaction", bt.id(), "", partner,
                            bt.currency(), format(stripeFee, bt.currency()), ours.isPresent() ? format(oursFee, bt.currency()) : "",
                            what + " for " + partner.get() + "'s connected account; PayFlow booked " + format(oursFee, bt.currency()),
                            Action.BOOK_FEE, "book_fee books " + format(correction, bt.currency()) + " from the partner's gateway_fees to its "
                                    + "gateway_clearing account", Optional.of(correction)));
                } else {
                    findings.add(new Draft(Kind.MISSING_IN_PAYFLOW, "balance_transaction", bt.id(), "", Optional.empty(), bt.currency(),
                            format(stripeFee, bt.currency()), "", what + "; Stripe does not name a connected account PayFlow knows",
                            Action.ACKNOWLEDGE, "No partner to book it for: PayFlow's system accounts are per partner. Decide whose it is, "
                                    + "book it by a four-eyes adjustment, then acknowledge", Optional.empty()));
                }
            }
        }
    }

    /**
     * The system accounts against the net of Stripe's balance transactions created in the
     * window, per currency: gateway_clearing against the net of all of them but the platform's
     * own payouts, gateway_fees against their fees and the platform fees, payouts_in_transit's
     * outflow against the transfers. A difference is a finding.
     *
     * @param ledger kind -> currency -> PayFlow's figure, from Stripe's point of view
     */
    List<ReconciliationRun.Total> compareSystemAccounts(List<Listed> balanceTransactions, Map<String, Map<String, Long>> ledger) {
        Map<String, Map<String, long[]>> stripe = new TreeMap<>();
        for (String kind : List.of("gateway_clearing", "gateway_fees", "payouts_in_transit")) {
            stripe.put(kind, new TreeMap<>());
        }
        for (Listed bt : balanceTransactions) {
            if (!inWindow(bt.created())) {
                continue;
            }
            String type = bt.reference("type").orElse("");
            if (!PLATFORM_PAYOUT_TYPE.equals(type)) {
                add(stripe.get("gateway_clearing"), bt.currency(), bt.referenceMinor("net"));
            }
            long fee = bt.referenceMinor("fee") + (PLATFORM_FEE_TYPES.contains(type) ? -bt.amountMinor() : 0);
            if (fee != 0) {
                add(stripe.get("gateway_fees"), bt.currency(), fee);
            }
            if ("transfer".equals(type)) {
                add(stripe.get("payouts_in_transit"), bt.currency(), -bt.referenceMinor("net"));
            }
        }
        List<ReconciliationRun.Total> checks = new ArrayList<>();
        for (Map.Entry<String, Map<String, long[]>> kind : stripe.entrySet()) {
            Map<String, Long> ours = ledger.getOrDefault(kind.getKey(), Map.of());
            Set<String> currencies = new java.util.TreeSet<>(kind.getValue().keySet());
            currencies.addAll(ours.keySet());
            for (String currency : currencies) {
                long[] sums = kind.getValue().getOrDefault(currency, new long[2]);
                long payflow = ours.getOrDefault(currency, 0L);
                checks.add(new ReconciliationRun.Total(ReconciliationRun.Category.SYSTEM_ACCOUNT, kind.getKey(), currencyOf(currency), sums[0],
                        sums[1], payflow));
                if (sums[1] != payflow) {
                    findings.add(new Draft(Kind.AMOUNT_DIFFERS, "system_account", kind.getKey(), "", Optional.empty(), currency,
                            format(sums[1], currency), format(payflow, currency), "the " + kind.getKey() + " accounts moved "
                                    + format(payflow, currency) + " " + currency + " in the window; Stripe's balance transactions say "
                                    + format(sums[1], currency),
                            Action.ACKNOWLEDGE, "The object findings of this run explain it where there are any; otherwise look for "
                                    + "movements booked just across the window's edges, or balance transactions of a type PayFlow does not book",
                            Optional.empty()));
                }
            }
        }
        return checks;
    }

    private static void add(Map<String, long[]> sums, String currency, long amount) {
        long[] s = sums.computeIfAbsent(currency, c -> new long[2]);
        s[0]++;
        s[1] = Math.addExact(s[1], amount);
    }

    /** Objects of a type that only count (the platform's own payouts: PayFlow does not mirror its own bank). */
    void countOnly(String objectType, List<Listed> listed) {
        listed.stream().filter(s -> inWindow(s.created())).forEach(s -> count(objectType, s.currency(), s.amountMinor()));
    }

    private void count(String objectType, String currency, long amountMinor) {
        long[] sums = matched.computeIfAbsent(objectType, t -> new HashMap<>()).computeIfAbsent(currency, c -> new long[2]);
        sums[0]++;
        sums[1] = Math.addExact(sums[1], amountMinor);
    }

    static String objectTypeName(ObjectType type) {
        return switch (type) {
            case PAYMENT_INTENT -> "payment_intent";
            case CHARGE -> "charge";
            case REFUND -> "refund";
            case DISPUTE -> "dispute";
            case TRANSFER -> "transfer";
            case PLATFORM_PAYOUT -> "platform_payout";
            case CONNECTED_PAYOUT -> "payout";
            case BALANCE_TRANSACTION -> "balance_transaction";
        };
    }

    /**
     * A currency PayFlow's wallets may not hold can still appear at Stripe: such amounts are shown in
     * minor units, under Stripe's code (ISO 4217's {@code XXX}, "no currency", if Stripe sent none).
     * This only formats a finding's values; nothing is booked in such a currency.
     */
    static CurrencyUnit currencyOf(String code) {
        try {
            return CurrencyUnit.of(code);
        } catch (PayflowException unsupported) {
            return new CurrencyUnit(code.isEmpty() ? "XXX" : code, 0);
        }
    }

    static String format(long minor, String currency) {
        return new Money(minor, currencyOf(currency)).format();
    }
}
