package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Text;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.TransferBatchRepository;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * BatchCreateTransfers: up to {@link Limits#TRANSFER_BATCH_SIZE_MAX} transfers in one call, each
 * with its own key and its own result, under exactly the rules of CreateTransfer (the same terms,
 * the same key handling, the same movement and fingerprint, so a member's key and a lone
 * transfer's key are one and the same thing).
 *
 * <ul>
 *   <li>{@link #independent}: the members booked the way group commit books concurrent movements
 *       ({@link LedgerEngine#bookEach}: a hundred to a transaction, keys sorted, wallets locked in
 *       id order), so a batch of a thousand takes about ten commits (a member whose wallet another
 *       call holds goes in a later transaction instead of making the others wait); one member's
 *       failure never fails another, and a transaction that fails as a whole is split and its
 *       members booked alone.
 *   <li>{@link #atomic}: all or none, in the order sent, in one database transaction of the
 *       engine's batch order ({@link LedgerEngine#bookAllWithin}: keys sorted, then every wallet
 *       locked in id order), under the batch's own key. The members are booked inside a savepoint:
 *       if one is refused, the savepoint is rolled back (so no member key is claimed and nothing is
 *       booked), and the batch key records the refusal, so that a replay answers the same.
 * </ul>
 */
public final class TransferBatches {
    /** The operation a batch key is recorded under; member keys are recorded under CreateTransfer's. */
    static final String OPERATION = "BatchCreateTransfers";

    private final Database database;
    private final Services services;
    private final LedgerEngine ledger;
    private final IdempotencyRepository idempotency;
    private final LedgerRepository transactions;
    private final TransferBatchRepository batches;

    public TransferBatches(Database database, Services services, LedgerEngine ledger, IdempotencyRepository idempotency,
            LedgerRepository transactions, TransferBatchRepository batches) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.batches = Objects.requireNonNull(batches, "batches");
    }

    /** One member as sent: its fields unvalidated (they are checked here, in CreateTransfer's order) and its key as sent. */
    public record Member(String fromWalletId, String toWalletId, String amount, String currency, String description, Metadata metadata,
            String idempotencyKey) {
        public Member {
            Objects.requireNonNull(metadata, "metadata");
        }
    }

    public enum Status {
        CREATED,
        REPLAYED,
        FAILED,
        /** An atomic batch that did not commit, because another member failed. */
        NOT_APPLIED
    }

    /** What happened to one member: its transaction when created or replayed, its error when failed. */
    public record MemberResult(int index, String idempotencyKey, Status status, Optional<LedgerTransaction> transaction,
            Optional<RuntimeException> error) {
        public MemberResult {
            Objects.requireNonNull(status, "status");
            boolean booked = status == Status.CREATED || status == Status.REPLAYED;
            if (transaction.isPresent() != booked || error.isPresent() != (status == Status.FAILED)) {
                throw new IllegalArgumentException("member " + index + ": " + status + " with transaction " + transaction.isPresent()
                        + " and error " + error.isPresent());
            }
        }

        static MemberResult failed(int index, String key, RuntimeException error) {
            return new MemberResult(index, key, Status.FAILED, Optional.empty(), Optional.of(error));
        }

        static MemberResult notApplied(int index, String key) {
            return new MemberResult(index, key, Status.NOT_APPLIED, Optional.empty(), Optional.empty());
        }

        /** The same transfer answered again, for a later member with the same key and parameters. */
        MemberResult repeatedAs(int repeatIndex) {
            Status repeated = status == Status.CREATED ? Status.REPLAYED : status;
            return new MemberResult(repeatIndex, idempotencyKey, repeated, transaction, error);
        }
    }

    /**
     * The batch's answer: one result per member, in the order sent; whether it committed (always,
     * for an independent batch); the member that failed an atomic batch, or -1.
     */
    public record Answer(List<MemberResult> results, boolean committed, int failedIndex) {
        public Answer {
            results = List.copyOf(results);
            if (committed != (failedIndex < 0)) {
                throw new IllegalArgumentException("a batch commits, or fails at a member: committed " + committed + ", failed at " + failedIndex);
            }
        }
    }

    /** The call's own first check: 1..{@link Limits#TRANSFER_BATCH_SIZE_MAX} members. */
    public static void requireSize(int members) {
        if (members == 0) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "transfers is required: at least one transfer (expected: 1..%d)",
                    Limits.TRANSFER_BATCH_SIZE_MAX);
        }
        if (members > Limits.TRANSFER_BATCH_SIZE_MAX) {
            throw PayflowException.of(ErrorReason.BATCH_TOO_LARGE, "transfers: %d transfers (expected: at most %d in one batch; split it)",
                    members, Limits.TRANSFER_BATCH_SIZE_MAX);
        }
    }

    // --- Independent members ---------------------------------------------------------------------

    /** Books each member on its own, sharing transactions; see the class comment. */
    public Answer independent(PartnerScope scope, List<Member> members) {
        requireSize(members.size());
        MemberResult[] results = new MemberResult[members.size()];
        Movement[] movements = new Movement[members.size()];
        Map<String, Integer> firstWithKey = new HashMap<>();
        List<Integer> firsts = new ArrayList<>();
        List<Integer> repeats = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member member = members.get(i);
            try {
                movements[i] = movement(member);
            } catch (PayflowException refused) {
                // Refused before anything is recorded: the key is not consumed, as with CreateTransfer.
                results[i] = MemberResult.failed(i, keyAsSent(member), refused);
                continue;
            }
            if (firstWithKey.putIfAbsent(movements[i].key().value(), i) == null) {
                firsts.add(i);
            } else {
                repeats.add(i);
            }
        }
        List<LedgerEngine.Result> booked = ledger.bookEach(scope, firsts.stream().map(i -> movements[i]).toList());
        for (int n = 0; n < firsts.size(); n++) {
            int i = firsts.get(n);
            results[i] = result(i, movements[i], booked.get(n));
        }
        // A key repeated in the batch: the same transfer answered again, or refused as a reuse, exactly as a retry after the first would be.
        for (int j : repeats) {
            int first = firstWithKey.get(movements[j].key().value());
            if (movements[j].fingerprint().equals(movements[first].fingerprint())) {
                results[j] = results[first].repeatedAs(j);
            } else if (isReuse(results[first])) {
                // The key was bound before this batch, to neither member's parameters or to this one's: the engine decides.
                results[j] = result(j, movements[j], ledger.bookEach(scope, List.of(movements[j])).get(0));
            } else {
                results[j] = MemberResult.failed(j, movements[j].key().value(), reused());
            }
        }
        return new Answer(Arrays.asList(results), true, -1);
    }

    private static boolean isReuse(MemberResult result) {
        return result.error().filter(e -> e instanceof PayflowException p && p.reason() == ErrorReason.IDEMPOTENCY_KEY_REUSED).isPresent();
    }

    /** The engine's own words for a reused key, so a repeat inside a batch reads like a retry after it. */
    private static PayflowException reused() {
        return PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_REUSED,
                "this idempotency key was already used for a different request (%s with other parameters)", Transfers.OPERATION);
    }

    private static MemberResult result(int index, Movement movement, LedgerEngine.Result booked) {
        String key = movement.key().value();
        if (booked.failure().isPresent()) {
            return MemberResult.failed(index, key, booked.failure().get());
        }
        return result(index, key, booked.outcome().orElseThrow());
    }

    private static MemberResult result(int index, String key, LedgerEngine.Outcome outcome) {
        if (outcome.refusal().isPresent()) {
            return MemberResult.failed(index, key, outcome.refusal().get());
        }
        return new MemberResult(index, key, outcome.replayed() ? Status.REPLAYED : Status.CREATED,
                Optional.of(outcome.booking().orElseThrow().requireTransaction()), Optional.empty());
    }

    // --- Atomic batches --------------------------------------------------------------------------

    /** Books every member or none, under the batch's own key; see the class comment. */
    public Answer atomic(PartnerScope scope, IdempotencyKey batchKey, List<Member> members) {
        Objects.requireNonNull(batchKey, "batchKey");
        requireSize(members.size());
        List<Movement> movements = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            try {
                movements.add(movement(members.get(i)));
            } catch (PayflowException refused) {
                // Refused before anything is recorded: neither the batch key nor any member key is consumed.
                return failedAt(members, i, refused);
            }
        }
        String fingerprint = fingerprint(movements);
        return database.inTransaction(tx -> {
            IdempotencyRepository.Claim claim = idempotency.claim(tx, scope, batchKey.value(), OPERATION, fingerprint,
                    services.clock().instant().truncatedTo(ChronoUnit.MICROS));
            return switch (claim) {
                case BUSY -> throw keyInUse();
                case USED -> replay(tx, scope, batchKey, fingerprint, members);
                case CLAIMED -> bookAllOrNone(tx, scope, batchKey, members, movements);
            };
        });
    }

    private Answer bookAllOrNone(DSLContext tx, PartnerScope scope, IdempotencyKey batchKey, List<Member> members, List<Movement> movements) {
        List<LedgerEngine.Outcome> outcomes;
        try {
            // A savepoint: rolled back if a member is refused, taking every member's claim and booking with it.
            outcomes = Database.withinSavepoint(tx, nested -> {
                List<LedgerEngine.Outcome> booked = ledger.bookAllWithin(nested, scope, movements);
                if (booked.stream().anyMatch(outcome -> outcome.refusal().isPresent())) {
                    throw new MemberRefused(booked);
                }
                return booked;
            });
        } catch (MemberRefused refused) {
            int failed = 0;
            while (refused.outcomes.get(failed).refusal().isEmpty()) {
                failed++;
            }
            PayflowException why = refused.outcomes.get(failed).refusal().get();
            idempotency.recordError(tx, scope, batchKey.value(), why.reason().name(), why.getMessage());
            batches.record(tx, scope, batchKey.value(), new TransferBatchRepository.Ending(members.size(), Optional.empty(), Optional.of(failed)),
                    services.clock().instant());
            return failedAt(members, failed, why);
        }
        List<MemberResult> results = new ArrayList<>(members.size());
        StringBuilder letters = new StringBuilder(members.size());
        for (int i = 0; i < outcomes.size(); i++) {
            MemberResult result = result(i, movements.get(i).key().value(), outcomes.get(i));
            results.add(result);
            letters.append(result.status() == Status.CREATED ? 'c' : 'r');
        }
        batches.record(tx, scope, batchKey.value(), new TransferBatchRepository.Ending(members.size(), Optional.of(letters.toString()),
                Optional.empty()), services.clock().instant());
        return new Answer(results, true, -1);
    }

    /** The answer of the batch that first used this key, or why this batch cannot have it. */
    private Answer replay(DSLContext tx, PartnerScope scope, IdempotencyKey batchKey, String fingerprint, List<Member> members) {
        IdempotencyRepository.Record earlier = idempotency.find(tx, scope, batchKey.value())
                .orElseThrow(() -> new IllegalStateException("batch key " + batchKey + " neither claimed nor found"));
        if (!earlier.operation().equals(OPERATION) || !earlier.fingerprint().equals(fingerprint)) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_REUSED,
                    "this idempotency key was already used for a different request (%s with other parameters)", earlier.operation());
        }
        TransferBatchRepository.Ending ending = batches.find(tx, scope, batchKey.value())
                .orElseThrow(() -> new IllegalStateException("batch key " + batchKey + " is used but its batch has no ending"));
        if (ending.failedIndex().isPresent()) {
            PayflowException why = new PayflowException(ErrorReason.valueOf(earlier.errorReason().orElseThrow()), earlier.errorMessage().orElse(""));
            return failedAt(members, ending.failedIndex().get(), why);
        }
        String letters = ending.memberOutcomes().orElseThrow();
        List<MemberResult> results = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            String key = members.get(i).idempotencyKey();
            String transactionId = idempotency.find(tx, scope, key).flatMap(IdempotencyRepository.Record::transactionId)
                    .orElseThrow(() -> new IllegalStateException("member key " + key + " of committed batch " + batchKey + " booked nothing"));
            LedgerTransaction transaction = transactions.findTransaction(tx, scope, transactionId).orElseThrow();
            results.add(new MemberResult(i, key, letters.charAt(i) == 'c' ? Status.CREATED : Status.REPLAYED, Optional.of(transaction),
                    Optional.empty()));
        }
        return new Answer(results, true, -1);
    }

    private static Answer failedAt(List<Member> members, int failed, RuntimeException why) {
        List<MemberResult> results = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            String key = keyAsSent(members.get(i));
            results.add(i == failed ? MemberResult.failed(i, key, why) : MemberResult.notApplied(i, key));
        }
        return new Answer(results, false, failed);
    }

    /** Thrown inside the savepoint so that it rolls back; carries the members' outcomes out. */
    private static final class MemberRefused extends RuntimeException {
        final List<LedgerEngine.Outcome> outcomes;

        MemberRefused(List<LedgerEngine.Outcome> outcomes) {
            super("a member of an atomic batch was refused", null, false, false);
            this.outcomes = outcomes;
        }
    }

    /**
     * The batch's fingerprint: its members' keys and their own fingerprints, in order, so the same
     * key with other members (or the same members in another order) is another request.
     */
    private static String fingerprint(List<Movement> movements) {
        StringBuilder canonical = new StringBuilder(OPERATION).append(';').append(movements.size()).append(';');
        for (Movement movement : movements) {
            String key = movement.key().value();
            canonical.append(key.length()).append(':').append(key).append(';').append(movement.fingerprint()).append(';');
        }
        return Text.sha256Hex(canonical.toString());
    }

    // --- Members ---------------------------------------------------------------------------------

    /** A member's movement, validated in CreateTransfer's order: its terms, then its key (here from its own body only). */
    private static Movement movement(Member member) {
        MovementTerms.Between terms = new MovementTerms.Between(member.fromWalletId(), member.toWalletId(), member.amount(), member.currency(),
                member.description(), member.metadata());
        String key = member.idempotencyKey();
        if (key == null || key.isEmpty()) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_MISSING,
                    "idempotencyKey is required for each transfer of a batch (in the transfer itself; the Idempotency-Key header is the batch's)");
        }
        return Transfers.movement(terms, IdempotencyKey.fromPartner(key));
    }

    private static String keyAsSent(Member member) {
        return member.idempotencyKey() == null ? "" : member.idempotencyKey();
    }

    private static PayflowException keyInUse() {
        return PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_IN_USE,
                "a request with this idempotency key is still being processed; retry with the same key");
    }
}
