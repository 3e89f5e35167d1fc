package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.WALLETS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.core.persistence.jooq.tables.records.WalletsRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Wallets. Every method takes the caller's {@link PartnerScope}, and every query filters by it:
 * another partner's wallet, or one of the other mode, is simply not found.
 */
public final class WalletRepository {

    /** Inserts a wallet; false if the partner already has its externalWalletId in this mode. */
    public boolean insert(DSLContext tx, Wallet wallet) {
        int inserted = tx.insertInto(WALLETS)
                .set(WALLETS.ID, wallet.id())
                .set(WALLETS.PARTNER_ID, wallet.scope().partnerId())
                .set(WALLETS.LIVEMODE, wallet.scope().livemode())
                .set(WALLETS.EXTERNAL_USER_ID, wallet.externalUserId())
                .set(WALLETS.EXTERNAL_WALLET_ID, wallet.externalWalletId())
                .set(WALLETS.NAME, wallet.name())
                .set(WALLETS.CURRENCY, wallet.currency().code())
                .set(WALLETS.STATUS, wallet.status().wireName())
                .set(WALLETS.METADATA, JSONB.valueOf(wallet.metadataJson()))
                .set(WALLETS.BALANCE_MINOR, wallet.balanceMinor())
                .set(WALLETS.HELD_MINOR, wallet.heldMinor())
                .set(WALLETS.LAST_ENTRY_SEQUENCE, wallet.lastEntrySequence())
                .set(WALLETS.CREATED_AT, Timestamps.toColumn(wallet.createdAt()))
                .set(WALLETS.UPDATED_AT, Timestamps.toColumn(wallet.updatedAt()))
                .onConflictOnConstraint(DSL.name("wallets_external_wallet_id_key")).doNothing()
                .execute();
        return inserted == 1;
    }

    public Optional<Wallet> find(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(WALLETS).where(inScope(scope)).and(WALLETS.ID.eq(id)).fetchOptional().map(WalletRepository::toWallet);
    }

    public Optional<Wallet> findForUpdate(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(WALLETS).where(inScope(scope)).and(WALLETS.ID.eq(id)).forUpdate().fetchOptional().map(WalletRepository::toWallet);
    }

    /**
     * Locks the given wallets in id order (the one order every writer uses, so two transfers in
     * opposite directions cannot deadlock) and returns those that exist in scope.
     */
    public List<Wallet> lockInIdOrder(DSLContext tx, PartnerScope scope, Collection<String> ids) {
        return tx.selectFrom(WALLETS)
                .where(inScope(scope)).and(WALLETS.ID.in(ids))
                .orderBy(WALLETS.ID)
                .forUpdate()
                .fetch(WalletRepository::toWallet);
    }

    /**
     * Locks the wallets of several scopes in one statement, in id order (the one order every writer
     * uses), waiting for each as long as the lock timeout allows, and returns them as locked: per
     * scope, only the wallets of that scope (an id of another partner's wallet is not found, so
     * the rules answer for it).
     *
     * <p>Plain JDBC on the transaction's connection with one array per column, for the reason of
     * {@link BulkPostings}: the statement's text is the same whatever the number of wallets and
     * scopes, so the driver keeps it prepared on each connection and PostgreSQL does not plan it
     * again for every batch (a jOOQ {@code IN (...)} list rendered a new text for each size).
     */
    public Map<PartnerScope, Map<String, Wallet>> lockAllInIdOrder(DSLContext tx,
            Map<PartnerScope, ? extends Collection<String>> idsByScope) {
        Wanted wanted = Wanted.of(idsByScope);
        Map<PartnerScope, Map<String, Wallet>> locked = new HashMap<>();
        if (wanted.isEmpty()) {
            return locked;
        }
        // Each row matched its own (partner, mode, id) triple, so it is a wallet of that scope the caller asked for.
        for (LockedRow row : tx.connectionResult(connection -> wanted.query(connection, LOCK_ALL_IN_ID_ORDER))) {
            locked.computeIfAbsent(row.wallet().scope(), s -> new HashMap<>()).put(row.wallet().id(), row.wallet());
        }
        return locked;
    }

    /**
     * What {@link #lockAllInIdOrderSkippingLocked} got: the wallets it locked, per scope, and the
     * ids of those that exist in their scope but another transaction holds (not locked here).
     * An asked-for id in neither does not exist in its scope.
     */
    public record SkippingLock(Map<PartnerScope, Map<String, Wallet>> locked, Map<PartnerScope, Set<String>> lockedElsewhere) {
        public SkippingLock {
            locked = Map.copyOf(locked);
            lockedElsewhere = Map.copyOf(lockedElsewhere);
        }

        public boolean isLockedElsewhere(PartnerScope scope, String walletId) {
            return lockedElsewhere.getOrDefault(scope, Set.of()).contains(walletId);
        }
    }

    /**
     * As {@link #lockAllInIdOrder}, but never waits: a wallet another transaction holds is skipped
     * ({@code FOR UPDATE SKIP LOCKED}) and reported as locked elsewhere, read in the same statement
     * (its snapshot), so a missing wallet and a busy one are told apart. The wallets it does lock are
     * locked in id order, like every other writer's. One text whatever the number of wallets and
     * scopes, for the same reason as {@link #lockAllInIdOrder}.
     */
    public SkippingLock lockAllInIdOrderSkippingLocked(DSLContext tx, Map<PartnerScope, ? extends Collection<String>> idsByScope) {
        Wanted wanted = Wanted.of(idsByScope);
        Map<PartnerScope, Map<String, Wallet>> locked = new HashMap<>();
        Map<PartnerScope, Set<String>> lockedElsewhere = new HashMap<>();
        if (wanted.isEmpty()) {
            return new SkippingLock(locked, lockedElsewhere);
        }
        for (LockedRow row : tx.connectionResult(connection -> wanted.query(connection, LOCK_ALL_IN_ID_ORDER_SKIPPING_LOCKED))) {
            Wallet wallet = row.wallet();
            if (row.lockedHere()) {
                locked.computeIfAbsent(wallet.scope(), s -> new HashMap<>()).put(wallet.id(), wallet);
            } else {
                lockedElsewhere.computeIfAbsent(wallet.scope(), s -> new TreeSet<>()).add(wallet.id());
            }
        }
        return new SkippingLock(locked, lockedElsewhere);
    }

    /** The columns {@link #toWallet(ResultSet)} reads, in one place for the statements below. */
    private static final String COLUMNS = "id, partner_id, livemode, external_user_id, external_wallet_id, name, currency, status, "
            + "metadata::text AS metadata, balance_minor, held_minor, last_entry_sequence, created_at, updated_at";

    /** The asked-for wallets as (partner, mode, id) triples, one array per column. */
    private static final String WANTED = "SELECT * FROM unnest(?::varchar[], ?::boolean[], ?::varchar[])";

    /**
     * Waits for each row's lock in id order. {@code ORDER BY} comes before the lock (PostgreSQL
     * sorts, then locks row by row), so the lock order is the id order.
     */
    private static final String LOCK_ALL_IN_ID_ORDER = "SELECT true AS locked_here, " + COLUMNS + " FROM wallets"
            + " WHERE (partner_id, livemode, id) IN (" + WANTED + ") ORDER BY id FOR UPDATE";

    /**
     * Locks what is free, in id order, and reads the rest (held by other transactions) in the same
     * snapshot without a lock. The locking part is a CTE read twice, so it runs once.
     */
    private static final String LOCK_ALL_IN_ID_ORDER_SKIPPING_LOCKED = "WITH wanted (partner_id, livemode, id) AS (" + WANTED + "),"
            + " locked AS (SELECT " + COLUMNS + " FROM wallets WHERE (partner_id, livemode, id) IN (SELECT * FROM wanted)"
            + " ORDER BY id FOR UPDATE SKIP LOCKED)"
            + " SELECT true AS locked_here, locked.* FROM locked"
            + " UNION ALL"
            + " SELECT false AS locked_here, " + COLUMNS + " FROM wallets WHERE (partner_id, livemode, id) IN (SELECT * FROM wanted)"
            + " AND id NOT IN (SELECT id FROM locked)";

    /** A wallet's row as one of the statements above returned it, and whether this transaction now holds its lock. */
    private record LockedRow(boolean lockedHere, Wallet wallet) {
    }

    /** The asked-for wallets, flattened into the three arrays the statements above bind. */
    private record Wanted(List<String> partnerIds, List<Boolean> livemodes, List<String> ids) {
        static Wanted of(Map<PartnerScope, ? extends Collection<String>> idsByScope) {
            List<String> partnerIds = new ArrayList<>();
            List<Boolean> livemodes = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            idsByScope.forEach((scope, scopedIds) -> {
                Objects.requireNonNull(scope, "scope");
                for (String id : scopedIds) {
                    partnerIds.add(scope.partnerId());
                    livemodes.add(scope.livemode());
                    ids.add(Objects.requireNonNull(id, "id"));
                }
            });
            return new Wanted(partnerIds, livemodes, ids);
        }

        boolean isEmpty() {
            return ids.isEmpty();
        }

        List<LockedRow> query(Connection connection, String sql) throws SQLException {
            List<LockedRow> rows = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setArray(1, SqlArrays.texts(connection, partnerIds.stream()));
                statement.setArray(2, SqlArrays.booleans(connection, livemodes.stream()));
                statement.setArray(3, SqlArrays.texts(connection, ids.stream()));
                try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                        rows.add(new LockedRow(result.getBoolean("locked_here"), toWallet(result)));
                    }
                }
            }
            return rows;
        }
    }

    public Optional<Wallet> findByExternalId(DSLContext tx, PartnerScope scope, String externalWalletId) {
        return tx.selectFrom(WALLETS).where(inScope(scope)).and(WALLETS.EXTERNAL_WALLET_ID.eq(externalWalletId))
                .fetchOptional().map(WalletRepository::toWallet);
    }

    /** Newest first; fetches one more than {@code limit} so the caller can tell whether a next page exists. */
    public List<Wallet> list(DSLContext tx, PartnerScope scope, Optional<String> externalUserId, Optional<WalletStatus> status,
            Optional<String> afterId, int limit) {
        Condition where = inScope(scope);
        if (externalUserId.isPresent()) {
            where = where.and(WALLETS.EXTERNAL_USER_ID.eq(externalUserId.get()));
        }
        if (status.isPresent()) {
            where = where.and(WALLETS.STATUS.eq(status.get().wireName()));
        }
        if (afterId.isPresent()) {
            where = where.and(WALLETS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(WALLETS).where(where).orderBy(WALLETS.ID.desc()).limit(limit + 1).fetch(WalletRepository::toWallet);
    }

    public void update(DSLContext tx, PartnerScope scope, String id, String name, String metadataJson, WalletStatus status, Instant now) {
        tx.update(WALLETS)
                .set(WALLETS.NAME, name)
                .set(WALLETS.METADATA, JSONB.valueOf(metadataJson))
                .set(WALLETS.STATUS, status.wireName())
                .set(WALLETS.UPDATED_AT, Timestamps.toColumn(now))
                // The moment of closing, once: retention counts its years from it.
                .set(WALLETS.CLOSED_AT, status == WalletStatus.CLOSED
                        ? DSL.coalesce(WALLETS.CLOSED_AT, DSL.val(Timestamps.toColumn(now))) : WALLETS.CLOSED_AT)
                .where(inScope(scope)).and(WALLETS.ID.eq(id))
                .execute();
    }

    /**
     * Adds a wallet's new balances to a batch, guarded by the values the writer read: a row that no
     * longer holds them (a stale read) touches no row, and the batch then fails as a whole.
     */
    public Batch setBalances(Batch batch, DSLContext tx, Wallet before, long balanceMinor, long heldMinor, long lastEntrySequence,
            Instant now) {
        return batch.add(tx.update(WALLETS)
                .set(WALLETS.BALANCE_MINOR, balanceMinor)
                .set(WALLETS.HELD_MINOR, heldMinor)
                .set(WALLETS.LAST_ENTRY_SEQUENCE, lastEntrySequence)
                .set(WALLETS.UPDATED_AT, Timestamps.toColumn(now))
                .where(inScope(before.scope())).and(WALLETS.ID.eq(before.id()))
                .and(WALLETS.BALANCE_MINOR.eq(before.balanceMinor()))
                .and(WALLETS.HELD_MINOR.eq(before.heldMinor()))
                .and(WALLETS.LAST_ENTRY_SEQUENCE.eq(before.lastEntrySequence())), 1);
    }

    public long count(DSLContext tx, boolean livemode) {
        return tx.fetchCount(WALLETS, WALLETS.LIVEMODE.eq(livemode));
    }

    private static Condition inScope(PartnerScope scope) {
        Objects.requireNonNull(scope, "scope");
        return WALLETS.PARTNER_ID.eq(scope.partnerId()).and(WALLETS.LIVEMODE.eq(scope.livemode()));
    }

    private static Wallet toWallet(ResultSet r) throws SQLException {
        return new Wallet(r.getString("id"), new PartnerScope(r.getString("partner_id"), r.getBoolean("livemode")),
                r.getString("external_user_id"), r.getString("external_wallet_id"), r.getString("name"), CurrencyUnit.of(r.getString("currency")),
                WalletStatus.fromWireName(r.getString("status")), r.getString("metadata"), r.getLong("balance_minor"), r.getLong("held_minor"),
                r.getLong("last_entry_sequence"), Timestamps.fromColumn(r.getObject("created_at", OffsetDateTime.class)),
                Timestamps.fromColumn(r.getObject("updated_at", OffsetDateTime.class)));
    }

    private static Wallet toWallet(WalletsRecord r) {
        return new Wallet(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getExternalUserId(), r.getExternalWalletId(),
                r.getName(), CurrencyUnit.of(r.getCurrency()), WalletStatus.fromWireName(r.getStatus()), r.getMetadata().data(),
                r.getBalanceMinor(), r.getHeldMinor(), r.getLastEntrySequence(), Timestamps.fromColumn(r.getCreatedAt()), Timestamps.fromColumn(r.getUpdatedAt()));
    }
}
