package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.HoldStatus;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.WalletRepository;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Holds for partners: reserve part of a wallet's balance, then capture it (as a debit or a
 * transfer) or void it. Each step books through the ledger engine, idempotent by its key.
 */
public final class Holds {
    private final Database database;
    private final Services services;
    private final LedgerEngine ledger;
    private final HoldRepository holds;
    private final WalletRepository wallets;

    public Holds(Database database, Services services, LedgerEngine ledger, HoldRepository holds, WalletRepository wallets) {
        this.database = database;
        this.services = services;
        this.ledger = ledger;
        this.holds = holds;
        this.wallets = wallets;
    }

    /**
     * What a capture asks for, validated in the contract's order: hold id, target wallet id,
     * description, metadata. The amount is checked against the hold's currency by {@link #capture}.
     */
    public record CaptureTerms(String holdId, Optional<String> amount, Optional<String> toWalletId, Optional<String> description,
            Metadata metadata) {
        public CaptureTerms {
            holdId = Ids.require(holdId, IdPrefix.HOLD, "id");
            Objects.requireNonNull(amount, "amount");
            toWalletId = toWalletId.map(id -> Ids.require(id, IdPrefix.WALLET, "toWalletId"));
            description = description.map(MovementTerms::description);
            metadata = metadata.validated();
        }
    }

    /**
     * Places a hold; {@code expiresAt} defaults to {@link Limits#HOLD_EXPIRY_DEFAULT} from now. A
     * replay answers exactly as the placement did (the hold as placed), whatever became of it since.
     */
    public Hold place(PartnerScope scope, MovementTerms.OnWallet terms, Optional<Instant> expiresAt, IdempotencyKey key) {
        Instant now = services.now();
        if (expiresAt.isPresent() && (!expiresAt.get().isAfter(now) || expiresAt.get().isAfter(now.plus(Limits.HOLD_EXPIRY_MAX)))) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "expiresAt: %s (expected: after now, %s, and at most %d days ahead)",
                    expiresAt.get(), now, Limits.HOLD_EXPIRY_MAX.toDays());
        }
        Instruction.PlaceHold place = new Instruction.PlaceHold(terms.walletId(), terms.amount(), terms.description(),
                expiresAt.orElse(now.plus(Limits.HOLD_EXPIRY_DEFAULT)), terms.metadata().json());
        // The requested expiry, not the computed default, so that a retry a moment later has the same fingerprint.
        return ledger.book(scope, Movement.of("CreateHold", key, place, terms.walletId(), terms.amount().minorUnits(), terms.amount().currency(),
                terms.description(), expiresAt.map(Instant::toString).orElse(""), terms.metadata().json())).requireHold().asPlaced();
    }

    public Hold capture(PartnerScope scope, CaptureTerms terms, IdempotencyKey key) {
        Optional<Hold> hold = terms.amount().isPresent() ? holds.find(database.reader(), scope, terms.holdId()) : Optional.empty();
        Optional<Long> amountMinor = terms.amount().map(text -> parseAgainstHold(hold, text));
        Instruction.CaptureHold capture = new Instruction.CaptureHold(terms.holdId(), amountMinor, terms.toWalletId(), terms.description(),
                terms.metadata().json());
        // The amount in minor units when the hold's currency gave them, else as sent: two captures that differ never share a fingerprint.
        String amountForFingerprint = terms.amount().map(text -> hold.isPresent() ? String.valueOf(amountMinor.orElseThrow()) : "as sent:" + text)
                .orElse("");
        return ledger.book(scope, Movement.of("CaptureHold", key, capture, terms.holdId(), amountForFingerprint,
                terms.toWalletId().orElse(""), terms.description().orElse(""), terms.metadata().json())).requireHold();
    }

    public Hold voidHold(PartnerScope scope, String holdIdText, IdempotencyKey key) {
        String holdId = Ids.require(holdIdText, IdPrefix.HOLD, "id");
        return ledger.book(scope, Movement.of("VoidHold", key, new Instruction.ReleaseHold(holdId, HoldStatus.VOIDED), holdId)).requireHold();
    }

    public Hold get(PartnerScope scope, String id) {
        String holdId = Ids.require(id, IdPrefix.HOLD, "id");
        return holds.find(database.reader(), scope, holdId).orElseThrow(() -> notFound(holdId));
    }

    public Page<Hold> listForWallet(PartnerScope scope, String walletIdText, Optional<HoldStatus> status, int pageSize, String pageToken) {
        String walletId = Ids.require(walletIdText, IdPrefix.WALLET, "walletId");
        PageRequest page = PageRequest.of(pageSize, pageToken, "holds|" + walletId + "|" + status.map(HoldStatus::wireName).orElse(""));
        return database.inTransaction(tx -> {
            if (wallets.find(tx, scope, walletId).isEmpty()) {
                throw WalletManagement.notFound(walletId);
            }
            List<Hold> rows = holds.listForWallet(tx, scope, walletId, status, page.afterId(), page.size());
            return Pages.of(rows, page, Hold::id);
        });
    }

    /**
     * A capture's amount in the hold's currency. The currency of a hold never changes, so it is
     * read without a lock, before anything is recorded: a malformed amount does not consume the
     * key. An unknown hold is left for the ledger's HOLD_NOT_FOUND, which does; any positive
     * number stands in for its amount, which the ledger never reaches.
     */
    private static long parseAgainstHold(Optional<Hold> hold, String amountText) {
        if (hold.isEmpty()) {
            return 1;
        }
        return Money.parsePositive(Fields.required(amountText, "amount", 64), hold.get().amount().currency()).minorUnits();
    }

    static PayflowException notFound(String holdId) {
        return PayflowException.of(ErrorReason.HOLD_NOT_FOUND, "hold %s not found", holdId);
    }
}
