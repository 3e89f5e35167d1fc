package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.SYSTEM_ACCOUNTS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.SystemAccountKind;
import java.time.Instant;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * PayFlow's own ledger accounts. Rows are created once and never updated or locked afterwards:
 * their balance is the sum of their entries, so no transaction ever waits on them.
 */
public final class SystemAccountRepository {

    /** Creates the account if it does not exist yet; safe to call concurrently and repeatedly. */
    public void ensure(DSLContext tx, PartnerScope scope, CurrencyUnit currency, SystemAccountKind kind, String newId, Instant now) {
        tx.insertInto(SYSTEM_ACCOUNTS)
                .set(SYSTEM_ACCOUNTS.ID, newId)
                .set(SYSTEM_ACCOUNTS.PARTNER_ID, scope.partnerId())
                .set(SYSTEM_ACCOUNTS.LIVEMODE, scope.livemode())
                .set(SYSTEM_ACCOUNTS.CURRENCY, currency.code())
                .set(SYSTEM_ACCOUNTS.KIND, kind.wireName())
                .set(SYSTEM_ACCOUNTS.CREATED_AT, Timestamps.toColumn(now))
                .onConflictDoNothing()
                .execute();
    }

    public Optional<String> find(DSLContext tx, PartnerScope scope, CurrencyUnit currency, SystemAccountKind kind) {
        return tx.select(SYSTEM_ACCOUNTS.ID).from(SYSTEM_ACCOUNTS)
                .where(SYSTEM_ACCOUNTS.PARTNER_ID.eq(scope.partnerId()))
                .and(SYSTEM_ACCOUNTS.LIVEMODE.eq(scope.livemode()))
                .and(SYSTEM_ACCOUNTS.CURRENCY.eq(currency.code()))
                .and(SYSTEM_ACCOUNTS.KIND.eq(kind.wireName()))
                .fetchOptional(SYSTEM_ACCOUNTS.ID);
    }
}
