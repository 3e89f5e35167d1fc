package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.WALLETS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.core.persistence.jooq.tables.records.WalletsRecord;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
     * Locks the wallets of several scopes at once, in one id order across all of them (a group
     * commit's batch spans partners). Each id is looked for in its own scope only; what is not there
     * is simply not locked, and the rules answer for it.
     */
    /**
     * Locks the wallets of several scopes in one statement, in id order, and returns them as locked:
     * per scope, only the wallets of that scope (an id of another partner's wallet is not found).
     */
    public Map<PartnerScope, Map<String, Wallet>> lockAllInIdOrder(DSLContext tx,
            Map<PartnerScope, ? extends Collection<String>> idsByScope) {
        Condition where = DSL.falseCondition();
        for (var scoped : idsByScope.entrySet()) {
            if (!scoped.getValue().isEmpty()) {
                where = where.or(inScope(scoped.getKey()).and(WALLETS.ID.in(scoped.getValue())));
            }
        }
        // Each row matched its own scope's condition, so it is a wallet of that scope the caller asked for.
        Map<PartnerScope, Map<String, Wallet>> locked = new HashMap<>();
        for (Wallet wallet : tx.selectFrom(WALLETS).where(where).orderBy(WALLETS.ID).forUpdate().fetch(WalletRepository::toWallet)) {
            locked.computeIfAbsent(wallet.scope(), s -> new HashMap<>()).put(wallet.id(), wallet);
        }
        return locked;
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
     * Adds the write of a wallet's new balance, reservation and last entry to a batch; the caller
     * holds the wallet's row lock.
     */
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

    private static Wallet toWallet(WalletsRecord r) {
        return new Wallet(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getExternalUserId(), r.getExternalWalletId(),
                r.getName(), CurrencyUnit.of(r.getCurrency()), WalletStatus.fromWireName(r.getStatus()), r.getMetadata().data(),
                r.getBalanceMinor(), r.getHeldMinor(), r.getLastEntrySequence(), Timestamps.fromColumn(r.getCreatedAt()), Timestamps.fromColumn(r.getUpdatedAt()));
    }
}
