package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.LEDGER_ENTRIES;
import static dev.payflow.core.persistence.jooq.Tables.TRANSACTIONS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.persistence.jooq.tables.records.LedgerEntriesRecord;
import dev.payflow.core.persistence.jooq.tables.records.TransactionsRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/** Transactions and ledger entries. Entries are only ever inserted; the database refuses updates and deletes. */
public final class LedgerRepository {

    /** A ledger entry to insert: on a wallet (with its running balance and sequence) or on a system account. */
    public record EntryRow(String id, String transactionId, Optional<String> walletId, Optional<String> systemAccountId,
            long amountMinor, Optional<Long> balanceAfterMinor, Optional<Long> walletSequence) {
    }

    /** Filters of a wallet's transaction list. */
    public record TransactionFilter(Optional<TransactionType> type, Optional<TransactionStatus> status,
            Optional<Instant> createdAtOrAfter, Optional<Instant> createdBefore) {
    }

    /** Adds the insert of a transaction (without its entries) to a batch. */
    public Batch insertTransaction(Batch batch, DSLContext tx, LedgerTransaction t) {
        return batch.add(tx.insertInto(TRANSACTIONS)
                .set(TRANSACTIONS.ID, t.id())
                .set(TRANSACTIONS.PARTNER_ID, t.scope().partnerId())
                .set(TRANSACTIONS.LIVEMODE, t.scope().livemode())
                .set(TRANSACTIONS.TYPE, t.type().wireName())
                .set(TRANSACTIONS.STATUS, t.status().wireName())
                .set(TRANSACTIONS.AMOUNT_MINOR, t.amount().minorUnits())
                .set(TRANSACTIONS.CURRENCY, t.amount().currency().code())
                .set(TRANSACTIONS.DESCRIPTION, t.description())
                .set(TRANSACTIONS.FROM_WALLET_ID, t.fromWalletId().orElse(null))
                .set(TRANSACTIONS.TO_WALLET_ID, t.toWalletId().orElse(null))
                .set(TRANSACTIONS.IDEMPOTENCY_KEY, t.idempotencyKey())
                .set(TRANSACTIONS.GATEWAY, t.gateway())
                .set(TRANSACTIONS.GATEWAY_TRANSACTION_ID, t.gatewayTransactionId().orElse(null))
                .set(TRANSACTIONS.FAILURE_REASON, t.failureReason().orElse(null))
                .set(TRANSACTIONS.METADATA, JSONB.valueOf(t.metadataJson()))
                .set(TRANSACTIONS.CREATED_AT, Timestamps.toColumn(t.createdAt()))
                .set(TRANSACTIONS.COMPLETED_AT, Timestamps.toColumn(t.completedAt().orElse(null)))
                .set(TRANSACTIONS.HOLD_ID, t.holdId().orElse(null)), 1);
    }

    /** Adds the insert of all entries of one transaction, as one statement, to a batch. */
    public Batch insertEntries(Batch batch, DSLContext tx, PartnerScope scope, CurrencyUnit currency, Instant createdAt, List<EntryRow> entries) {
        var insert = tx.insertInto(LEDGER_ENTRIES, LEDGER_ENTRIES.ID, LEDGER_ENTRIES.TRANSACTION_ID, LEDGER_ENTRIES.PARTNER_ID,
                LEDGER_ENTRIES.LIVEMODE, LEDGER_ENTRIES.CURRENCY, LEDGER_ENTRIES.WALLET_ID, LEDGER_ENTRIES.SYSTEM_ACCOUNT_ID,
                LEDGER_ENTRIES.AMOUNT_MINOR, LEDGER_ENTRIES.BALANCE_AFTER_MINOR, LEDGER_ENTRIES.WALLET_SEQUENCE, LEDGER_ENTRIES.CREATED_AT);
        for (EntryRow e : entries) {
            insert = insert.values(e.id(), e.transactionId(), scope.partnerId(), scope.livemode(), currency.code(), e.walletId().orElse(null),
                    e.systemAccountId().orElse(null), e.amountMinor(), e.balanceAfterMinor().orElse(null), e.walletSequence().orElse(null),
                    Timestamps.toColumn(createdAt));
        }
        return batch.add(insert, entries.size());
    }

    /** A transaction of the partner and mode, with its wallet entries, in one query (see {@link #TRANSACTIONS_WITH_WALLET_ENTRIES}). */
    public Optional<LedgerTransaction> findTransaction(DSLContext tx, PartnerScope scope, String id) {
        Objects.requireNonNull(scope, "scope");
        Collection<LedgerTransaction> found = tx.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(TRANSACTION_IN_SCOPE_WITH_WALLET_ENTRIES)) {
                statement.setString(1, id);
                statement.setString(2, scope.partnerId());
                statement.setBoolean(3, scope.livemode());
                return readTransactions(statement);
            }
        });
        return found.stream().findFirst();
    }

    /** Newest first; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<LedgerTransaction> listForWallet(DSLContext tx, PartnerScope scope, String walletId, TransactionFilter filter,
            Optional<String> afterId, int limit) {
        Condition where = inScope(scope).and(TRANSACTIONS.FROM_WALLET_ID.eq(walletId).or(TRANSACTIONS.TO_WALLET_ID.eq(walletId)));
        if (filter.type().isPresent()) {
            where = where.and(TRANSACTIONS.TYPE.eq(filter.type().get().wireName()));
        }
        if (filter.status().isPresent()) {
            where = where.and(TRANSACTIONS.STATUS.eq(filter.status().get().wireName()));
        }
        if (filter.createdAtOrAfter().isPresent()) {
            where = where.and(TRANSACTIONS.CREATED_AT.ge(Timestamps.toColumn(filter.createdAtOrAfter().get())));
        }
        if (filter.createdBefore().isPresent()) {
            where = where.and(TRANSACTIONS.CREATED_AT.lt(Timestamps.toColumn(filter.createdBefore().get())));
        }
        if (afterId.isPresent()) {
            where = where.and(TRANSACTIONS.ID.lt(afterId.get()));
        }
        List<TransactionsRecord> rows = tx.selectFrom(TRANSACTIONS).where(where).orderBy(TRANSACTIONS.ID.desc()).limit(limit + 1).fetch();
        Map<String, List<LedgerTransaction.WalletEntry>> entries = walletEntries(tx, rows.stream().map(TransactionsRecord::getId).toList());
        return rows.stream().map(r -> toTransaction(r, entries.getOrDefault(r.getId(), List.of()))).toList();
    }

    /** A wallet's statement, newest first, before entry number {@code beforeSequence} if given. */
    public List<LedgerTransaction.WalletEntry> listWalletEntries(DSLContext tx, PartnerScope scope, String walletId,
            Optional<Long> beforeSequence, int limit) {
        Condition where = LEDGER_ENTRIES.PARTNER_ID.eq(scope.partnerId()).and(LEDGER_ENTRIES.LIVEMODE.eq(scope.livemode()))
                .and(LEDGER_ENTRIES.WALLET_ID.eq(walletId));
        if (beforeSequence.isPresent()) {
            where = where.and(LEDGER_ENTRIES.WALLET_SEQUENCE.lt(beforeSequence.get()));
        }
        return tx.select(LEDGER_ENTRIES.fields()).select(TRANSACTIONS.DESCRIPTION)
                .from(LEDGER_ENTRIES).join(TRANSACTIONS).on(TRANSACTIONS.ID.eq(LEDGER_ENTRIES.TRANSACTION_ID))
                .where(where)
                .orderBy(LEDGER_ENTRIES.WALLET_SEQUENCE.desc())
                .limit(limit + 1)
                .fetch(r -> toWalletEntry(r.into(LEDGER_ENTRIES), r.get(TRANSACTIONS.DESCRIPTION)));
    }

    /** The wallet's balance after its last entry at or before {@code asOf}; zero before its first entry. */
    public long balanceAsOf(DSLContext tx, PartnerScope scope, String walletId, Instant asOf) {
        return tx.select(LEDGER_ENTRIES.BALANCE_AFTER_MINOR)
                .from(LEDGER_ENTRIES)
                .where(LEDGER_ENTRIES.PARTNER_ID.eq(scope.partnerId())).and(LEDGER_ENTRIES.LIVEMODE.eq(scope.livemode()))
                .and(LEDGER_ENTRIES.WALLET_ID.eq(walletId))
                .and(LEDGER_ENTRIES.CREATED_AT.le(Timestamps.toColumn(asOf)))
                .orderBy(LEDGER_ENTRIES.WALLET_SEQUENCE.desc())
                .limit(1)
                .fetchOptional(LEDGER_ENTRIES.BALANCE_AFTER_MINOR)
                .orElse(0L);
    }

    public long countTransactions(DSLContext tx, boolean livemode) {
        return tx.fetchCount(TRANSACTIONS, TRANSACTIONS.LIVEMODE.eq(livemode));
    }

    /**
     * The partner's transactions of one mode created in [from, to), oldest first (ids sort by
     * creation time), after {@code afterId} if given: a partner's export. Index
     * transactions_partner_created keeps the window a range scan.
     */
    public List<LedgerTransaction> listForExport(DSLContext tx, PartnerScope scope, Instant from, Instant to, Optional<String> afterId,
            int limit) {
        Condition where = inScope(scope)
                .and(TRANSACTIONS.CREATED_AT.ge(Timestamps.toColumn(from)))
                .and(TRANSACTIONS.CREATED_AT.lt(Timestamps.toColumn(to)));
        if (afterId.isPresent()) {
            where = where.and(TRANSACTIONS.ID.gt(afterId.get()));
        }
        List<TransactionsRecord> rows = tx.selectFrom(TRANSACTIONS).where(where).orderBy(TRANSACTIONS.ID.asc()).limit(limit + 1).fetch();
        Map<String, List<LedgerTransaction.WalletEntry>> entries = walletEntries(tx, rows.stream().map(TransactionsRecord::getId).toList());
        return rows.stream().map(r -> toTransaction(r, entries.getOrDefault(r.getId(), List.of()))).toList();
    }

    /** A transaction of any partner and mode: for operators only, never behind a partner key. */
    public Optional<LedgerTransaction> findTransactionOfAnyPartner(DSLContext tx, String id) {
        return Optional.ofNullable(findTransactionsOfAnyPartner(tx, List.of(id)).get(id));
    }

    /**
     * Transactions by id, with their wallet entries, in one query of one text whatever their
     * number; ids not found are absent. Of any partner and mode: for operators, or a caller that
     * checks each one's scope against what it wrote.
     */
    public Map<String, LedgerTransaction> findTransactionsOfAnyPartner(DSLContext tx, Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Collection<LedgerTransaction> found = tx.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(TRANSACTIONS_WITH_WALLET_ENTRIES)) {
                statement.setArray(1, SqlArrays.texts(connection, ids.stream()));
                return readTransactions(statement);
            }
        });
        Map<String, LedgerTransaction> byId = new HashMap<>();
        found.forEach(t -> byId.put(t.id(), t));
        return byId;
    }

    /**
     * The columns {@link #readTransactions(ResultSet, RowReader)} reads (1 to 25), of a transaction
     * {@code t} and one of its wallet entries {@code e}: shared by every query it reads.
     */
    static final String TRANSACTION_AND_WALLET_ENTRY_COLUMNS = """
            t.id, t.partner_id, t.livemode, t.type, t.status, t.amount_minor, t.currency, t.description, t.from_wallet_id,
                    t.to_wallet_id, t.idempotency_key, t.gateway, t.gateway_transaction_id, t.failure_reason, t.metadata, t.created_at,
                    t.completed_at, t.hold_id,
                    e.id, e.wallet_id, e.currency, e.amount_minor, e.balance_after_minor, e.wallet_sequence, e.created_at
            """;

    /**
     * Each transaction's columns, then one of its wallet entries' (none if it has none: the left
     * join), a row per wallet entry, the entries of a transaction in id order, each entry with
     * its transaction's description. One query instead of one for the transactions and one for
     * their entries; a transaction's columns come once per wallet entry (at most two), which costs
     * less than a second statement and round trip.
     */
    private static final String SELECT_TRANSACTIONS_WITH_WALLET_ENTRIES = "SELECT " + TRANSACTION_AND_WALLET_ENTRY_COLUMNS + """
            FROM transactions t
            LEFT JOIN ledger_entries e ON e.transaction_id = t.id AND e.wallet_id IS NOT NULL
            """;
    private static final String TRANSACTIONS_WITH_WALLET_ENTRIES = SELECT_TRANSACTIONS_WITH_WALLET_ENTRIES + """
            WHERE t.id = ANY(?::varchar[])
            ORDER BY t.id, e.id
            """;
    private static final String TRANSACTION_IN_SCOPE_WITH_WALLET_ENTRIES = SELECT_TRANSACTIONS_WITH_WALLET_ENTRIES + """
            WHERE t.id = ? AND t.partner_id = ? AND t.livemode = ?
            ORDER BY e.id
            """;

    /** The transactions of a {@link #SELECT_TRANSACTIONS_WITH_WALLET_ENTRIES} query, in the order of their first row. */
    private static Collection<LedgerTransaction> readTransactions(PreparedStatement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            return readTransactions(rows, row -> { });
        }
    }

    /** What a caller reads of each row beyond the transaction's and entry's columns (1 to 25). */
    @FunctionalInterface
    interface RowReader {
        void read(ResultSet row) throws SQLException;
    }

    /**
     * The transactions of rows laid out as {@link #SELECT_TRANSACTIONS_WITH_WALLET_ENTRIES}'s
     * (columns 1 to 25, a row per wallet entry, or one without an entry), in the order of their
     * first row; {@code eachRow} is handed every row as well, for columns after those.
     */
    static Collection<LedgerTransaction> readTransactions(ResultSet row, RowReader eachRow) throws SQLException {
        Map<String, LedgerTransaction> transactions = new LinkedHashMap<>();
        Map<String, List<LedgerTransaction.WalletEntry>> entries = new HashMap<>();
        while (row.next()) {
            eachRow.read(row);
            String id = row.getString(1);
            if (!transactions.containsKey(id)) {
                transactions.put(id, transactionOf(row));
                entries.put(id, new ArrayList<>());
            }
            String entryId = row.getString(19);
            if (entryId != null) {
                entries.get(id).add(new LedgerTransaction.WalletEntry(entryId, id, row.getString(20), CurrencyUnit.of(row.getString(21)),
                        row.getLong(22), row.getLong(23), row.getLong(24), row.getString(8), instant(row, 25)));
            }
        }
        List<LedgerTransaction> withEntries = new ArrayList<>(transactions.size());
        transactions.forEach((id, t) -> withEntries.add(new LedgerTransaction(t.id(), t.scope(), t.type(), t.status(), t.amount(),
                t.description(), t.fromWalletId(), t.toWalletId(), t.idempotencyKey(), t.gateway(), t.gatewayTransactionId(),
                t.failureReason(), t.metadataJson(), t.createdAt(), t.completedAt(), t.holdId(), entries.get(id))));
        return withEntries;
    }

    /** A transaction's columns (1 to 18), without its entries yet. */
    private static LedgerTransaction transactionOf(ResultSet row) throws SQLException {
        return new LedgerTransaction(row.getString(1), new PartnerScope(row.getString(2), row.getBoolean(3)),
                TransactionType.fromWireName(row.getString(4)), TransactionStatus.fromWireName(row.getString(5)),
                new Money(row.getLong(6), CurrencyUnit.of(row.getString(7))), row.getString(8), Optional.ofNullable(row.getString(9)),
                Optional.ofNullable(row.getString(10)), row.getString(11), row.getString(12), Optional.ofNullable(row.getString(13)),
                Optional.ofNullable(row.getString(14)), row.getString(15), instant(row, 16), Optional.ofNullable(instant(row, 17)),
                Optional.ofNullable(row.getString(18)), List.of());
    }

    private static Instant instant(ResultSet row, int column) throws SQLException {
        return Timestamps.fromColumn(row.getObject(column, OffsetDateTime.class));
    }

    /** A partner's transactions of one mode, newest first, optionally of one wallet: for operators. */
    public List<LedgerTransaction> listForScope(DSLContext tx, PartnerScope scope, Optional<String> walletId, TransactionFilter filter,
            Optional<String> afterId, int limit) {
        Condition where = inScope(scope);
        if (walletId.isPresent()) {
            where = where.and(TRANSACTIONS.FROM_WALLET_ID.eq(walletId.get()).or(TRANSACTIONS.TO_WALLET_ID.eq(walletId.get())));
        }
        if (filter.type().isPresent()) {
            where = where.and(TRANSACTIONS.TYPE.eq(filter.type().get().wireName()));
        }
        if (filter.status().isPresent()) {
            where = where.and(TRANSACTIONS.STATUS.eq(filter.status().get().wireName()));
        }
        if (afterId.isPresent()) {
            where = where.and(TRANSACTIONS.ID.lt(afterId.get()));
        }
        List<TransactionsRecord> rows = tx.selectFrom(TRANSACTIONS).where(where).orderBy(TRANSACTIONS.ID.desc()).limit(limit + 1).fetch();
        Map<String, List<LedgerTransaction.WalletEntry>> entries = walletEntries(tx, rows.stream().map(TransactionsRecord::getId).toList());
        return rows.stream().map(r -> toTransaction(r, entries.getOrDefault(r.getId(), List.of()))).toList();
    }

    private Map<String, List<LedgerTransaction.WalletEntry>> walletEntries(DSLContext tx, List<String> transactionIds) {
        if (transactionIds.isEmpty()) {
            return Map.of();
        }
        return tx.select(LEDGER_ENTRIES.fields()).select(TRANSACTIONS.DESCRIPTION)
                .from(LEDGER_ENTRIES).join(TRANSACTIONS).on(TRANSACTIONS.ID.eq(LEDGER_ENTRIES.TRANSACTION_ID))
                .where(LEDGER_ENTRIES.TRANSACTION_ID.eq(DSL.any(transactionIds.toArray(String[]::new)))).and(LEDGER_ENTRIES.WALLET_ID.isNotNull())
                .orderBy(LEDGER_ENTRIES.ID)
                .fetch(r -> toWalletEntry(r.into(LEDGER_ENTRIES), r.get(TRANSACTIONS.DESCRIPTION)))
                .stream()
                .collect(Collectors.groupingBy(LedgerTransaction.WalletEntry::transactionId));
    }

    private static Condition inScope(PartnerScope scope) {
        Objects.requireNonNull(scope, "scope");
        return TRANSACTIONS.PARTNER_ID.eq(scope.partnerId()).and(TRANSACTIONS.LIVEMODE.eq(scope.livemode()));
    }

    private static LedgerTransaction.WalletEntry toWalletEntry(LedgerEntriesRecord r, String description) {
        return new LedgerTransaction.WalletEntry(r.getId(), r.getTransactionId(), r.getWalletId(), CurrencyUnit.of(r.getCurrency()),
                r.getAmountMinor(), r.getBalanceAfterMinor(), r.getWalletSequence(), description, Timestamps.fromColumn(r.getCreatedAt()));
    }

    private static LedgerTransaction toTransaction(TransactionsRecord r, List<LedgerTransaction.WalletEntry> entries) {
        return new LedgerTransaction(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), TransactionType.fromWireName(r.getType()),
                TransactionStatus.fromWireName(r.getStatus()), new Money(r.getAmountMinor(), CurrencyUnit.of(r.getCurrency())),
                r.getDescription(), Optional.ofNullable(r.getFromWalletId()), Optional.ofNullable(r.getToWalletId()), r.getIdempotencyKey(),
                r.getGateway(), Optional.ofNullable(r.getGatewayTransactionId()), Optional.ofNullable(r.getFailureReason()),
                r.getMetadata().data(), Timestamps.fromColumn(r.getCreatedAt()), Optional.ofNullable(Timestamps.fromColumn(r.getCompletedAt())),
                Optional.ofNullable(r.getHoldId()), entries);
    }
}
