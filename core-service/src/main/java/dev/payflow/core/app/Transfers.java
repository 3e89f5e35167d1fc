package dev.payflow.core.app;

import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;

/** Moves funds between two wallets of the same partner and mode; no gateway, no system account. */
public final class Transfers {
    private final LedgerEngine ledger;

    public Transfers(LedgerEngine ledger) {
        this.ledger = ledger;
    }

    public LedgerTransaction transfer(PartnerScope scope, MovementTerms.Between terms, IdempotencyKey key) {
        Instruction.Post post = new Instruction.Post(TransactionType.TRANSFER, terms.amount(), new LedgerAccount.Wallet(terms.fromWalletId()),
                new LedgerAccount.Wallet(terms.toWalletId()), terms.description(), terms.metadata().json(), "", Instruction.GatewayReference.NONE);
        return ledger.book(scope, Movement.of("CreateTransfer", key, post, terms.fromWalletId(), terms.toWalletId(),
                terms.amount().minorUnits(), terms.amount().currency(), terms.description(), terms.metadata().json())).requireTransaction();
    }
}
