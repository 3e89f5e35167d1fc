package dev.payflow.core.gateway;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.BalanceTransaction;
import com.stripe.model.Charge;
import com.stripe.model.Dispute;
import com.stripe.model.PaymentIntent;
import com.stripe.model.Payout;
import com.stripe.model.Refund;
import com.stripe.model.StripeCollection;
import com.stripe.model.Transfer;
import com.stripe.net.RequestOptions;
import com.stripe.param.BalanceTransactionListParams;
import com.stripe.param.ChargeListParams;
import com.stripe.param.DisputeListParams;
import com.stripe.param.PaymentIntentListParams;
import com.stripe.param.PayoutListParams;
import com.stripe.param.RefundListParams;
import com.stripe.param.TransferListParams;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What reconciliation reads from Stripe: every object of one type created in a window, through
 * stripe-java's list calls with {@code created[gte]} / {@code created[lt]} and its auto-pagination
 * ({@code has_more} / {@code starting_after}), on the mode's client and circuit breaker (shared with
 * payments, Connect and payouts). Only reads: nothing here changes anything at Stripe. Never called
 * inside a database transaction.
 */
public final class StripeReconciliation {
    /** Stripe's largest page: fewer round trips for a day of objects. */
    static final long PAGE_SIZE = 100;

    /** The object types a run reads, in the order it reads them; {@link #stage} is the run's progress word. */
    public enum ObjectType {
        PAYMENT_INTENT("payment_intents"),
        CHARGE("charges"),
        REFUND("refunds"),
        DISPUTE("disputes"),
        TRANSFER("transfers"),
        PLATFORM_PAYOUT("platform_payouts"),
        CONNECTED_PAYOUT("connected_payouts"),
        BALANCE_TRANSACTION("balance_transactions");

        private final String stage;

        ObjectType(String stage) {
            this.stage = stage;
        }

        public String stage() {
            return stage;
        }
    }

    /**
     * One Stripe object as reconciliation compares it: its amount in minor units (signed, for
     * balance transactions), ISO currency (upper case), Stripe's status word, creation time, and the
     * references it is matched by ({@code payment_intent}, {@code charge}, {@code transfer_group},
     * {@code destination}, {@code source}, {@code type}, {@code fee}, {@code net}, {@code account},
     * {@code payflow_payout_id}, ...).
     */
    public record Listed(ObjectType type, String id, long amountMinor, String currency, String status, Instant created,
            Map<String, String> references) {
        public Listed {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(id, "id");
            references = Map.copyOf(references);
        }

        public Optional<String> reference(String name) {
            return Optional.ofNullable(references.get(name)).filter(value -> !value.isEmpty());
        }

        public long referenceMinor(String name) {
            return reference(name).map(Long::parseLong).orElse(0L);
        }
    }

    /** Told after every object read, so the run can show its progress. */
    @FunctionalInterface
    public interface Progress {
        void read(ObjectType type, int readOfType);
    }

    /** Stripe could not be read (breaker open, network, 5xx, a refusal): the run stops and says why. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message) {
            super(message);
        }
    }

    /** More objects of one type in the window than a run reads: the run stops rather than report half a window. */
    public static final class TooMany extends RuntimeException {
        public TooMany(String message) {
            super(message);
        }
    }

    private final StripeClient client;
    private final CircuitBreaker breaker;

    public StripeReconciliation(StripeClient client, CircuitBreaker breaker) {
        this.client = Objects.requireNonNull(client, "client");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
    }

    /**
     * Every object of {@code type} created in [from, to), on the platform's account or, given
     * {@code stripeAccount}, as that connected account ({@code Stripe-Account} header). At most
     * {@code max} objects, else {@link TooMany}.
     */
    public List<Listed> list(ObjectType type, Instant from, Instant to, Optional<String> stripeAccount, int max, Progress progress) {
        Objects.requireNonNull(type, "type");
        long gte = from.getEpochSecond();
        long lt = to.getEpochSecond();
        RequestOptions options = stripeAccount.map(account -> RequestOptions.builder().setStripeAccount(account).build())
                .orElseGet(RequestOptions::getDefault);
        return guarded(type, () -> switch (type) {
            case PAYMENT_INTENT -> read(type, client.v1().paymentIntents().list(PaymentIntentListParams.builder().setLimit(PAGE_SIZE)
                    .setCreated(PaymentIntentListParams.Created.builder().setGte(gte).setLt(lt).build()).build(), options),
                    StripeReconciliation::paymentIntent, max, progress);
            case CHARGE -> read(type, client.v1().charges().list(ChargeListParams.builder().setLimit(PAGE_SIZE)
                    .setCreated(ChargeListParams.Created.builder().setGte(gte).setLt(lt).build()).build(), options),
                    StripeReconciliation::charge, max, progress);
            case REFUND -> read(type, client.v1().refunds().list(RefundListParams.builder().setLimit(PAGE_SIZE)
                    .setCreated(RefundListParams.Created.builder().setGte(gte).setLt(lt).build()).build(), options),
                    StripeReconciliation::refund, max, progress);
            case DISPUTE -> read(type, client.v1().disputes().list(DisputeListParams.builder().setLimit(PAGE_SIZE)
                    .setCreated(DisputeListParams.Created.builder().setGte(gte).setLt(lt).build()).build(), options),
                    StripeReconciliation::dispute, max, progress);
            case TRANSFER -> read(type, client.v1().transfers().list(TransferListParams.builder().setLimit(PAGE_SIZE)
                    .setCreated(TransferListParams.Created.builder().setGte(gte).setLt(lt).build()).build(), options),
                    StripeReconciliation::transfer, max, progress);
            case PLATFORM_PAYOUT, CONNECTED_PAYOUT -> read(type, client.v1().payouts().list(PayoutListParams.builder().setLimit(PAGE_SIZE)
                    .setCreated(PayoutListParams.Created.builder().setGte(gte).setLt(lt).build()).build(), options),
                    (t, payout) -> payout(t, payout, stripeAccount), max, progress);
            case BALANCE_TRANSACTION -> read(type, client.v1().balanceTransactions().list(BalanceTransactionListParams.builder()
                    .setLimit(PAGE_SIZE).setCreated(BalanceTransactionListParams.Created.builder().setGte(gte).setLt(lt).build()).build(),
                    options), StripeReconciliation::balanceTransaction, max, progress);
        });
    }

    @FunctionalInterface
    private interface Listing {
        List<Listed> call() throws StripeException;
    }

    @FunctionalInterface
    private interface Mapping<T> {
        Listed of(ObjectType type, T object);
    }

    /**
     * One listing (all its pages) through the breaker: refused at once while it is open; a listing
     * that fails counts as one failed call. Reads are safe to repeat, so a failed run is simply
     * started again.
     */
    private List<Listed> guarded(ObjectType type, Listing listing) {
        if (!breaker.tryAcquirePermission()) {
            throw new Unavailable("the circuit breaker is open: Stripe has been failing");
        }
        long started = System.nanoTime();
        try {
            List<Listed> listed = listing.call();
            breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            return listed;
        } catch (TooMany tooMany) {
            breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            throw tooMany;
        } catch (StripeException | RuntimeException failed) {
            // Auto-pagination wraps a failed later page's StripeException in a RuntimeException.
            Throwable cause = failed instanceof StripeException || failed.getCause() == null ? failed : failed.getCause();
            Integer status = cause instanceof StripeException stripeFailure ? stripeFailure.getStatusCode() : null;
            if (status != null && status >= 400 && status < 500 && status != 429) {
                // Stripe answered (a refusal): it is up, as the payment and payout calls count it.
                breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            } else {
                breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, failed);
            }
            throw new Unavailable("listing " + type.stage() + " failed: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    private static <T extends com.stripe.model.HasId> List<Listed> read(ObjectType type, StripeCollection<T> firstPage, Mapping<T> mapping,
            int max, Progress progress) {
        List<Listed> listed = new ArrayList<>();
        for (T object : firstPage.autoPagingIterable()) {
            if (listed.size() == max) {
                throw new TooMany("more than " + max + " " + type.stage() + " in the window: reconcile a shorter window");
            }
            listed.add(mapping.of(type, object));
            progress.read(type, listed.size());
        }
        return listed;
    }

    private static Listed paymentIntent(ObjectType type, PaymentIntent intent) {
        Map<String, String> references = new HashMap<>();
        put(references, "payflow_payment_id", metadata(intent.getMetadata(), "payflow_payment_id"));
        return new Listed(type, intent.getId(), amount(intent.getAmount()), currency(intent.getCurrency()), text(intent.getStatus()),
                created(intent.getCreated()), references);
    }

    private static Listed charge(ObjectType type, Charge charge) {
        Map<String, String> references = new HashMap<>();
        put(references, "payment_intent", charge.getPaymentIntent());
        put(references, "balance_transaction", charge.getBalanceTransaction());
        return new Listed(type, charge.getId(), amount(charge.getAmount()), currency(charge.getCurrency()), text(charge.getStatus()),
                created(charge.getCreated()), references);
    }

    private static Listed refund(ObjectType type, Refund refund) {
        Map<String, String> references = new HashMap<>();
        put(references, "payment_intent", refund.getPaymentIntent());
        put(references, "charge", refund.getCharge());
        return new Listed(type, refund.getId(), amount(refund.getAmount()), currency(refund.getCurrency()), text(refund.getStatus()),
                created(refund.getCreated()), references);
    }

    private static Listed dispute(ObjectType type, Dispute dispute) {
        Map<String, String> references = new HashMap<>();
        put(references, "payment_intent", dispute.getPaymentIntent());
        put(references, "charge", dispute.getCharge());
        return new Listed(type, dispute.getId(), amount(dispute.getAmount()), currency(dispute.getCurrency()), text(dispute.getStatus()),
                created(dispute.getCreated()), references);
    }

    private static Listed transfer(ObjectType type, Transfer transfer) {
        Map<String, String> references = new HashMap<>();
        put(references, "destination", transfer.getDestination());
        put(references, "transfer_group", transfer.getTransferGroup());
        put(references, "payflow_payout_id", metadata(transfer.getMetadata(), "payflow_payout_id"));
        // A transfer is made, or reversed (wholly: a partial reversal is still "made" here and shows as an amount to check by hand).
        String status = Boolean.TRUE.equals(transfer.getReversed()) ? "reversed" : "made";
        return new Listed(type, transfer.getId(), amount(transfer.getAmount()), currency(transfer.getCurrency()), status,
                created(transfer.getCreated()), references);
    }

    private static Listed payout(ObjectType type, Payout payout, Optional<String> stripeAccount) {
        Map<String, String> references = new HashMap<>();
        put(references, "account", stripeAccount.orElse(""));
        put(references, "payflow_payout_id", metadata(payout.getMetadata(), "payflow_payout_id"));
        return new Listed(type, payout.getId(), amount(payout.getAmount()), currency(payout.getCurrency()), text(payout.getStatus()),
                created(payout.getCreated()), references);
    }

    private static Listed balanceTransaction(ObjectType type, BalanceTransaction transaction) {
        Map<String, String> references = new HashMap<>();
        put(references, "type", transaction.getType());
        put(references, "source", transaction.getSource());
        put(references, "fee", String.valueOf(amount(transaction.getFee())));
        put(references, "net", String.valueOf(amount(transaction.getNet())));
        put(references, "description", transaction.getDescription());
        return new Listed(type, transaction.getId(), amount(transaction.getAmount()), currency(transaction.getCurrency()),
                text(transaction.getStatus()), created(transaction.getCreated()), references);
    }

    private static void put(Map<String, String> references, String name, String value) {
        if (value != null && !value.isEmpty()) {
            references.put(name, value);
        }
    }

    private static String metadata(Map<String, String> metadata, String key) {
        return metadata == null ? null : metadata.get(key);
    }

    private static long amount(Long value) {
        return value == null ? 0 : value;
    }

    private static String currency(String value) {
        return value == null ? "" : value.toUpperCase(Locale.ROOT);
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }

    private static Instant created(Long epochSecond) {
        return Instant.ofEpochSecond(epochSecond == null ? 0 : epochSecond);
    }
}
