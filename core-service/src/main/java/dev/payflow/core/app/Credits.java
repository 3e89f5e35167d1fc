package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.gateway.GatewayRegistry;
import dev.payflow.core.gateway.InstantGateway;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import java.util.Optional;

/** Adds funds to a wallet from the gateway that collected them (its clearing account); sandbox settles at once. */
public final class Credits {
    private final LedgerEngine ledger;
    private final GatewayRegistry gateways;

    public Credits(LedgerEngine ledger, GatewayRegistry gateways) {
        this.ledger = ledger;
        this.gateways = gateways;
    }

    public LedgerTransaction credit(PartnerScope scope, MovementTerms.OnWallet terms, IdempotencyKey key) {
        // Only a gateway that settles without I/O may run inside the database transaction. A gateway
        // that calls out (Stripe) needs the record-commit-call-record flow of docs/ledger.md.
        // Live money comes in only as a payment (CreditWallet with paymentMethod): without one, live mode refuses.
        InstantGateway gateway = gateways.forLivemode(scope.livemode())
                .filter(InstantGateway.class::isInstance).map(InstantGateway.class::cast)
                .orElseThrow(() -> scope.livemode()
                        ? PayflowException.of(ErrorReason.PAYMENT_METHOD_REQUIRED,
                                "live credits need paymentMethod: real money comes in only through a payment")
                        : PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED,
                                "no payment gateway is configured for sandbox mode, so funds cannot be added yet"));
        Instruction.Post post = new Instruction.Post(TransactionType.CREDIT, terms.amount(),
                new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, gateway.name()), new LedgerAccount.Wallet(terms.walletId()),
                terms.description(), terms.metadata().json(), gateway.name(),
                transactionId -> Optional.of(gateway.settle(transactionId, terms.amount())));
        return ledger.book(scope, Movement.of("CreditWallet", key, post, terms.walletId(), terms.amount().minorUnits(),
                terms.amount().currency(), terms.description(), terms.metadata().json())).requireTransaction();
    }
}
