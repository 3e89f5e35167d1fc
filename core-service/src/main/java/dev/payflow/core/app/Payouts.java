package dev.payflow.core.app;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Payout;
import dev.payflow.core.domain.PayoutStatus;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.gateway.PayoutProvider;
import dev.payflow.core.gateway.PayoutProviders;
import dev.payflow.core.gateway.SimulatedConnect;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.ConnectedAccountRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.PayoutRepository;
import dev.payflow.core.webhook.PayoutEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payouts: money from a wallet to the bank account of one of the partner's connected accounts.
 *
 * <p>{@link #create} holds the money out of the wallet (wallet to {@code payouts_in_transit}) and
 * records the payout in the one database transaction that claims the partner's key, and commits.
 * Everything at the gateway then happens in {@link #advance}, a step function that the request
 * calls once and the payout worker ({@link #advanceDue}) calls for every payout whose next step is
 * due: each step calls the gateway outside any transaction with a key derived from our id and the
 * step, then records the answer under the payout's row lock. The steps, in order:
 * <ol>
 * <li>transfer to the connected account ({@code <pout>:transfer}); booked payouts_in_transit to
 * gateway_clearing, as the gateway takes the money from the platform's balance now. A Standard
 * account pays out on its own: its payout is {@code paid} here;</li>
 * <li>(Express) the bank payout on the connected account ({@code <pout>:payout}): {@code in_transit};</li>
 * <li>(failed or cancelled) the transfer is reversed ({@code <pout>:reverse}) and the money booked
 * back to the wallet.</li>
 * </ol>
 * The gateway's later news (webhooks, or recovery asking) goes through {@link #observe}, which
 * applies a status only if {@link PayoutStatus#canBecome} allows it, so events that arrive twice
 * or out of order change nothing twice. A crash between any two steps leaves a payout whose
 * {@code next_attempt_at} has come, and the worker takes the step again with the same key.
 */
public final class Payouts {
    private static final Logger LOG = LoggerFactory.getLogger(Payouts.class);
    /** The operation recorded on the partner's key. */
    static final String CREATE_OPERATION = "CreatePayout";
    /** What the gateway keeps on its transfer and payout, so that its events lead back to us. */
    public static final String METADATA_PAYOUT_ID = "payflow_payout_id";
    /**
     * A simulated connected account whose metadata has this key (a failure code as its value, e.g.
     * {@code "account_closed"}) is a recipient created to fail: its payouts go in transit and then
     * fail at the simulated bank with that code, as Stripe's test bank accounts do.
     */
    public static final String SIMULATED_FAILURE_METADATA_KEY = "simulatedPayoutFailure";
    /** The partner's ids of its users are short; 255 is the connected accounts' own bound. */
    static final int EXTERNAL_USER_ID_LENGTH_MAX = 255;
    /**
     * How long a step may take before the worker takes it again: longer than one gateway call
     * with stripe-java's retries (about two minutes at worst), so a live step is never doubled.
     */
    public static final Duration STEP_LEASE = Duration.ofMinutes(5);
    /** A refused or unanswered step is tried again after this, doubled each time up to {@link #RETRY_DELAY_MAX}. */
    static final Duration RETRY_DELAY_FIRST = Duration.ofMinutes(1);
    /** Stripe's balance recovers within hours (new charges becoming available): hourly retries are enough, and cheap. */
    static final Duration RETRY_DELAY_MAX = Duration.ofHours(1);
    /**
     * A transfer refused for {@code balance_insufficient} is retried (never failed at once) this
     * many times, about two days with the backoff above; then the payout fails and the money
     * returns to the wallet.
     */
    static final int ATTEMPTS_MAX = 50;
    /** Stripe keeps idempotency keys for 24 h: past this, a retried transfer first looks for the one it may have made. */
    static final Duration RESEND_WITHIN = Duration.ofHours(23);
    /** Payouts a worker run takes: each is one or two gateway calls, so a run stays well under a minute. */
    static final int RUN_SIZE_MAX = 50;
    /** Steps one advance takes at most (transfer, payout, reversal, return): a bound on a loop that should end by itself. */
    private static final int STEPS_MAX = 4;

    private final Database database;
    private final Services services;
    private final LedgerEngine ledger;
    private final PayoutProviders providers;
    private final PayoutRepository payouts;
    private final ConnectedAccountRepository accounts;
    private final PayoutEvents events;
    private final Duration askGatewayAfter;

    /**
     * @param askGatewayAfter how long after its expected arrival (or its last news) a payout in
     *                        transit at Stripe is asked about, if no webhook settled it
     */
    public Payouts(Database database, Services services, LedgerEngine ledger, PayoutProviders providers, PayoutRepository payouts,
            ConnectedAccountRepository accounts, PayoutEvents events, Duration askGatewayAfter) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.providers = Objects.requireNonNull(providers, "providers");
        this.payouts = Objects.requireNonNull(payouts, "payouts");
        this.accounts = Objects.requireNonNull(accounts, "accounts");
        this.events = Objects.requireNonNull(events, "events");
        this.askGatewayAfter = Objects.requireNonNull(askGatewayAfter, "askGatewayAfter");
    }

    /** Where a payout goes: a connected account by its id, or the account of the partner's user. Exactly one is given. */
    public record Destination(Optional<String> connectedAccountId, Optional<String> externalUserId) {
        public Destination {
            Objects.requireNonNull(connectedAccountId, "connectedAccountId");
            Objects.requireNonNull(externalUserId, "externalUserId");
            if (connectedAccountId.isPresent() == externalUserId.isPresent()) {
                throw new IllegalArgumentException("exactly one of connectedAccountId, externalUserId");
            }
        }

        /** Validates: exactly one of the two, each of its own shape. */
        public static Destination of(boolean given, String connectedAccountId, String externalUserId) {
            boolean byId = connectedAccountId != null && !connectedAccountId.isEmpty();
            boolean byUser = externalUserId != null && !externalUserId.isEmpty();
            if (!given || (!byId && !byUser)) {
                throw PayflowException.of(ErrorReason.MISSING_FIELD,
                        "destination is required (expected: {\"connectedAccountId\": \"con_...\"} or {\"externalUserId\": \"...\"})");
            }
            if (byId && byUser) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD,
                        "destination: both connectedAccountId and externalUserId are given (expected: exactly one)");
            }
            return byId ? new Destination(Optional.of(Ids.require(connectedAccountId, IdPrefix.CONNECTED_ACCOUNT,
                    "destination.connectedAccountId")), Optional.empty())
                    : new Destination(Optional.empty(), Optional.of(Fields.required(externalUserId, "destination.externalUserId",
                            EXTERNAL_USER_ID_LENGTH_MAX)));
        }
    }

    /** What a payout asks for, validated in the contract's order of precedence (the order of {@link #of}'s arguments). */
    public record CreateTerms(String walletId, Money amount, String description, Destination destination, Metadata metadata) {
        public CreateTerms {
            Objects.requireNonNull(walletId, "walletId");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(metadata, "metadata");
        }

        /** Validates, in order: wallet id, currency, amount, description, destination, metadata. */
        public static CreateTerms of(String walletId, String amount, String currency, String description, boolean destinationGiven,
                String connectedAccountId, String externalUserId, Metadata metadata) {
            String wallet = Ids.require(walletId, IdPrefix.WALLET, "walletId");
            Money money = Money.parsePositive(amount, CurrencyUnit.of(currency));
            String text = MovementTerms.description(description);
            Destination destination = Destination.of(destinationGiven, connectedAccountId, externalUserId);
            return new CreateTerms(wallet, money, text, destination, metadata.validated());
        }

        private Object[] fingerprint() {
            return new Object[] {walletId, amount.minorUnits(), amount.currency(), description, destination.connectedAccountId().orElse(""),
                    destination.externalUserId().orElse(""), metadata.json()};
        }
    }

    /**
     * Creates a payout and takes its first steps at the gateway; a replay (same key, same terms)
     * returns the payout as it is now. {@code causeId} is the request id, kept in the history.
     */
    public Payout create(PartnerScope scope, CreateTerms terms, IdempotencyKey key, String causeId) {
        ConnectedAccount account = recipient(scope, terms.destination());
        PayoutProvider provider = providers.of(scope.livemode(), account.provider()).orElseThrow(() -> PayflowException.of(
                ErrorReason.GATEWAY_NOT_CONFIGURED, "connected account %s is held by %s, which is not configured in this mode", account.id(),
                account.provider()));
        String payoutId = services.ids().next(IdPrefix.PAYOUT);
        LedgerAccount inTransit = new LedgerAccount.System(SystemAccountKind.PAYOUTS_IN_TRANSIT, provider.name());
        Movement hold = Movement.of(CREATE_OPERATION, key, new Instruction.Post(TransactionType.PAYOUT, terms.amount(),
                new LedgerAccount.Wallet(terms.walletId()), inTransit, terms.description().isEmpty() ? "Payout " + payoutId : terms.description(),
                terms.metadata().json(), provider.name(), Instruction.GatewayReference.NONE), terms.fingerprint());
        record Recorded(Optional<Payout> created, Optional<Payout> replayed, Optional<PayflowException> refusal) {
        }
        Recorded recorded = database.inTransaction(tx -> {
            LedgerEngine.Outcome outcome = ledger.bookWithin(tx, scope, hold);
            if (outcome.refusal().isPresent()) {
                // Recorded on the key (the transaction commits), so the replay answers the same.
                return new Recorded(Optional.empty(), Optional.empty(), outcome.refusal());
            }
            LedgerTransaction booked = outcome.booking().orElseThrow().requireTransaction();
            Optional<Payout> earlier = payouts.findByHoldTransaction(tx, scope, booked.id());
            if (earlier.isPresent()) {
                return new Recorded(Optional.empty(), earlier, Optional.empty());
            }
            Instant now = services.now();
            // Due after one lease: if this process dies before its first step, the worker takes it then.
            Payout payout = new Payout(payoutId, scope, terms.walletId(), account.id(), account.externalUserId(), provider.name(),
                    account.providerAccountId().orElseThrow(), account.type(), PayoutStatus.PENDING, terms.amount(), terms.description(),
                    key.value(), terms.metadata().json(), booked.id(), Optional.empty(), false, Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
                    Optional.of(now.plus(STEP_LEASE)), now, now, List.of(new Payout.StatusChange(PayoutStatus.PENDING, now, Payout.Cause.API,
                            causeId, "")));
            payouts.insert(tx, payout);
            return new Recorded(Optional.of(payout), Optional.empty(), Optional.empty());
        });
        if (recorded.refusal().isPresent()) {
            throw recorded.refusal().get();
        }
        if (recorded.replayed().isPresent()) {
            return recorded.replayed().get();
        }
        // Committed: the money is held. From here a crash leaves a pending payout the worker finishes.
        Payout created = recorded.created().orElseThrow();
        try {
            advance(created.scope(), created.id());
        } catch (RuntimeException e) {
            LOG.error("payout {}: its first steps failed; the payout worker takes them again", created.id(), e);
        }
        return payouts.find(database.reader(), scope, created.id()).orElseThrow();
    }

    /** The partner's connected account the destination names, if it can take payouts now. */
    private ConnectedAccount recipient(PartnerScope scope, Destination destination) {
        Optional<ConnectedAccount> found = destination.connectedAccountId().isPresent()
                ? accounts.find(database.reader(), scope, destination.connectedAccountId().get())
                : accounts.findByExternalUser(database.reader(), scope, destination.externalUserId().get());
        ConnectedAccount account = found.orElseThrow(() -> PayflowException.of(ErrorReason.CONNECT_ACCOUNT_NOT_FOUND,
                "connected account %s not found", destination.connectedAccountId().map(id -> id)
                        .orElseGet(() -> "of external user " + destination.externalUserId().get())));
        if (account.isDisconnected() || account.providerAccountId().isEmpty() || !account.payoutsEnabled()) {
            throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_NOT_READY, "connected account %s cannot take payouts yet (status %s, "
                    + "payoutsEnabled %s): finish its onboarding first", account.id(), account.status().wireName(), account.payoutsEnabled());
        }
        return account;
    }

    // --- The steps at the gateway ------------------------------------------------------------

    /** The worker: takes the next step of every payout that is due, a bounded run. Returns how many it took. */
    public int advanceDue() {
        Instant now = services.now();
        List<Payout> leased = database.inTransaction(tx -> payouts.leaseDue(tx, now, now.plus(STEP_LEASE), RUN_SIZE_MAX));
        for (Payout payout : leased) {
            try {
                advance(payout.scope(), payout.id());
            } catch (RuntimeException e) {
                // The lease runs out and the next run takes the step again, with the same key.
                LOG.error("payout {}: step failed", payout.id(), e);
            }
        }
        return leased.size();
    }

    /** Takes the payout's next steps at the gateway until one waits (for the gateway, the bank, or a retry). */
    void advance(PartnerScope scope, String payoutId) {
        for (int step = 0; step < STEPS_MAX; step++) {
            Payout payout = payouts.find(database.reader(), scope, payoutId).orElseThrow();
            Optional<PayoutProvider> provider = providers.of(scope.livemode(), payout.provider());
            if (provider.isEmpty() || !provider.get().acceptsCalls()) {
                reschedule(payout, "the gateway " + payout.provider() + " is not taking calls now");
                return;
            }
            boolean goOn;
            if (payout.status().returnsMoney()) {
                goOn = giveMoneyBack(provider.get(), payout);
            } else if (payout.status() == PayoutStatus.PENDING && payout.providerTransferId().isEmpty()) {
                goOn = transfer(provider.get(), payout);
            } else if (payout.status() == PayoutStatus.PENDING && payout.paysOutToBank() && payout.providerPayoutId().isEmpty()) {
                goOn = payOut(provider.get(), payout);
            } else if (payout.status() == PayoutStatus.IN_TRANSIT && payout.providerPayoutId().isPresent()) {
                goOn = askAboutBankPayout(provider.get(), payout);
            } else {
                clearSchedule(payout);
                goOn = false;
            }
            if (!goOn) {
                return;
            }
        }
    }

    /** Step 1: the transfer to the connected account. */
    private boolean transfer(PayoutProvider provider, Payout payout) {
        PayoutProvider.Outcome<PayoutProvider.Transfer> outcome = null;
        if (Duration.between(payout.createdAt(), services.now()).compareTo(RESEND_WITHIN) > 0) {
            // Past Stripe's idempotency window the key no longer protects us: look for the transfer first.
            PayoutProvider.Outcome<Optional<PayoutProvider.Transfer>> found = provider.findTransfer(payout.providerAccountId(), payout.id());
            if (found instanceof PayoutProvider.Outcome.Answered<Optional<PayoutProvider.Transfer>> answered && answered.value().isPresent()) {
                outcome = new PayoutProvider.Outcome.Answered<>(answered.value().get());
            } else if (!(found instanceof PayoutProvider.Outcome.Answered<?>)) {
                reschedule(payout, "could not look for the transfer: " + found);
                return false;
            }
        }
        if (outcome == null) {
            Optional<String> source = provider.name().equals(SimulatedConnect.NAME) ? Optional.empty()
                    : payouts.findFundingCharge(database.reader(), payout.scope(), payout.walletId(), provider.name(),
                            payout.amount().minorUnits());
            outcome = provider.createTransfer(new PayoutProvider.CreateTransfer(payout.id(), payout.amount(), payout.providerAccountId(),
                    source, payout.description(), gatewayMetadata(payout), payout.id() + ":transfer"));
        }
        PayoutProvider.Outcome<PayoutProvider.Transfer> answer = outcome;
        return database.inTransaction(tx -> {
            Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
            if (locked.providerTransferId().isPresent()) {
                return true; // Recorded by another step meanwhile: go on from what it wrote.
            }
            Instant now = services.now();
            Payout.Edit edit = locked.edit();
            if (answer instanceof PayoutProvider.Outcome.Answered<PayoutProvider.Transfer> made) {
                edit.providerTransferId = Optional.of(made.value().providerTransferId());
                edit.attempts = 0;
                edit.nextAttemptAt = Optional.of(now);
                if (locked.status().returnsMoney()) {
                    // Cancelled while the transfer was on its way: it is reversed, never booked.
                    payouts.update(tx, locked, edit.build(now), Optional.empty());
                    return true;
                }
                bookTransfer(tx, locked, made.value().providerTransferId());
                edit.transferBooked = true;
                if (!locked.paysOutToBank()) {
                    // A Standard account pays out on its own: for PayFlow the payout is done once the money is on the account.
                    edit.status = PayoutStatus.PAID;
                    edit.nextAttemptAt = Optional.empty();
                    change(tx, locked, edit.build(now), Payout.Cause.GATEWAY, "", "transferred " + made.value().providerTransferId());
                    return false;
                }
                payouts.update(tx, locked, edit.build(now), Optional.empty());
                return true;
            }
            if (answer instanceof PayoutProvider.Outcome.Refused<PayoutProvider.Transfer> refused) {
                if (refused.code().equals("balance_insufficient") && locked.attempts() + 1 < ATTEMPTS_MAX) {
                    // Stripe's balance is short for now (card money not available yet): wait and try again, visibly.
                    edit.attempts = locked.attempts() + 1;
                    edit.nextAttemptAt = Optional.of(now.plus(backoff(edit.attempts)));
                    payouts.update(tx, locked, edit.build(now), Optional.of(new Payout.StatusChange(locked.status(), now, Payout.Cause.GATEWAY,
                            "", detail(refused.code() + ": " + refused.message() + "; retried at " + edit.nextAttemptAt.get()))));
                    return false;
                }
                fail(tx, locked, edit, refused.code(), refused.message(), Payout.Cause.GATEWAY, "");
                return true;
            }
            PayoutProvider.Outcome.Unknown<PayoutProvider.Transfer> unknown = (PayoutProvider.Outcome.Unknown<PayoutProvider.Transfer>) answer;
            LOG.warn("payout {}: the transfer's outcome is unknown ({}); asked again with the same key", locked.id(), unknown.why());
            edit.attempts = locked.attempts() + 1;
            edit.nextAttemptAt = Optional.of(now.plus(backoff(edit.attempts)));
            payouts.update(tx, locked, edit.build(now), Optional.empty());
            return false;
        });
    }

    /** Step 2 (Express accounts): the payout from the connected account's balance to its bank. */
    private boolean payOut(PayoutProvider provider, Payout payout) {
        PayoutProvider.Outcome<PayoutProvider.BankPayout> answer = provider.createPayout(new PayoutProvider.CreatePayout(payout.id(),
                payout.amount(), payout.providerAccountId(), payout.description(), gatewayMetadata(payout), simulatedFailure(payout),
                payout.id() + ":payout"));
        return database.inTransaction(tx -> {
            Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
            if (locked.providerPayoutId().isPresent()) {
                return true;
            }
            Instant now = services.now();
            Payout.Edit edit = locked.edit();
            if (answer instanceof PayoutProvider.Outcome.Answered<PayoutProvider.BankPayout> made) {
                edit.providerPayoutId = Optional.of(made.value().providerPayoutId());
                edit.attempts = 0;
                if (locked.status().returnsMoney()) {
                    // Cancelled while the payout was being made: it is cancelled at the gateway before the transfer is reversed.
                    edit.providerPayoutStatus = Optional.of(made.value().status());
                    edit.nextAttemptAt = Optional.of(now);
                    payouts.update(tx, locked, edit.build(now), Optional.empty());
                    return true;
                }
                applyBankPayout(tx, locked, edit, made.value(), Payout.Cause.GATEWAY, "");
                return false;
            }
            if (answer instanceof PayoutProvider.Outcome.Refused<PayoutProvider.BankPayout> refused) {
                fail(tx, locked, edit, refused.code(), refused.message(), Payout.Cause.GATEWAY, "");
                return true;
            }
            LOG.warn("payout {}: the bank payout's outcome is unknown ({}); asked again with the same key", locked.id(),
                    ((PayoutProvider.Outcome.Unknown<PayoutProvider.BankPayout>) answer).why());
            edit.attempts = locked.attempts() + 1;
            edit.nextAttemptAt = Optional.of(now.plus(backoff(edit.attempts)));
            payouts.update(tx, locked, edit.build(now), Optional.empty());
            return false;
        });
    }

    /** A payout in transit that no webhook settled by its time: the gateway is asked (recovery; and the simulated bank's answer). */
    private boolean askAboutBankPayout(PayoutProvider provider, Payout payout) {
        PayoutProvider.Outcome<PayoutProvider.BankPayout> answer = provider.retrievePayout(payout.providerAccountId(),
                payout.providerPayoutId().orElseThrow());
        return database.inTransaction(tx -> {
            Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
            Instant now = services.now();
            if (answer instanceof PayoutProvider.Outcome.Answered<PayoutProvider.BankPayout> seen) {
                observe(tx, locked, seen.value(), Payout.Cause.RECOVERY, "");
                return payouts.find(tx, locked.scope(), locked.id()).orElseThrow().owesMoneyBack();
            }
            Payout.Edit edit = locked.edit();
            edit.nextAttemptAt = Optional.of(now.plus(backoff(locked.attempts() + 1)));
            edit.attempts = locked.attempts() + 1;
            payouts.update(tx, locked, edit.build(now), Optional.empty());
            return false;
        });
    }

    /**
     * Step 3 (failed or cancelled): cancels a bank payout still open at the gateway, reverses the
     * transfer, then books the money back to the wallet; each only if not done yet.
     */
    private boolean giveMoneyBack(PayoutProvider provider, Payout payout) {
        if (payout.providerPayoutId().isPresent() && payout.status() == PayoutStatus.CANCELLED
                && payout.providerPayoutStatus().filter(status -> status.equals("canceled") || status.equals("failed")).isEmpty()) {
            PayoutProvider.Outcome<PayoutProvider.BankPayout> cancelled = provider.cancelPayout(payout.providerAccountId(),
                    payout.providerPayoutId().get(), payout.id() + ":cancel");
            if (!(cancelled instanceof PayoutProvider.Outcome.Answered<PayoutProvider.BankPayout> answered)) {
                LOG.error("payout {}: cancelled here, but its bank payout {} could not be cancelled at {} ({}); tried again later",
                        payout.id(), payout.providerPayoutId().get(), payout.provider(), cancelled);
                reschedule(payout, "cancel of the bank payout: " + cancelled);
                return false;
            }
            database.inTransaction(tx -> {
                Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
                Payout.Edit edit = locked.edit();
                edit.providerPayoutStatus = Optional.of(answered.value().status());
                payouts.update(tx, locked, edit.build(services.now()), Optional.empty());
                return null;
            });
            return true;
        }
        if (payout.providerTransferId().isPresent() && payout.providerTransferReversalId().isEmpty()) {
            PayoutProvider.Outcome<String> reversed = provider.reverseTransfer(payout.providerTransferId().get(), payout.amount(),
                    gatewayMetadata(payout), payout.id() + ":reverse");
            return database.inTransaction(tx -> {
                Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
                if (locked.providerTransferReversalId().isPresent()) {
                    return true;
                }
                Instant now = services.now();
                Payout.Edit edit = locked.edit();
                if (reversed instanceof PayoutProvider.Outcome.Answered<String> made) {
                    edit.providerTransferReversalId = Optional.of(made.value());
                    payouts.update(tx, locked, edit.build(now), Optional.empty());
                    return true;
                }
                // Refused (the money is not back on the connected account yet, after a bank return) or unknown: later, visibly.
                edit.attempts = locked.attempts() + 1;
                edit.nextAttemptAt = Optional.of(now.plus(backoff(edit.attempts)));
                payouts.update(tx, locked, edit.build(now), reversed instanceof PayoutProvider.Outcome.Refused<String> refused
                        ? Optional.of(new Payout.StatusChange(locked.status(), now, Payout.Cause.GATEWAY, "",
                                detail("transfer reversal refused: " + refused.code() + ": " + refused.message())))
                        : Optional.empty());
                return false;
            });
        }
        if (payout.status() == PayoutStatus.CANCELLED && payout.providerTransferId().isEmpty() && !provider.name().equals(SimulatedConnect.NAME)) {
            // Cancelled before its transfer was recorded: a transfer call may still have reached the gateway (its answer lost in a
            // crash, or still on its way). Look for it now and once more after a step's lease; one found is reversed.
            Instant cancelledAt = payout.statusHistory().get(payout.statusHistory().size() - 1).at();
            PayoutProvider.Outcome<Optional<PayoutProvider.Transfer>> found = provider.findTransfer(payout.providerAccountId(), payout.id());
            if (!(found instanceof PayoutProvider.Outcome.Answered<Optional<PayoutProvider.Transfer>> answered)) {
                reschedule(payout, "could not look for a transfer of the cancelled payout: " + found);
                return false;
            }
            boolean recorded = database.inTransaction(tx -> {
                Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
                Instant now = services.now();
                Payout.Edit edit = locked.edit();
                if (locked.providerTransferId().isPresent()) {
                    return true;
                }
                if (answered.value().isPresent()) {
                    edit.providerTransferId = Optional.of(answered.value().get().providerTransferId());
                    edit.nextAttemptAt = Optional.of(now);
                    payouts.update(tx, locked, edit.build(now), Optional.empty());
                    return true;
                }
                Instant lookAgainAt = cancelledAt.plus(STEP_LEASE);
                edit.nextAttemptAt = now.isBefore(lookAgainAt) ? Optional.of(lookAgainAt) : Optional.empty();
                payouts.update(tx, locked, edit.build(now), Optional.empty());
                return false;
            });
            return recorded;
        }
        database.inTransaction(tx -> {
            Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
            Payout.Edit edit = locked.edit();
            if (locked.owesMoneyBack() && (locked.providerTransferId().isEmpty() || locked.providerTransferReversalId().isPresent())) {
                edit.returnTransactionId = Optional.of(bookReturn(tx, locked));
            }
            edit.nextAttemptAt = Optional.empty();
            payouts.update(tx, locked, edit.build(services.now()), Optional.empty());
            return null;
        });
        return false;
    }

    // --- Cancel ------------------------------------------------------------------------------

    /**
     * Cancels a payout the bank has not taken: before its transfer, the money is back in the
     * wallet at once; after it, the gateway's payout (if made) is cancelled there first, then the
     * transfer is reversed and the money booked back. A cancelled payout is returned as it is.
     */
    public Payout cancel(PartnerScope scope, String idText, String causeId) {
        String payoutId = Ids.require(idText, IdPrefix.PAYOUT, "id");
        Payout payout = payouts.find(database.reader(), scope, payoutId).orElseThrow(() -> notFound(payoutId));
        if (payout.status() == PayoutStatus.CANCELLED) {
            return payout;
        }
        requireCancellable(payout);
        if (payout.providerPayoutId().isPresent()) {
            // Stripe has the payout: only Stripe can say whether the bank has taken it yet.
            PayoutProvider provider = providers.of(scope.livemode(), payout.provider()).orElseThrow();
            PayoutProvider.Outcome<PayoutProvider.BankPayout> answer = provider.cancelPayout(payout.providerAccountId(),
                    payout.providerPayoutId().get(), payout.id() + ":cancel");
            if (answer instanceof PayoutProvider.Outcome.Refused<PayoutProvider.BankPayout> refused) {
                throw PayflowException.of(ErrorReason.PAYOUT_NOT_CANCELLABLE, "payout %s: the bank has taken it (%s: %s)", payoutId,
                        refused.code(), refused.message());
            }
            if (answer instanceof PayoutProvider.Outcome.Unknown<PayoutProvider.BankPayout> unknown) {
                throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE, "payout %s: %s did not answer the cancel (%s); retry", payoutId,
                        payout.provider(), unknown.why());
            }
            PayoutProvider.BankPayout cancelled = ((PayoutProvider.Outcome.Answered<PayoutProvider.BankPayout>) answer).value();
            database.inTransaction(tx -> {
                Payout locked = payouts.findForUpdate(tx, scope, payoutId).orElseThrow();
                Payout.Edit edit = locked.edit();
                edit.providerPayoutStatus = Optional.of(cancelled.status());
                if (locked.status().canBecome(PayoutStatus.CANCELLED)) {
                    edit.status = PayoutStatus.CANCELLED;
                    edit.nextAttemptAt = Optional.of(services.now());
                    change(tx, locked, edit.build(services.now()), Payout.Cause.API, causeId, "cancelled at " + locked.provider());
                } else {
                    payouts.update(tx, locked, edit.build(services.now()), Optional.empty());
                }
                return null;
            });
        } else {
            database.inTransaction(tx -> {
                Payout locked = payouts.findForUpdate(tx, scope, payoutId).orElseThrow();
                if (locked.status() == PayoutStatus.CANCELLED) {
                    return null;
                }
                requireCancellable(locked);
                if (locked.providerPayoutId().isPresent()) {
                    throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_IN_USE, "payout %s is being handed to the bank right now; retry",
                            payoutId);
                }
                Instant now = services.now();
                Payout.Edit edit = locked.edit();
                edit.status = PayoutStatus.CANCELLED;
                if (locked.providerTransferId().isEmpty()) {
                    // Nothing left PayFlow yet: the money is back at once. A transfer that answers later is reversed, never booked.
                    edit.returnTransactionId = Optional.of(bookReturn(tx, locked));
                }
                {
                    edit.nextAttemptAt = Optional.of(now);
                }
                change(tx, locked, edit.build(now), Payout.Cause.API, causeId, "");
                return null;
            });
        }
        try {
            advance(scope, payoutId);
        } catch (RuntimeException e) {
            LOG.error("payout {}: cancelled; giving the money back failed for now, the worker tries again", payoutId, e);
        }
        return payouts.find(database.reader(), scope, payoutId).orElseThrow();
    }

    private static void requireCancellable(Payout payout) {
        boolean bankHasIt = payout.providerPayoutStatus().filter(status -> !status.equals("pending")).isPresent();
        boolean transferOnlyDone = !payout.paysOutToBank() && payout.providerTransferId().isPresent();
        if (!payout.status().canBecome(PayoutStatus.CANCELLED) || bankHasIt || transferOnlyDone) {
            throw PayflowException.of(ErrorReason.PAYOUT_NOT_CANCELLABLE, "payout %s is %s%s and can no longer be cancelled", payout.id(),
                    payout.status().wireName(), payout.providerPayoutStatus().map(status -> " (" + status + " at the gateway)").orElse(""));
        }
    }

    // --- What the gateway reports ----------------------------------------------------------------

    /**
     * Applies what the gateway says of a payout's bank payout (a webhook, or recovery asking),
     * under its row lock: the status moves only where {@link PayoutStatus#canBecome} allows, so a
     * repeated or late event changes nothing; a failure schedules the return of the money.
     */
    public void observe(DSLContext tx, Payout locked, PayoutProvider.BankPayout seen, Payout.Cause cause, String causeId) {
        Payout.Edit edit = locked.edit();
        if (locked.providerPayoutId().isEmpty()) {
            edit.providerPayoutId = Optional.of(seen.providerPayoutId());
        }
        applyBankPayout(tx, locked, edit, seen, cause, causeId);
    }

    /** A {@code transfer.reversed} event: a reversal made at the gateway (by us, or in its dashboard) is the start of giving the money back. */
    public void observeTransferReversed(DSLContext tx, Payout locked, String reversalId, String causeId) {
        if (locked.providerTransferReversalId().isPresent()) {
            return;
        }
        Instant now = services.now();
        Payout.Edit edit = locked.edit();
        edit.providerTransferReversalId = Optional.of(reversalId);
        edit.nextAttemptAt = Optional.of(now);
        if (locked.status().canBecome(PayoutStatus.FAILED)) {
            fail(tx, locked, edit, "transfer_reversed", "the transfer to the connected account was reversed at the gateway",
                    Payout.Cause.WEBHOOK, causeId);
        } else {
            payouts.update(tx, locked, edit.build(now), Optional.empty());
        }
    }

    private void applyBankPayout(DSLContext tx, Payout locked, Payout.Edit edit, PayoutProvider.BankPayout seen, Payout.Cause cause,
            String causeId) {
        Instant now = services.now();
        edit.providerPayoutStatus = Optional.of(seen.status());
        if (seen.arrivalDate().isPresent()) {
            edit.arrivalDate = seen.arrivalDate();
        }
        PayoutStatus target = switch (seen.status()) {
            case "paid" -> PayoutStatus.PAID;
            case "failed" -> PayoutStatus.FAILED;
            case "canceled" -> PayoutStatus.CANCELLED;
            default -> PayoutStatus.IN_TRANSIT;
        };
        if (target == locked.status() || !locked.status().canBecome(target)) {
            if (target == PayoutStatus.IN_TRANSIT && locked.status() == PayoutStatus.IN_TRANSIT) {
                edit.nextAttemptAt = Optional.of(askAt(locked, edit.arrivalDate, now));
            }
            payouts.update(tx, locked, edit.build(now), Optional.empty());
            return;
        }
        if (target == PayoutStatus.FAILED || target == PayoutStatus.CANCELLED) {
            edit.status = target;
            edit.failureCode = seen.failureCode().or(() -> Optional.of(target == PayoutStatus.FAILED ? "payout_failed" : "payout_canceled"));
            edit.failureMessage = seen.failureMessage().map(Payouts::detail);
            edit.nextAttemptAt = Optional.of(now);
            change(tx, locked, edit.build(now), cause, causeId, seen.failureCode().orElse(""));
            return;
        }
        edit.status = target;
        edit.nextAttemptAt = target == PayoutStatus.PAID ? Optional.empty() : Optional.of(askAt(locked, edit.arrivalDate, now));
        change(tx, locked, edit.build(now), cause, causeId, "");
    }

    /** When a payout in transit is asked about: the simulated bank at its arrival, Stripe's a while after (its webhook comes first). */
    private Instant askAt(Payout payout, Optional<Instant> arrivalDate, Instant now) {
        Instant arrival = arrivalDate.filter(at -> at.isAfter(now)).orElse(now);
        return payout.provider().equals(SimulatedConnect.NAME) ? arrival : arrival.plus(askGatewayAfter);
    }

    /** The payout has failed: the money is owed back to the wallet (at once, if nothing reached the gateway). */
    private void fail(DSLContext tx, Payout locked, Payout.Edit edit, String code, String message, Payout.Cause cause, String causeId) {
        Instant now = services.now();
        edit.status = PayoutStatus.FAILED;
        edit.failureCode = Optional.of(detail(code));
        edit.failureMessage = Optional.of(detail(message));
        edit.nextAttemptAt = Optional.of(now);
        if (edit.providerTransferId.isEmpty() && locked.returnTransactionId().isEmpty()) {
            edit.returnTransactionId = Optional.of(bookReturn(tx, locked));
            edit.nextAttemptAt = Optional.empty();
        }
        change(tx, locked, edit.build(now), cause, causeId, code);
    }

    /** Writes a change of status with its line of history and, in the same transaction, the partner event it announces. */
    private void change(DSLContext tx, Payout before, Payout after, Payout.Cause cause, String causeId, String detail) {
        payouts.update(tx, before, after, Optional.of(new Payout.StatusChange(after.status(), after.updatedAt(), cause, causeId, detail(detail))));
        events.statusChanged(tx, before.status(), payouts.find(tx, after.scope(), after.id()).orElseThrow());
    }

    // --- The books -----------------------------------------------------------------------------

    /** The gateway took the money from the platform's balance: payouts in transit to gateway clearing. */
    private void bookTransfer(DSLContext tx, Payout payout, String providerTransferId) {
        ledger.bookWithin(tx, payout.scope(), Movement.of("PayoutTransfer", IdempotencyKey.system("payout", payout.id(), "transfer"),
                new Instruction.Post(TransactionType.PAYOUT, payout.amount(), inTransit(payout), clearing(payout),
                        "Transfer of payout " + payout.id(), "{}", payout.provider(), transactionId -> Optional.of(providerTransferId)),
                payout.id(), providerTransferId)).orThrow();
    }

    /**
     * The money back to the wallet, from where it is now: payouts in transit (no transfer booked)
     * or gateway clearing (the transfer was reversed). A wallet that cannot take it any more
     * (closed or frozen since) leaves it on the partner's settlement account, to sort out by hand.
     */
    private String bookReturn(DSLContext tx, Payout payout) {
        LedgerAccount from = payout.transferBooked() ? clearing(payout) : inTransit(payout);
        String description = "Return of payout " + payout.id() + " (" + payout.status().wireName() + ")";
        LedgerEngine.Outcome toWallet = ledger.bookWithin(tx, payout.scope(), Movement.of("PayoutReturn",
                IdempotencyKey.system("payout", payout.id(), "return"), new Instruction.Post(TransactionType.REVERSAL, payout.amount(), from,
                        new LedgerAccount.Wallet(payout.walletId()), description, "{}", payout.provider(), Instruction.GatewayReference.NONE),
                payout.id()));
        if (toWallet.booking().isPresent()) {
            return toWallet.booking().get().requireTransaction().id();
        }
        LOG.warn("payout {}: wallet {} refused the returned money ({}); it goes to the partner's settlement account", payout.id(),
                payout.walletId(), toWallet.refusal().orElseThrow().reason());
        return ledger.bookWithin(tx, payout.scope(), Movement.of("PayoutReturn", IdempotencyKey.system("payout", payout.id(),
                "return-to-settlement"), new Instruction.Post(TransactionType.REVERSAL, payout.amount(), from,
                        LedgerAccount.System.of(SystemAccountKind.SETTLEMENT), description + ", the wallet refused it", "{}", payout.provider(),
                        Instruction.GatewayReference.NONE), payout.id())).orThrow().requireTransaction().id();
    }

    private static LedgerAccount inTransit(Payout payout) {
        return new LedgerAccount.System(SystemAccountKind.PAYOUTS_IN_TRANSIT, payout.provider());
    }

    private static LedgerAccount clearing(Payout payout) {
        return new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, payout.provider());
    }

    // --- Scheduling ----------------------------------------------------------------------------

    private void reschedule(Payout payout, String why) {
        LOG.info("payout {}: next step later ({})", payout.id(), why);
        database.inTransaction(tx -> {
            Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
            Payout.Edit edit = locked.edit();
            edit.attempts = locked.attempts() + 1;
            edit.nextAttemptAt = Optional.of(services.now().plus(backoff(edit.attempts)));
            payouts.update(tx, locked, edit.build(services.now()), Optional.empty());
            return null;
        });
    }

    private void clearSchedule(Payout payout) {
        if (payout.nextAttemptAt().isEmpty()) {
            return;
        }
        database.inTransaction(tx -> {
            Payout locked = payouts.findForUpdate(tx, payout.scope(), payout.id()).orElseThrow();
            Payout.Edit edit = locked.edit();
            edit.nextAttemptAt = Optional.empty();
            payouts.update(tx, locked, edit.build(services.now()), Optional.empty());
            return null;
        });
    }

    /** 1, 2, 4, ... minutes, at most an hour. */
    static Duration backoff(int attempts) {
        int doublings = Math.max(0, Math.min(attempts - 1, 10));
        Duration delay = RETRY_DELAY_FIRST.multipliedBy(1L << doublings);
        return delay.compareTo(RETRY_DELAY_MAX) > 0 ? RETRY_DELAY_MAX : delay;
    }

    // --- Reads ---------------------------------------------------------------------------------

    public Payout get(PartnerScope scope, String idText) {
        String payoutId = Ids.require(idText, IdPrefix.PAYOUT, "id");
        return payouts.find(database.reader(), scope, payoutId).orElseThrow(() -> notFound(payoutId));
    }

    public Page<Payout> list(PartnerScope scope, Optional<PayoutStatus> status, String walletIdText, Optional<Instant> createdFrom,
            Optional<Instant> createdTo, int pageSize, String pageToken) {
        Optional<String> walletId = walletIdText == null || walletIdText.isEmpty() ? Optional.empty()
                : Optional.of(Ids.require(walletIdText, IdPrefix.WALLET, "walletId"));
        PageRequest page = PageRequest.of(pageSize, pageToken, "payouts|" + status.map(PayoutStatus::wireName).orElse("") + "|"
                + walletId.orElse("") + "|" + createdFrom.map(Instant::toString).orElse("") + "|" + createdTo.map(Instant::toString).orElse(""));
        return database.inTransaction(tx -> Pages.of(payouts.list(tx, scope, status, walletId, createdFrom, createdTo, page.afterId(),
                page.size()), page, Payout::id));
    }

    /** Any partner's payout, for operators (the admin API; never reachable with a partner key). */
    public Payout getOfAnyPartner(String idText) {
        String payoutId = Ids.require(idText, IdPrefix.PAYOUT, "id");
        return payouts.findOfAnyPartner(database.reader(), payoutId).orElseThrow(() -> notFound(payoutId));
    }

    /** Payouts across partners, newest first, for operators. */
    public Page<Payout> listAcrossPartners(dev.payflow.core.domain.AcrossPartners across, Optional<PayoutStatus> status, Optional<String> provider,
            int pageSize, String pageToken) {
        PageRequest page = PageRequest.of(pageSize, pageToken, "admin-payouts|" + across.key() + "|"
                + status.map(PayoutStatus::wireName).orElse("") + "|" + provider.orElse(""));
        return database.inTransaction(tx -> Pages.of(payouts.listAcrossPartners(tx, across, status, provider, page.afterId(), page.size()),
                page, Payout::id));
    }

    /** The payout a gateway event names (our id in its metadata, or its own id), locked; empty if none of ours. */
    public Optional<Payout> lockFromGateway(DSLContext tx, String provider, boolean livemode, Optional<String> providerAccountId,
            Optional<String> payoutId, Optional<String> providerPayoutId, Optional<String> providerTransferId) {
        return payouts.findForUpdateFromGateway(tx, provider, livemode, providerAccountId, payoutId, providerPayoutId, providerTransferId);
    }

    static PayflowException notFound(String payoutId) {
        return PayflowException.of(ErrorReason.PAYOUT_NOT_FOUND, "payout %s not found", payoutId);
    }

    private static Map<String, String> gatewayMetadata(Payout payout) {
        return Map.of(METADATA_PAYOUT_ID, payout.id(), "payflow_wallet_id", payout.walletId());
    }

    /** The failure a simulated recipient was created to fail with (its metadata {@value #SIMULATED_FAILURE_METADATA_KEY}). */
    private Optional<String> simulatedFailure(Payout payout) {
        if (!payout.provider().equals(SimulatedConnect.NAME)) {
            return Optional.empty();
        }
        return accounts.find(database.reader(), payout.scope(), payout.connectedAccountId()).flatMap(account -> {
            JsonElement metadata = JsonParser.parseString(account.metadataJson());
            if (!metadata.isJsonObject()) {
                return Optional.empty();
            }
            JsonObject object = metadata.getAsJsonObject();
            JsonElement code = object.get(SIMULATED_FAILURE_METADATA_KEY);
            if (code == null || !code.isJsonPrimitive()) {
                return Optional.empty();
            }
            String text = code.getAsString().replaceAll("[^A-Za-z0-9_]", "");
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        });
    }

    /** What the gateway said fits the history's and the failure's columns (1000 characters). */
    private static String detail(String text) {
        return text.length() <= 1_000 ? text : text.substring(0, 997) + "...";
    }
}
