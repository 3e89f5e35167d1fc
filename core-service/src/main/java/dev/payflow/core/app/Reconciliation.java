package dev.payflow.core.app;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.ReconciliationFinding;
import dev.payflow.core.domain.ReconciliationRun;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.gateway.StripeReconciliation;
import dev.payflow.core.gateway.StripeReconciliation.Listed;
import dev.payflow.core.gateway.StripeReconciliation.ObjectType;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.ReconciliationRepository;
import dev.payflow.core.persistence.ReconciliationRepository.Ours;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciliation with Stripe: runs (started by an operator, or daily for the previous UTC day),
 * done in the background by whichever replica claims them, and the explicit resolution of their
 * findings. A run only reads: Stripe's lists outside any database transaction, then PayFlow's
 * records, then one transaction that stores the report. Nothing is corrected by a run; a
 * correction is a new ledger transaction booked when an operator resolves a finding with
 * {@code book_fee}, in the same transaction as the resolution, with a key derived from the Stripe
 * object, so it is booked once however often it is resolved or found.
 */
public final class Reconciliation {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciliation.class);
    /**
     * How far beyond the window Stripe's objects and PayFlow's records are read to be matched: a
     * record written by PayFlow a little after Stripe created its object (a slow answer, a webhook,
     * a retry) still finds its counterpart. Only objects inside the window are reported missing.
     */
    static final Duration MATCH_MARGIN = Duration.ofHours(1);
    /** A month: a longer window is better split, so each run ends in minutes and its report stays readable. */
    static final Duration WINDOW_MAX = Duration.ofDays(31);
    /** Objects of one type a run reads: a busy month of one account, and a bounded amount of memory (a few hundred bytes each). */
    static final int OBJECTS_PER_TYPE_MAX = 100_000;
    /** Findings shown with a run; the rest are counted (a broken feed makes thousands, and the first ones say why). */
    public static final int FINDINGS_SHOWN_MAX = 1_000;
    /** A worker's claim on a run: far longer than a day's run takes, so only a dead worker's run is taken over. */
    static final Duration LEASE = Duration.ofMinutes(30);
    /** Progress is written every this many objects (one small update per page of Stripe's list). */
    static final int PROGRESS_EVERY = 100;
    /** Runs one worker call takes on, so a backlog does not hold one thread forever. */
    static final int RUNS_PER_CALL_MAX = 10;
    /** Who starts the daily runs, in {@code startedBy}. */
    public static final String SCHEDULE = "schedule";

    /** A run with the findings it shows. */
    public record Report(ReconciliationRun run, List<ReconciliationFinding> findings) {
    }

    private final Database database;
    private final Services services;
    private final LedgerEngine ledger;
    private final ReconciliationRepository repository;
    /** Stripe per mode (false: the test key, true: the live key), where a key is configured. */
    private final Map<Boolean, StripeReconciliation> stripe;
    private final boolean daily;
    private final Duration dailyAfter;
    private final Map<ReconciliationFinding.Kind, Counter> findingsCounted = new EnumMap<>(ReconciliationFinding.Kind.class);
    private final Map<ReconciliationRun.Status, Counter> runsCounted = new EnumMap<>(ReconciliationRun.Status.class);
    private volatile Runnable wake = () -> {
    };

    public Reconciliation(Database database, Services services, LedgerEngine ledger, ReconciliationRepository repository,
            Map<Boolean, StripeReconciliation> stripe, boolean daily, Duration dailyAfter, MeterRegistry meters) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.stripe = Map.copyOf(stripe);
        this.daily = daily;
        this.dailyAfter = Objects.requireNonNull(dailyAfter, "dailyAfter");
        // Registered up front, so every kind is in the metrics (at zero) before the first finding.
        for (ReconciliationFinding.Kind kind : ReconciliationFinding.Kind.values()) {
            findingsCounted.put(kind, Counter.builder("payflow.reconciliation.findings")
                    .description("Mismatches between Stripe and PayFlow found by completed reconciliation runs, by kind")
                    .baseUnit("findings").tag("kind", kind.wireName()).register(meters));
        }
        for (ReconciliationRun.Status status : List.of(ReconciliationRun.Status.COMPLETED, ReconciliationRun.Status.FAILED)) {
            runsCounted.put(status, Counter.builder("payflow.reconciliation.runs").description("Reconciliation runs finished, by outcome")
                    .baseUnit("runs").tag("status", status.wireName()).register(meters));
        }
    }

    /** What to call when a run is queued, so this replica starts it at once (the server hands it to its worker thread). */
    public void whenQueued(Runnable wake) {
        this.wake = Objects.requireNonNull(wake, "wake");
    }

    // --- Starting, reading ---------------------------------------------------------------------

    public ReconciliationRun start(String startedBy, Optional<Instant> from, Optional<Instant> to, Optional<Boolean> livemode) {
        Instant windowFrom = from.orElseThrow(() -> PayflowException.of(ErrorReason.MISSING_FIELD, "from is required"));
        Instant windowTo = to.orElseThrow(() -> PayflowException.of(ErrorReason.MISSING_FIELD, "to is required"));
        boolean live = livemode.orElseThrow(() -> PayflowException.of(ErrorReason.MISSING_FIELD,
                "mode is required (expected: sandbox or production)"));
        if (!windowFrom.isBefore(windowTo)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "to: %s (expected: after from, %s)", windowTo, windowFrom);
        }
        if (Duration.between(windowFrom, windowTo).compareTo(WINDOW_MAX) > 0) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "the window from %s to %s is longer than %d days", windowFrom, windowTo,
                    WINDOW_MAX.toDays());
        }
        Instant now = services.now();
        if (windowTo.isAfter(now)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "to: %s (expected: not after now, %s)", windowTo, now);
        }
        requireConfigured(live);
        ReconciliationRun run = queued(live, windowFrom, windowTo, ReconciliationRun.Trigger.OPERATOR, startedBy, Optional.empty(), now);
        database.inTransaction(tx -> {
            repository.insertRun(tx, run);
            return null;
        });
        wake.run();
        return run;
    }

    private void requireConfigured(boolean livemode) {
        if (!stripe.containsKey(livemode)) {
            throw PayflowException.of(ErrorReason.RECONCILIATION_NOT_CONFIGURED, "no Stripe secret key is configured for %s",
                    livemode ? "production (PAYFLOW_STRIPE_SECRET_KEY_LIVE)" : "sandbox (PAYFLOW_STRIPE_SECRET_KEY_TEST)");
        }
    }

    private ReconciliationRun queued(boolean livemode, Instant from, Instant to, ReconciliationRun.Trigger trigger, String startedBy,
            Optional<LocalDate> day, Instant now) {
        return new ReconciliationRun(services.ids().next(IdPrefix.RECONCILIATION_RUN), livemode, from, to, ReconciliationRun.Status.QUEUED, trigger,
                startedBy, day, "", 0, 0, "", now, Optional.empty(), Optional.empty(), List.of());
    }

    public Report get(String id) {
        String runId = Ids.require(id, IdPrefix.RECONCILIATION_RUN, "id");
        ReconciliationRun run = repository.findRun(database.reader(), runId).orElseThrow(() -> runNotFound(runId));
        return new Report(run, repository.findings(database.reader(), runId, FINDINGS_SHOWN_MAX));
    }

    public Page<ReconciliationRun> list(int pageSize, String pageToken) {
        PageRequest page = PageRequest.of(pageSize, pageToken, "reconciliation-runs");
        return Pages.of(repository.listRuns(database.reader(), page.afterId(), page.size()), page, ReconciliationRun::id);
    }

    // --- The daily run ---------------------------------------------------------------------------

    /**
     * Queues the run of the previous UTC day in each configured mode, once the day's delay after
     * midnight has passed, unless it exists: the table's unique (mode, day) decides between
     * replicas, so however many call this, one run per day and mode is made. Returns how many it
     * queued.
     */
    public int scheduleDaily() {
        if (!daily) {
            return 0;
        }
        Instant now = services.now();
        LocalDate today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        Instant midnight = today.atStartOfDay(ZoneOffset.UTC).toInstant();
        if (now.isBefore(midnight.plus(dailyAfter))) {
            return 0;
        }
        LocalDate yesterday = today.minusDays(1);
        int queued = 0;
        for (boolean livemode : new java.util.TreeSet<>(stripe.keySet())) {
            ReconciliationRun run = queued(livemode, yesterday.atStartOfDay(ZoneOffset.UTC).toInstant(), midnight,
                    ReconciliationRun.Trigger.SCHEDULE, SCHEDULE, Optional.of(yesterday), now);
            if (database.inTransaction(tx -> repository.insertScheduledUnlessExists(tx, run))) {
                LOG.info("reconciliation {} queued for {} ({})", run.id(), yesterday, livemode ? "production" : "sandbox");
                queued++;
            }
        }
        return queued;
    }

    // --- Doing runs ------------------------------------------------------------------------------

    /** Claims and does the runs waiting (or left by a dead worker), one at a time; returns how many it did. */
    public int runDue() {
        int done = 0;
        while (done < RUNS_PER_CALL_MAX) {
            Instant now = services.now();
            Optional<ReconciliationRun> claimed = database.inTransaction(tx -> repository.claimRun(tx, now, now.plus(LEASE)));
            if (claimed.isEmpty()) {
                return done;
            }
            execute(claimed.get());
            done++;
        }
        return done;
    }

    private void execute(ReconciliationRun run) {
        try {
            StripeReconciliation source = stripe.get(run.livemode());
            if (source == null) {
                throw new StripeReconciliation.Unavailable("no Stripe secret key is configured for this mode any more");
            }
            Matched matched = match(run, read(run, source));
            database.inTransaction(tx -> {
                repository.complete(tx, run.id(), matched.totals(), matched.findings(), matched.objectsRead(), services.now());
                return null;
            });
            matched.findings().forEach(f -> findingsCounted.get(f.kind()).increment());
            runsCounted.get(ReconciliationRun.Status.COMPLETED).increment();
            LOG.info("reconciliation {} completed: {} objects, {} findings", run.id(), matched.objectsRead(), matched.findings().size());
        } catch (StripeReconciliation.Unavailable | StripeReconciliation.TooMany stopped) {
            fail(run, stopped.getMessage());
        } catch (RuntimeException bug) {
            LOG.error("reconciliation {} failed", run.id(), bug);
            fail(run, "internal error: " + bug.getClass().getSimpleName());
        }
    }

    private void fail(ReconciliationRun run, String message) {
        LOG.warn("reconciliation {} failed: {}", run.id(), message);
        database.inTransaction(tx -> {
            repository.fail(tx, run.id(), message, services.now());
            return null;
        });
        runsCounted.get(ReconciliationRun.Status.FAILED).increment();
    }

    /** What Stripe listed for the run, by type; the connected accounts' payouts together. */
    private record Read(Map<ObjectType, List<Listed>> listed, Map<String, String> partnerOfAccount, long objectsRead) {
        List<Listed> of(ObjectType type) {
            return listed.getOrDefault(type, List.of());
        }
    }

    private Read read(ReconciliationRun run, StripeReconciliation source) {
        Instant from = run.from().minus(MATCH_MARGIN);
        Instant to = run.to().plus(MATCH_MARGIN);
        long[] total = {0};
        StripeReconciliation.Progress progress = (type, readOfType) -> {
            total[0]++;
            if (total[0] % PROGRESS_EVERY == 0) {
                progress(run, type.stage(), total[0]);
            }
        };
        Map<ObjectType, List<Listed>> listed = new EnumMap<>(ObjectType.class);
        for (ObjectType type : List.of(ObjectType.PAYMENT_INTENT, ObjectType.CHARGE, ObjectType.REFUND, ObjectType.DISPUTE, ObjectType.TRANSFER,
                ObjectType.PLATFORM_PAYOUT)) {
            progress(run, type.stage(), total[0]);
            listed.put(type, source.list(type, from, to, Optional.empty(), OBJECTS_PER_TYPE_MAX, progress));
        }
        progress(run, ObjectType.CONNECTED_PAYOUT.stage(), total[0]);
        List<ReconciliationRepository.StripeAccount> accounts = repository.connectedAccounts(database.reader(), run.livemode());
        List<Listed> connectedPayouts = new ArrayList<>();
        Map<String, String> partnerOfAccount = new HashMap<>();
        for (ReconciliationRepository.StripeAccount account : accounts) {
            partnerOfAccount.put(account.providerAccountId(), account.partnerId());
            // Standard accounts pay out on their own schedule: their payouts are not PayFlow's to match.
            if (account.express()) {
                connectedPayouts.addAll(source.list(ObjectType.CONNECTED_PAYOUT, from, to, Optional.of(account.providerAccountId()),
                        OBJECTS_PER_TYPE_MAX, progress));
            }
        }
        listed.put(ObjectType.CONNECTED_PAYOUT, connectedPayouts);
        progress(run, ObjectType.BALANCE_TRANSACTION.stage(), total[0]);
        listed.put(ObjectType.BALANCE_TRANSACTION, source.list(ObjectType.BALANCE_TRANSACTION, from, to, Optional.empty(), OBJECTS_PER_TYPE_MAX,
                progress));
        return new Read(listed, partnerOfAccount, total[0]);
    }

    private void progress(ReconciliationRun run, String stage, long objectsRead) {
        database.inTransaction(tx -> {
            repository.progress(tx, run.id(), stage, objectsRead);
            return null;
        });
    }

    private record Matched(List<ReconciliationRun.Total> totals, List<ReconciliationFinding> findings, long objectsRead) {
    }

    private Matched match(ReconciliationRun run, Read read) {
        progress(run, "matching", read.objectsRead());
        boolean live = run.livemode();
        Instant from = run.from().minus(MATCH_MARGIN);
        Instant to = run.to().plus(MATCH_MARGIN);
        var reader = database.reader();
        ReconciliationMatcher matcher = new ReconciliationMatcher(run.from(), run.to());

        List<Ours> payments = repository.payments(reader, live, from, to, ids(read.of(ObjectType.PAYMENT_INTENT)));
        matcher.compare("payment_intent", read.of(ObjectType.PAYMENT_INTENT), payments, ReconciliationMatcher.PAYMENT_INTENT_STATUSES, Set.of(),
                Set.of(), "If it carries metadata payflow_payment_id, the payment's creation never recorded Stripe's answer and "
                        + "PaymentRecovery settles it by asking Stripe; otherwise it was made outside PayFlow (the dashboard, another "
                        + "system): acknowledge",
                "Stripe did not list it for the window: look it up at Stripe by id (another mode, or created at Stripe outside the "
                        + "window); PaymentRecovery asks Stripe about payments still open",
                "PaymentRecovery settles payments left pending or processing by asking Stripe; a final PayFlow status that Stripe "
                        + "contradicts needs a look at the payment's gateway events");

        // Charges are PayFlow's through their PaymentIntent; a charge of an unknown PaymentIntent is reported with the PaymentIntent.
        Map<String, Ours> paymentOfIntent = payments.stream().collect(Collectors.toMap(Ours::stripeId, p -> p, (a, b) -> a));
        Map<String, Ours> paymentOfCharge = new HashMap<>();
        List<Ours> chargeRecords = new ArrayList<>();
        Set<String> chargesOfUnknownIntents = new HashSet<>();
        for (Listed charge : read.of(ObjectType.CHARGE)) {
            Optional<String> intent = charge.reference("payment_intent");
            Ours payment = intent.map(paymentOfIntent::get).orElse(null);
            if (payment == null) {
                if (intent.isPresent()) {
                    chargesOfUnknownIntents.add(charge.id());
                }
                continue;
            }
            paymentOfCharge.put(charge.id(), payment);
            chargeRecords.add(new Ours(charge.id(), payment.payflowId(), payment.partnerId(), payment.amountMinor(), payment.currency(),
                    payment.status(), payment.createdAt(), payment.extra()));
        }
        matcher.compare("charge", read.of(ObjectType.CHARGE), chargeRecords, ReconciliationMatcher.CHARGE_STATUSES, Set.of(),
                chargesOfUnknownIntents, "A charge made without a PaymentIntent, outside PayFlow: acknowledge, or credit the wallet it was "
                        + "meant for with a four-eyes adjustment",
                "", "PaymentRecovery settles payments left open by asking Stripe");

        matcher.compare("refund", read.of(ObjectType.REFUND), repository.refunds(reader, live, from, to, ids(read.of(ObjectType.REFUND))),
                ReconciliationMatcher.REFUND_STATUSES, Set.of(), Set.of(), "A refund made in Stripe's dashboard: PayFlow books those from "
                        + "the charge.refunded webhook; replay its gateway event (admin gateway events) if it was lost, else acknowledge",
                "Stripe did not list it for the window: look it up at Stripe by id",
                "The refund's webhook settles it; replay its gateway event if it was lost");

        List<Ours> disputes = repository.disputes(reader, live, from, to, ids(read.of(ObjectType.DISPUTE)));
        Map<String, Set<String>> sameStatus = new HashMap<>();
        disputes.forEach(d -> sameStatus.put(d.status(), Set.of(d.status())));
        matcher.compare("dispute", read.of(ObjectType.DISPUTE), disputes, sameStatus, Set.of(), Set.of(),
                "Disputes reach PayFlow by Stripe's charge.dispute.* webhooks: replay the gateway event if it was lost",
                "Stripe did not list it for the window: look it up at Stripe by id",
                "The dispute's next webhook moves it; replay its gateway event if it was lost");

        List<Listed> transfers = read.of(ObjectType.TRANSFER);
        List<Ours> payoutTransfers = repository.transfers(reader, live, from, to, ids(transfers));
        matcher.compare("transfer", transfers, payoutTransfers, Map.of("made", Set.of("made"), "reversed", Set.of("reversed")),
                repository.knownGatewayObjects(reader, live, ids(transfers)), Set.of(),
                "A transfer PayFlow did not make (the dashboard, another system), or a payout's transfer whose answer was lost: if its "
                        + "transfer_group names a pout_, the payout worker finds it by transfer_group; else acknowledge",
                "Stripe did not list it for the window: look it up at Stripe by id",
                "A reversal PayFlow has not booked: the transfer.reversed webhook books it; replay its gateway event if it was lost");

        List<Listed> bankPayouts = read.of(ObjectType.CONNECTED_PAYOUT);
        List<Ours> payouts = repository.bankPayouts(reader, live, from, to, ids(bankPayouts));
        matcher.compare("payout", bankPayouts, payouts, ReconciliationMatcher.PAYOUT_STATUSES, Set.of(), Set.of(),
                "A payout on a connected account that PayFlow did not make (automatic payouts switched on at Stripe?): acknowledge, "
                        + "and check the account's payout schedule",
                "Stripe did not list it for the window: look it up at Stripe by id on the connected account",
                "Stripe's payout webhooks move it, and recovery asks Stripe about payouts in transit past their arrival date");
        matcher.countOnly("platform_payout", read.of(ObjectType.PLATFORM_PAYOUT));

        List<Listed> balance = read.of(ObjectType.BALANCE_TRANSACTION);
        Map<String, String> partnerOfSource = new HashMap<>(read.partnerOfAccount());
        payoutTransfers.forEach(t -> partnerOfSource.put(t.stripeId(), t.partnerId()));
        payouts.forEach(p -> partnerOfSource.put(p.stripeId(), p.partnerId()));
        matcher.compareFees(balance, paymentOfCharge, repository.bookedFees(reader, live, ids(balance)), partnerOfSource);
        List<ReconciliationRun.Total> systemAccounts = matcher.compareSystemAccounts(balance,
                repository.systemAccountMovements(reader, live, run.from(), run.to(), balance.stream()
                        .filter(bt -> !bt.created().isBefore(run.from()) && bt.created().isBefore(run.to())).map(Listed::id).toList()));

        Instant now = services.now();
        List<ReconciliationFinding> findings = matcher.findings().stream().map(d -> ReconciliationFinding.open(
                services.ids().next(IdPrefix.RECONCILIATION_FINDING), run.id(), d.kind(), d.objectType(), d.stripeId(), d.payflowId(), d.partnerId(),
                d.currency(), d.stripeValue(), d.payflowValue(), d.detail(), d.suggestedAction(), d.suggestion(), d.feeCorrectionMinor(), now))
                .toList();
        return new Matched(matcher.totals(systemAccounts), findings, read.objectsRead());
    }

    private static Set<String> ids(List<Listed> listed) {
        return listed.stream().map(Listed::id).collect(Collectors.toSet());
    }

    // --- Resolving findings ----------------------------------------------------------------------

    /**
     * Resolves a finding: {@code acknowledge} records who and why; {@code book_fee} also books the
     * fee as a new transaction, in the same database transaction (so the booking and the
     * resolution commit together or not at all). A finding resolved with the same action is
     * returned as it is; with another, FINDING_ALREADY_RESOLVED.
     */
    public ReconciliationFinding resolve(String resolvedBy, String runIdText, String findingIdText, Optional<ReconciliationFinding.Action> action,
            String reasonText) {
        String runId = Ids.require(runIdText, IdPrefix.RECONCILIATION_RUN, "runId");
        String findingId = Ids.require(findingIdText, IdPrefix.RECONCILIATION_FINDING, "id");
        ReconciliationFinding.Action chosen = action.orElseThrow(() -> PayflowException.of(ErrorReason.MISSING_FIELD,
                "action is required (expected: acknowledge or book_fee)"));
        String reason = Fields.required(reasonText, "reason", Limits.REASON_LENGTH_MAX);
        return database.inTransaction(tx -> {
            ReconciliationRun run = repository.findRun(tx, runId).orElseThrow(() -> runNotFound(runId));
            ReconciliationFinding finding = repository.findFindingForUpdate(tx, runId, findingId).orElseThrow(
                    () -> PayflowException.of(ErrorReason.FINDING_NOT_FOUND, "finding %s not found in run %s", findingId, runId));
            if (finding.status() == ReconciliationFinding.Status.RESOLVED) {
                if (finding.resolutionAction().orElse(null) == chosen) {
                    return finding;
                }
                throw PayflowException.of(ErrorReason.FINDING_ALREADY_RESOLVED, "finding %s was resolved with %s by %s", findingId,
                        finding.resolutionAction().map(ReconciliationFinding.Action::wireName).orElse("?"), finding.resolvedBy());
            }
            Optional<String> transactionId = Optional.empty();
            if (chosen == ReconciliationFinding.Action.BOOK_FEE) {
                if (finding.feeCorrectionMinor().isEmpty() || finding.feeCorrectionMinor().get() == 0) {
                    throw PayflowException.of(ErrorReason.RESOLUTION_NOT_APPLICABLE,
                            "finding %s is not a fee PayFlow can book for one partner (suggested: %s)", findingId, finding.suggestedAction().wireName());
                }
                transactionId = Optional.of(bookFee(tx, run, finding));
            }
            repository.resolve(tx, findingId, chosen, reason, resolvedBy, transactionId, services.now());
            return repository.findFindingForUpdate(tx, runId, findingId).orElseThrow();
        });
    }

    /** The fee as a new transaction, keyed by the Stripe object: found again by a later run and resolved again, it is booked once. */
    private String bookFee(org.jooq.DSLContext tx, ReconciliationRun run, ReconciliationFinding finding) {
        long correction = finding.feeCorrectionMinor().orElseThrow();
        PartnerScope scope = new PartnerScope(finding.partnerId().orElseThrow(), run.livemode());
        LedgerAccount fees = new LedgerAccount.System(SystemAccountKind.GATEWAY_FEES, "stripe");
        LedgerAccount clearing = new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, "stripe");
        String stripeId = finding.stripeId();
        Instruction.Post post = new Instruction.Post(TransactionType.FEE, new Money(Math.abs(correction), CurrencyUnit.of(finding.currency())),
                correction > 0 ? fees : clearing, correction > 0 ? clearing : fees, "stripe fee " + stripeId + " (reconciliation " + finding.id() + ")",
                "{\"reconciliationFindingId\":\"" + finding.id() + "\",\"reconciliationRunId\":\"" + run.id() + "\"}", "stripe",
                transaction -> Optional.of(stripeId));
        return ledger.bookWithin(tx, scope, Movement.of("ResolveReconciliationFinding", IdempotencyKey.system("reconciliation", stripeId, "fee"),
                post, stripeId, correction, finding.currency())).orThrow().requireTransaction().id();
    }

    static PayflowException runNotFound(String id) {
        return PayflowException.of(ErrorReason.RECONCILIATION_RUN_NOT_FOUND, "reconciliation run %s not found", id);
    }
}
