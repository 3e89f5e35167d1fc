package dev.payflow.core.app;

import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import java.util.Objects;

/** Moves funds between two wallets of the same partner and mode; no gateway, no system account. */
public final class Transfers {
    /** The operation a transfer's key is recorded under, alone or in a batch: the same key answers the same either way. */
    static final String OPERATION = "CreateTransfer";

    private final LedgerEngine ledger;
    private final TransferBatches batches;

    public Transfers(LedgerEngine ledger, TransferBatches batches) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.batches = Objects.requireNonNull(batches, "batches");
    }

    public LedgerTransaction transfer(PartnerScope scope, MovementTerms.Between terms, IdempotencyKey key) {
        return ledger.book(scope, movement(terms, key)).requireTransaction();
    }

    /** BatchCreateTransfers: many transfers in one call (see {@link TransferBatches}). */
    public TransferBatches batches() {
        return batches;
    }

    /** The movement of one transfer, with the fingerprint CreateTransfer has always recorded. */
    static Movement movement(MovementTerms.Between terms, IdempotencyKey key) {
        Instruction.Post post = new Instruction.Post(TransactionType.TRANSFER, terms.amount(), new LedgerAccount.Wallet(terms.fromWalletId()),
                new LedgerAccount.Wallet(terms.toWalletId()), terms.description(), terms.metadata().json(), "", Instruction.GatewayReference.NONE);
        return Movement.of(OPERATION, key, post, terms.fromWalletId(), terms.toWalletId(),
                terms.amount().minorUnits(), terms.amount().currency(), terms.description(), terms.metadata().json());
    }
}
