package dev.payflow.core.app;

import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;

/** Takes funds out of a wallet into the partner's settlement account (the partner charged its user for something). */
public final class Debits {
    private final LedgerEngine ledger;

    public Debits(LedgerEngine ledger) {
        this.ledger = ledger;
    }

    public LedgerTransaction debit(PartnerScope scope, MovementTerms.OnWallet terms, IdempotencyKey key) {
        Instruction.Post post = new Instruction.Post(TransactionType.DEBIT, terms.amount(), new LedgerAccount.Wallet(terms.walletId()),
                LedgerAccount.System.of(SystemAccountKind.SETTLEMENT), terms.description(), terms.metadata().json(), "",
                Instruction.GatewayReference.NONE);
        return ledger.book(scope, Movement.of("DebitWallet", key, post, terms.walletId(), terms.amount().minorUnits(),
                terms.amount().currency(), terms.description(), terms.metadata().json())).requireTransaction();
    }
}
