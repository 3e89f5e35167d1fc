package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.SqlArrays.booleans;
import static dev.payflow.core.persistence.SqlArrays.longs;
import static dev.payflow.core.persistence.SqlArrays.texts;

import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.TransactionStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * The writes of many completed transactions (money moved between accounts, no hold) in one
 * statement and one round trip, whatever their number: the transactions, their entries, the
 * wallets' new balances and the idempotency keys' outcomes. The same statement answers with the
 * transactions and their wallet entries as the database stored them (each insert's
 * {@code RETURNING}, laid out as {@link LedgerRepository}'s read of a transaction), so the caller
 * checks what was written without a second query. The statement's text never changes
 * (each column travels as one array), so the JDBC driver keeps it as a server-side prepared
 * statement on each connection (from its fifth use, pgjdbc's {@code prepareThreshold}) and the
 * service renders nothing per row.
 *
 * <p>Each wallet is updated once, to its last state, guarded by the state it had before the first
 * of these transactions: a wallet whose row no longer holds those values (a stale read) is not
 * updated, and {@link #execute} then throws, so the caller's transaction rolls back whole. The
 * same for every other count that differs from what was added.
 */
public final class BulkPostings {
    private static final String SQL = """
            WITH t AS (
                INSERT INTO transactions (id, partner_id, livemode, type, status, amount_minor, currency, description, from_wallet_id,
                        to_wallet_id, idempotency_key, gateway, gateway_transaction_id, metadata, created_at, completed_at)
                SELECT v.id, v.partner_id, v.livemode, v.type, v.status, v.amount_minor, v.currency, v.description, v.from_wallet_id,
                        v.to_wallet_id, v.idempotency_key, v.gateway, v.gateway_transaction_id, v.metadata::jsonb, ?, ?
                FROM unnest(?::varchar[], ?::varchar[], ?::boolean[], ?::varchar[], ?::varchar[], ?::bigint[], ?::varchar[], ?::varchar[],
                        ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::text[])
                    AS v(id, partner_id, livemode, type, status, amount_minor, currency, description, from_wallet_id, to_wallet_id,
                        idempotency_key, gateway, gateway_transaction_id, metadata)
                RETURNING id, partner_id, livemode, type, status, amount_minor, currency, description, from_wallet_id, to_wallet_id,
                    idempotency_key, gateway, gateway_transaction_id, failure_reason, metadata, created_at, completed_at, hold_id
            ), e AS (
                INSERT INTO ledger_entries (id, transaction_id, partner_id, livemode, currency, wallet_id, system_account_id, amount_minor,
                        balance_after_minor, wallet_sequence, created_at)
                SELECT v.id, v.transaction_id, v.partner_id, v.livemode, v.currency, v.wallet_id, v.system_account_id, v.amount_minor,
                        v.balance_after_minor, v.wallet_sequence, ?
                FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::boolean[], ?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[],
                        ?::bigint[], ?::bigint[])
                    AS v(id, transaction_id, partner_id, livemode, currency, wallet_id, system_account_id, amount_minor, balance_after_minor,
                        wallet_sequence)
                RETURNING id, transaction_id, wallet_id, currency, amount_minor, balance_after_minor, wallet_sequence, created_at
            ), w AS (
                UPDATE wallets SET balance_minor = v.balance_minor, held_minor = v.held_minor, last_entry_sequence = v.last_entry_sequence,
                        updated_at = ?
                FROM unnest(?::varchar[], ?::varchar[], ?::boolean[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                        ?::bigint[])
                    AS v(id, partner_id, livemode, balance_minor, held_minor, last_entry_sequence, was_balance_minor, was_held_minor,
                        was_last_entry_sequence)
                WHERE wallets.id = v.id AND wallets.partner_id = v.partner_id AND wallets.livemode = v.livemode
                    AND wallets.balance_minor = v.was_balance_minor AND wallets.held_minor = v.was_held_minor
                    AND wallets.last_entry_sequence = v.was_last_entry_sequence
                RETURNING 1
            ), k AS (
                UPDATE idempotency_keys SET transaction_id = v.transaction_id, hold_id = NULL
                FROM unnest(?::varchar[], ?::boolean[], ?::varchar[], ?::varchar[]) AS v(partner_id, livemode, idempotency_key, transaction_id)
                WHERE idempotency_keys.partner_id = v.partner_id AND idempotency_keys.livemode = v.livemode
                    AND idempotency_keys.idempotency_key = v.idempotency_key
                RETURNING 1
            )
            SELECT
            """ + LedgerRepository.TRANSACTION_AND_WALLET_ENTRY_COLUMNS + """
                    , (SELECT count(*) FROM e), (SELECT count(*) FROM w), (SELECT count(*) FROM k)
            FROM t
            LEFT JOIN e ON e.transaction_id = t.id AND e.wallet_id IS NOT NULL
            ORDER BY t.id, e.id
            """;

    /** A wallet's row before the first of the transactions and after the last. */
    public record WalletUpdate(String id, PartnerScope scope, long wasBalanceMinor, long wasHeldMinor, long wasLastEntrySequence,
            long balanceMinor, long heldMinor, long lastEntrySequence) {
    }

    private final Instant now;
    private final List<LedgerTransaction> transactions = new ArrayList<>();
    private final List<LedgerRepository.EntryRow> entries = new ArrayList<>();
    private final List<LedgerTransaction> entryTransactions = new ArrayList<>();

    /** @param now the stamp of every row written (created, completed, updated) */
    public BulkPostings(Instant now) {
        this.now = Objects.requireNonNull(now, "now");
    }

    /** Adds a completed transaction without a hold, with its entries; its idempotency key's outcome is the transaction. */
    public void add(LedgerTransaction transaction, List<LedgerRepository.EntryRow> transactionEntries) {
        if (transaction.status() != TransactionStatus.COMPLETED || transaction.holdId().isPresent() || transaction.failureReason().isPresent()
                || !transaction.createdAt().equals(now) || !transaction.completedAt().equals(Optional.of(now))) {
            throw new IllegalArgumentException("transaction " + transaction.id() + ": bulk postings are completed, hold-less and stamped now");
        }
        transactions.add(transaction);
        for (LedgerRepository.EntryRow entry : transactionEntries) {
            if (!entry.transactionId().equals(transaction.id())) {
                throw new IllegalArgumentException("entry " + entry.id() + " is not of transaction " + transaction.id());
            }
            entries.add(entry);
            entryTransactions.add(transaction);
        }
    }

    public boolean isEmpty() {
        return transactions.isEmpty();
    }

    /**
     * Writes everything added, with the wallets' updates, in one statement, and returns the
     * transactions as written (by id, with their wallet entries); throws if any count differs
     * from what was meant.
     */
    public Map<String, LedgerTransaction> execute(DSLContext tx, List<WalletUpdate> wallets) {
        if (transactions.isEmpty()) {
            return Map.of();
        }
        Written written = tx.connectionResult(connection -> run(connection, wallets));
        long[] counts = {written.transactions().size(), written.entries(), written.wallets(), written.keys()};
        long[] meant = {transactions.size(), entries.size(), wallets.size(), transactions.size()};
        for (int i = 0; i < meant.length; i++) {
            if (counts[i] != meant[i]) {
                throw new IllegalStateException("bulk postings wrote " + Arrays.toString(counts) + " rows (transactions, entries,"
                        + " wallets, keys), meant " + Arrays.toString(meant) + ": a wallet changed since it was read");
            }
        }
        Map<String, LedgerTransaction> byId = new HashMap<>();
        written.transactions().forEach(t -> byId.put(t.id(), t));
        return byId;
    }

    /** The statement's answer: the transactions it inserted, with their wallet entries, and the rows each other part wrote. */
    private record Written(Collection<LedgerTransaction> transactions, long entries, long wallets, long keys) {
    }

    private Written run(Connection connection, List<WalletUpdate> wallets) throws SQLException {
        var stamp = Timestamps.toColumn(now);
        try (PreparedStatement statement = connection.prepareStatement(SQL)) {
            int i = 0;
            statement.setObject(++i, stamp);
            statement.setObject(++i, stamp);
            statement.setArray(++i, texts(connection, transactions.stream().map(LedgerTransaction::id)));
            statement.setArray(++i, texts(connection, transactions.stream().map(t -> t.scope().partnerId())));
            statement.setArray(++i, booleans(connection, transactions.stream().map(t -> t.scope().livemode())));
            statement.setArray(++i, texts(connection, transactions.stream().map(t -> t.type().wireName())));
            statement.setArray(++i, texts(connection, transactions.stream().map(t -> t.status().wireName())));
            statement.setArray(++i, longs(connection, transactions.stream().map(t -> t.amount().minorUnits())));
            statement.setArray(++i, texts(connection, transactions.stream().map(t -> t.amount().currency().code())));
            statement.setArray(++i, texts(connection, transactions.stream().map(LedgerTransaction::description)));
            statement.setArray(++i, texts(connection, transactions.stream().map(t -> t.fromWalletId().orElse(null))));
            statement.setArray(++i, texts(connection, transactions.stream().map(t -> t.toWalletId().orElse(null))));
            statement.setArray(++i, texts(connection, transactions.stream().map(LedgerTransaction::idempotencyKey)));
            statement.setArray(++i, texts(connection, transactions.stream().map(LedgerTransaction::gateway)));
            statement.setArray(++i, texts(connection, transactions.stream().map(t -> t.gatewayTransactionId().orElse(null))));
            statement.setArray(++i, texts(connection, transactions.stream().map(LedgerTransaction::metadataJson)));

            statement.setObject(++i, stamp);
            statement.setArray(++i, texts(connection, entries.stream().map(LedgerRepository.EntryRow::id)));
            statement.setArray(++i, texts(connection, entries.stream().map(LedgerRepository.EntryRow::transactionId)));
            statement.setArray(++i, texts(connection, entryTransactions.stream().map(t -> t.scope().partnerId())));
            statement.setArray(++i, booleans(connection, entryTransactions.stream().map(t -> t.scope().livemode())));
            statement.setArray(++i, texts(connection, entryTransactions.stream().map(t -> t.amount().currency().code())));
            statement.setArray(++i, texts(connection, entries.stream().map(e -> e.walletId().orElse(null))));
            statement.setArray(++i, texts(connection, entries.stream().map(e -> e.systemAccountId().orElse(null))));
            statement.setArray(++i, longs(connection, entries.stream().map(LedgerRepository.EntryRow::amountMinor)));
            statement.setArray(++i, longs(connection, entries.stream().map(e -> e.balanceAfterMinor().orElse(null))));
            statement.setArray(++i, longs(connection, entries.stream().map(e -> e.walletSequence().orElse(null))));

            statement.setObject(++i, stamp);
            statement.setArray(++i, texts(connection, wallets.stream().map(WalletUpdate::id)));
            statement.setArray(++i, texts(connection, wallets.stream().map(w -> w.scope().partnerId())));
            statement.setArray(++i, booleans(connection, wallets.stream().map(w -> w.scope().livemode())));
            statement.setArray(++i, longs(connection, wallets.stream().map(WalletUpdate::balanceMinor)));
            statement.setArray(++i, longs(connection, wallets.stream().map(WalletUpdate::heldMinor)));
            statement.setArray(++i, longs(connection, wallets.stream().map(WalletUpdate::lastEntrySequence)));
            statement.setArray(++i, longs(connection, wallets.stream().map(WalletUpdate::wasBalanceMinor)));
            statement.setArray(++i, longs(connection, wallets.stream().map(WalletUpdate::wasHeldMinor)));
            statement.setArray(++i, longs(connection, wallets.stream().map(WalletUpdate::wasLastEntrySequence)));

            statement.setArray(++i, texts(connection, transactions.stream().map(t -> t.scope().partnerId())));
            statement.setArray(++i, booleans(connection, transactions.stream().map(t -> t.scope().livemode())));
            statement.setArray(++i, texts(connection, transactions.stream().map(LedgerTransaction::idempotencyKey)));
            statement.setArray(++i, texts(connection, transactions.stream().map(LedgerTransaction::id)));
            long[] counts = new long[3];
            try (ResultSet rows = statement.executeQuery()) {
                // The counts are the same on every row; a statement that inserted no transaction has no row, and counts nothing.
                Collection<LedgerTransaction> inserted = LedgerRepository.readTransactions(rows, row -> {
                    counts[0] = row.getLong(26);
                    counts[1] = row.getLong(27);
                    counts[2] = row.getLong(28);
                });
                return new Written(inserted, counts[0], counts[1], counts[2]);
            }
        }
    }
}
