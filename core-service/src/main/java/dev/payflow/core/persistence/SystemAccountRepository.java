package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.SYSTEM_ACCOUNTS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.SystemAccountKind;
import java.time.Instant;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * PayFlow's own ledger accounts, one per partner, mode, currency, kind and provider ({@code ""}
 * for kinds that mirror no provider). Rows are created on first use and never updated or locked
 * afterwards: their balance is the sum of their entries, so no transaction ever waits on them.
 */
public final class SystemAccountRepository {

    /**
     * The account's id, creating the account if it does not exist yet; safe to call concurrently
     * (a racing creator waits for the first one's commit, then finds its row).
     */
    public String ensure(DSLContext tx, PartnerScope scope, CurrencyUnit currency, SystemAccountKind kind, String provider, String newId,
            Instant now) {
        tx.insertInto(SYSTEM_ACCOUNTS)
                .set(SYSTEM_ACCOUNTS.ID, newId)
                .set(SYSTEM_ACCOUNTS.PARTNER_ID, scope.partnerId())
                .set(SYSTEM_ACCOUNTS.LIVEMODE, scope.livemode())
                .set(SYSTEM_ACCOUNTS.CURRENCY, currency.code())
                .set(SYSTEM_ACCOUNTS.KIND, kind.wireName())
                .set(SYSTEM_ACCOUNTS.PROVIDER, provider)
                .set(SYSTEM_ACCOUNTS.CREATED_AT, Timestamps.toColumn(now))
                .onConflictDoNothing()
                .execute();
        return find(tx, scope, currency, kind, provider).orElseThrow(() -> new IllegalStateException(
                "system account " + kind + "/" + provider + " of " + scope + " in " + currency + " neither inserted nor found"));
    }

    public Optional<String> find(DSLContext tx, PartnerScope scope, CurrencyUnit currency, SystemAccountKind kind, String provider) {
        return tx.select(SYSTEM_ACCOUNTS.ID).from(SYSTEM_ACCOUNTS)
                .where(SYSTEM_ACCOUNTS.PARTNER_ID.eq(scope.partnerId()))
                .and(SYSTEM_ACCOUNTS.LIVEMODE.eq(scope.livemode()))
                .and(SYSTEM_ACCOUNTS.CURRENCY.eq(currency.code()))
                .and(SYSTEM_ACCOUNTS.KIND.eq(kind.wireName()))
                .and(SYSTEM_ACCOUNTS.PROVIDER.eq(provider))
                .fetchOptional(SYSTEM_ACCOUNTS.ID);
    }
}
