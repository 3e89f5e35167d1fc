package dev.payflow.core.webhook;

import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Wallet;

/**
 * Renders the {@code data} of the ledger's events as JSON, in the contract's messages
 * ({@code events.proto}), with {@code object} as the API returns the resource. The API layer
 * implements it: it owns the mapping to the contract, so an event's object and a GET of the
 * same resource cannot drift apart.
 */
public interface LedgerEventData {
    /**
     * The data of one transaction's events. They all embed the same transaction as {@code object}:
     * it is mapped and printed once, here, and shared by each event's data.
     */
    TransactionEvents of(LedgerTransaction transaction);

    /** {@code hold.*}. */
    String hold(Hold hold);

    /** The data of the events of one transaction, around its one rendering. */
    interface TransactionEvents {
        /** {@code wallet.funds_added}, {@code wallet.credited}, {@code wallet.debited}: one wallet's side of the transaction. */
        String wallet(Wallet wallet, LedgerTransaction.WalletEntry entry);

        /** {@code transaction.completed} (or failed), about {@code walletId}. */
        String transaction(String walletId);

        /** {@code transfer.completed}. */
        String transfer();
    }
}
