package dev.payflow.core.app;

import dev.payflow.core.domain.Adjustment;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.AdjustmentRepository;
import dev.payflow.core.persistence.Database;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Four-eyes corrections: one operator proposes, another approves (then the ledger books it) or
 * rejects. Approval is committed before the booking, and the booking's idempotency key is derived
 * from the adjustment's id, so approving again after a crash books it once, never twice.
 */
public final class Adjustments {
    private final Database database;
    private final Services services;
    private final LedgerEngine ledger;
    private final AdjustmentRepository adjustments;

    public Adjustments(Database database, Services services, LedgerEngine ledger, AdjustmentRepository adjustments) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.adjustments = Objects.requireNonNull(adjustments, "adjustments");
    }

    public record Propose(String walletId, String amount, String currency, Optional<Adjustment.Direction> direction, String reason,
            String idempotencyKey) {
    }

    /** Records a proposal; the same key with the same terms returns the first proposal. */
    public Adjustment propose(String proposedBy, Propose command) {
        String walletId = Ids.require(command.walletId(), IdPrefix.WALLET, "walletId");
        if (command.amount() == null || command.amount().isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "amount is required");
        }
        CurrencyUnit currency = CurrencyUnit.of(Fields.required(command.currency(), "currency", 3));
        Money amount = Money.parsePositive(command.amount(), currency);
        Adjustment.Direction direction = command.direction().orElseThrow(
                () -> PayflowException.of(ErrorReason.MISSING_FIELD, "direction is required (expected: credit or debit)"));
        String reason = Fields.required(command.reason(), "reason", Limits.REASON_LENGTH_MAX);
        if (command.idempotencyKey() == null || command.idempotencyKey().isEmpty()) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_MISSING, "idempotencyKey is required");
        }
        String key = Fields.required(command.idempotencyKey(), "idempotencyKey", Limits.IDEMPOTENCY_KEY_LENGTH_MAX);
        return database.inTransaction(tx -> {
            Optional<Adjustment> earlier = adjustments.findByIdempotencyKey(tx, key);
            if (earlier.isPresent()) {
                return sameTermsOrRefuse(earlier.get(), walletId, amount, direction, reason);
            }
            AdjustmentRepository.WalletOwner owner = adjustments.walletOwner(tx, walletId)
                    .orElseThrow(() -> PayflowException.of(ErrorReason.WALLET_NOT_FOUND, "wallet %s not found", walletId));
            if (!owner.currency().equals(currency)) {
                throw PayflowException.of(ErrorReason.CURRENCY_MISMATCH, "wallet %s holds %s, not %s", walletId, owner.currency().code(),
                        currency.code());
            }
            Adjustment proposal = new Adjustment(services.ids().next(IdPrefix.ADJUSTMENT), owner.scope(), walletId, amount, direction, reason, key,
                    Adjustment.Status.PROPOSED, proposedBy, services.now(), Optional.empty(), Optional.empty(), "", Optional.empty(), "");
            if (!adjustments.insert(tx, proposal)) {
                // A racing proposal with the same key committed first: answer as its replay would.
                Adjustment raced = adjustments.findByIdempotencyKey(tx, key).orElseThrow();
                return sameTermsOrRefuse(raced, walletId, amount, direction, reason);
            }
            return proposal;
        });
    }

    private static Adjustment sameTermsOrRefuse(Adjustment earlier, String walletId, Money amount, Adjustment.Direction direction, String reason) {
        if (!earlier.walletId().equals(walletId) || !earlier.amount().equals(amount) || earlier.direction() != direction
                || !earlier.reason().equals(reason)) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_REUSED, "idempotencyKey was used for adjustment %s with other terms",
                    earlier.id());
        }
        return earlier;
    }

    public Adjustment get(String id) {
        String adjustmentId = Ids.require(id, IdPrefix.ADJUSTMENT, "id");
        return adjustments.find(database.reader(), adjustmentId).orElseThrow(() -> notFound(adjustmentId));
    }

    public Page<Adjustment> list(int pageSize, String pageToken, Optional<Adjustment.Status> status) {
        PageRequest page = PageRequest.of(pageSize, pageToken, "adjustments|" + status.map(Adjustment.Status::wireName).orElse(""));
        List<Adjustment> rows = adjustments.list(database.reader(), status, page.afterId(), page.size());
        return Pages.of(rows, page, Adjustment::id);
    }

    /**
     * Approves and books. A booked or failed adjustment is returned unchanged; a rejected one
     * cannot be approved; an approved one (left by a crash) is booked now, with the same key.
     */
    public Adjustment approve(String approvedBy, String id, String reasonText) {
        String adjustmentId = Ids.require(id, IdPrefix.ADJUSTMENT, "id");
        String reason = Fields.optional(reasonText, "reason", Limits.REASON_LENGTH_MAX);
        Adjustment approved = database.inTransaction(tx -> {
            Adjustment current = adjustments.findForUpdate(tx, adjustmentId).orElseThrow(() -> notFound(adjustmentId));
            requireSecondOperator(current, approvedBy);
            switch (current.status()) {
                case PROPOSED -> {
                    adjustments.decide(tx, adjustmentId, Adjustment.Status.APPROVED, approvedBy, reason, services.now());
                    return adjustments.find(tx, adjustmentId).orElseThrow();
                }
                case REJECTED -> throw PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION,
                        "adjustment %s was rejected; propose a new one", adjustmentId);
                default -> {
                    return current;
                }
            }
        });
        if (approved.status() != Adjustment.Status.APPROVED) {
            return approved;
        }
        Optional<String> transactionId;
        String failureReason;
        try {
            LedgerTransaction booked = ledger.book(approved.scope(), movement(approved)).requireTransaction();
            transactionId = Optional.of(booked.id());
            failureReason = "";
        } catch (PayflowException refused) {
            if (!isBusinessRefusal(refused.reason())) {
                // The database or a bug: the adjustment stays approved, and approving it again books it with the same key.
                throw refused;
            }
            transactionId = Optional.empty();
            failureReason = refused.reason().name();
        }
        Optional<String> txn = transactionId;
        String failure = failureReason;
        return database.inTransaction(tx -> {
            adjustments.settle(tx, adjustmentId, txn, failure);
            return adjustments.find(tx, adjustmentId).orElseThrow();
        });
    }

    public Adjustment reject(String rejectedBy, String id, String reasonText) {
        String adjustmentId = Ids.require(id, IdPrefix.ADJUSTMENT, "id");
        String reason = Fields.required(reasonText, "reason", Limits.REASON_LENGTH_MAX);
        return database.inTransaction(tx -> {
            Adjustment current = adjustments.findForUpdate(tx, adjustmentId).orElseThrow(() -> notFound(adjustmentId));
            requireSecondOperator(current, rejectedBy);
            if (current.status() != Adjustment.Status.PROPOSED) {
                throw PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION, "adjustment %s is %s (expected: proposed)", adjustmentId,
                        current.status().wireName());
            }
            adjustments.decide(tx, adjustmentId, Adjustment.Status.REJECTED, rejectedBy, reason, services.now());
            return adjustments.find(tx, adjustmentId).orElseThrow();
        });
    }

    private static void requireSecondOperator(Adjustment adjustment, String decider) {
        if (adjustment.proposedBy().equals(decider)) {
            throw PayflowException.of(ErrorReason.FOUR_EYES_REQUIRED, "adjustment %s was proposed by %s; another operator must decide it",
                    adjustment.id(), decider);
        }
    }

    /** The ledger's answers that settle an adjustment as failed; anything else leaves it approved, to retry. */
    private static boolean isBusinessRefusal(ErrorReason reason) {
        return reason.category() == ErrorReason.Category.FAILED_PRECONDITION;
    }

    private static Movement movement(Adjustment a) {
        LedgerAccount wallet = new LedgerAccount.Wallet(a.walletId());
        LedgerAccount adjustmentsAccount = LedgerAccount.System.of(SystemAccountKind.ADJUSTMENTS);
        boolean credit = a.direction() == Adjustment.Direction.CREDIT;
        Instruction.Post post = new Instruction.Post(TransactionType.ADJUSTMENT, a.amount(), credit ? adjustmentsAccount : wallet,
                credit ? wallet : adjustmentsAccount, a.reason(), "{\"adjustmentId\":\"" + a.id() + "\"}", "",
                Instruction.GatewayReference.NONE);
        return Movement.of("ApproveAdjustment", IdempotencyKey.system("adjustment", a.id(), "book"), post, a.id(), a.walletId(),
                a.amount().minorUnits(), a.amount().currency(), a.direction().wireName());
    }

    static PayflowException notFound(String id) {
        return PayflowException.of(ErrorReason.ADJUSTMENT_NOT_FOUND, "adjustment %s not found", id);
    }
}
