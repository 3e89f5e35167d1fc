package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.CONNECTED_ACCOUNTS;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.ConnectedAccountStatus;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.persistence.jooq.tables.records.ConnectedAccountsRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;

/**
 * Connected accounts. A row is changed only under its row lock ({@link #findForUpdate}), so our
 * call's answer and a gateway event never apply over one another. Payouts read accounts from here
 * ({@link #find}, {@link #findByExternalUser}): {@code payoutsEnabled}, the type, the status, the
 * partner and mode are all on {@link ConnectedAccount}.
 */
public final class ConnectedAccountRepository {
    private static final Gson GSON = new Gson();

    /**
     * Inserts a new account, unless its holder (the user, or the partner itself) already has a
     * connected one in this mode: then nothing is written and that account is returned instead.
     */
    public Optional<ConnectedAccount> insertUnlessHolderHasOne(DSLContext tx, ConnectedAccount account) {
        int inserted = tx.insertInto(CONNECTED_ACCOUNTS)
                .set(CONNECTED_ACCOUNTS.ID, account.id())
                .set(CONNECTED_ACCOUNTS.PARTNER_ID, account.scope().partnerId())
                .set(CONNECTED_ACCOUNTS.LIVEMODE, account.scope().livemode())
                .set(CONNECTED_ACCOUNTS.PROVIDER, account.provider())
                .set(CONNECTED_ACCOUNTS.PROVIDER_ACCOUNT_ID, account.providerAccountId().orElse(null))
                .set(CONNECTED_ACCOUNTS.TYPE, account.type().wireName())
                .set(CONNECTED_ACCOUNTS.EXTERNAL_USER_ID, account.externalUserId().orElse(null))
                .set(CONNECTED_ACCOUNTS.EMAIL, account.email())
                .set(CONNECTED_ACCOUNTS.COUNTRY, account.country())
                .set(CONNECTED_ACCOUNTS.BUSINESS_TYPE, account.businessType().orElse(null))
                .set(CONNECTED_ACCOUNTS.STATUS, account.status().wireName())
                .set(CONNECTED_ACCOUNTS.CHARGES_ENABLED, account.gateway().chargesEnabled())
                .set(CONNECTED_ACCOUNTS.PAYOUTS_ENABLED, account.gateway().payoutsEnabled())
                .set(CONNECTED_ACCOUNTS.CAPABILITIES, JSONB.valueOf(GSON.toJson(new TreeMap<>(account.gateway().capabilities()))))
                .set(CONNECTED_ACCOUNTS.REQUIREMENTS, JSONB.valueOf(requirementsJson(account.gateway().requirements())))
                .set(CONNECTED_ACCOUNTS.METADATA, JSONB.valueOf(account.metadataJson()))
                .set(CONNECTED_ACCOUNTS.CREATED_AT, Timestamps.toColumn(account.createdAt()))
                .set(CONNECTED_ACCOUNTS.UPDATED_AT, Timestamps.toColumn(account.updatedAt()))
                .set(CONNECTED_ACCOUNTS.DISCONNECTED_AT, account.disconnectedAt().map(Timestamps::toColumn).orElse(null))
                .onConflictDoNothing()
                .execute();
        if (inserted == 1) {
            return Optional.empty();
        }
        return Optional.of(findConnectedHolderForUpdate(tx, account.scope(), account.externalUserId())
                .orElseThrow(() -> new IllegalStateException("connected account " + account.id() + " conflicted with no holder's account")));
    }

    /** Writes an account's new state (gateway facts, details, disconnection); the caller holds the row lock. */
    public void update(DSLContext tx, ConnectedAccount changed) {
        int rows = tx.update(CONNECTED_ACCOUNTS)
                .set(CONNECTED_ACCOUNTS.PROVIDER_ACCOUNT_ID, changed.providerAccountId().orElse(null))
                .set(CONNECTED_ACCOUNTS.EMAIL, changed.email())
                .set(CONNECTED_ACCOUNTS.STATUS, changed.status().wireName())
                .set(CONNECTED_ACCOUNTS.CHARGES_ENABLED, changed.gateway().chargesEnabled())
                .set(CONNECTED_ACCOUNTS.PAYOUTS_ENABLED, changed.gateway().payoutsEnabled())
                .set(CONNECTED_ACCOUNTS.CAPABILITIES, JSONB.valueOf(GSON.toJson(new TreeMap<>(changed.gateway().capabilities()))))
                .set(CONNECTED_ACCOUNTS.REQUIREMENTS, JSONB.valueOf(requirementsJson(changed.gateway().requirements())))
                .set(CONNECTED_ACCOUNTS.METADATA, JSONB.valueOf(changed.metadataJson()))
                .set(CONNECTED_ACCOUNTS.UPDATED_AT, Timestamps.toColumn(changed.updatedAt()))
                .set(CONNECTED_ACCOUNTS.DISCONNECTED_AT, changed.disconnectedAt().map(Timestamps::toColumn).orElse(null))
                .where(inScope(changed.scope())).and(CONNECTED_ACCOUNTS.ID.eq(changed.id()))
                .execute();
        if (rows != 1) {
            throw new IllegalStateException("connected account " + changed.id() + ": " + rows + " rows written, expected 1");
        }
    }

    /** Removes an account the gateway refused to create (it has no gateway id); true if it was there. */
    public boolean deleteNotCreated(DSLContext tx, PartnerScope scope, String id) {
        return tx.deleteFrom(CONNECTED_ACCOUNTS).where(inScope(scope)).and(CONNECTED_ACCOUNTS.ID.eq(id))
                .and(CONNECTED_ACCOUNTS.PROVIDER_ACCOUNT_ID.isNull()).execute() == 1;
    }

    public Optional<ConnectedAccount> find(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(CONNECTED_ACCOUNTS).where(inScope(scope)).and(CONNECTED_ACCOUNTS.ID.eq(id)).fetchOptional()
                .map(ConnectedAccountRepository::toAccount);
    }

    /** Locks the account's row until the transaction ends: every change of an account takes this lock first. */
    public Optional<ConnectedAccount> findForUpdate(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(CONNECTED_ACCOUNTS).where(inScope(scope)).and(CONNECTED_ACCOUNTS.ID.eq(id)).forUpdate().fetchOptional()
                .map(ConnectedAccountRepository::toAccount);
    }

    /** The connected (not disconnected) account of one user of the partner in this mode: a payout's recipient. */
    public Optional<ConnectedAccount> findByExternalUser(DSLContext tx, PartnerScope scope, String externalUserId) {
        return tx.selectFrom(CONNECTED_ACCOUNTS).where(inScope(scope)).and(CONNECTED_ACCOUNTS.EXTERNAL_USER_ID.eq(externalUserId))
                .and(CONNECTED_ACCOUNTS.DISCONNECTED_AT.isNull()).fetchOptional().map(ConnectedAccountRepository::toAccount);
    }

    private Optional<ConnectedAccount> findConnectedHolderForUpdate(DSLContext tx, PartnerScope scope, Optional<String> externalUserId) {
        Condition holder = externalUserId.map(CONNECTED_ACCOUNTS.EXTERNAL_USER_ID::eq).orElse(CONNECTED_ACCOUNTS.EXTERNAL_USER_ID.isNull());
        return tx.selectFrom(CONNECTED_ACCOUNTS).where(inScope(scope)).and(holder).and(CONNECTED_ACCOUNTS.DISCONNECTED_AT.isNull())
                .forUpdate().fetchOptional().map(ConnectedAccountRepository::toAccount);
    }

    /** Locks the account a gateway event names (by the gateway's id), whichever partner it is of. */
    public Optional<ConnectedAccount> findForUpdateFromGateway(DSLContext tx, String provider, boolean livemode, String providerAccountId) {
        return tx.selectFrom(CONNECTED_ACCOUNTS).where(CONNECTED_ACCOUNTS.PROVIDER.eq(provider)).and(CONNECTED_ACCOUNTS.LIVEMODE.eq(livemode))
                .and(CONNECTED_ACCOUNTS.PROVIDER_ACCOUNT_ID.eq(providerAccountId)).forUpdate().fetchOptional()
                .map(ConnectedAccountRepository::toAccount);
    }

    /** One page, newest first: {@code limit + 1} rows, so the caller knows whether another page follows. */
    public List<ConnectedAccount> list(DSLContext tx, PartnerScope scope, Optional<String> externalUserId, Optional<ConnectedAccountStatus> status,
            Optional<String> afterId, int limit) {
        Condition where = inScope(scope);
        if (externalUserId.isPresent()) {
            where = where.and(CONNECTED_ACCOUNTS.EXTERNAL_USER_ID.eq(externalUserId.get()));
        }
        if (status.isPresent()) {
            where = where.and(CONNECTED_ACCOUNTS.STATUS.eq(status.get().wireName()));
        }
        if (afterId.isPresent()) {
            where = where.and(CONNECTED_ACCOUNTS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(CONNECTED_ACCOUNTS).where(where).orderBy(CONNECTED_ACCOUNTS.ID.desc()).limit(limit + 1)
                .fetch(ConnectedAccountRepository::toAccount);
    }

    private static Condition inScope(PartnerScope scope) {
        return CONNECTED_ACCOUNTS.PARTNER_ID.eq(scope.partnerId()).and(CONNECTED_ACCOUNTS.LIVEMODE.eq(scope.livemode()));
    }

    private static ConnectedAccount toAccount(ConnectedAccountsRecord r) {
        Map<String, String> capabilities = new LinkedHashMap<>();
        JsonParser.parseString(r.getCapabilities().data()).getAsJsonObject().entrySet()
                .forEach(entry -> capabilities.put(entry.getKey(), entry.getValue().getAsString()));
        ConnectedAccount.GatewayState gateway = new ConnectedAccount.GatewayState(r.getChargesEnabled(), r.getPayoutsEnabled(), capabilities,
                requirements(r.getRequirements().data()));
        return new ConnectedAccount(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getProvider(),
                Optional.ofNullable(r.getProviderAccountId()), ConnectedAccount.Type.fromWireName(r.getType()),
                Optional.ofNullable(r.getExternalUserId()), r.getEmail(), r.getCountry(), Optional.ofNullable(r.getBusinessType()), gateway,
                r.getMetadata().data(), Timestamps.fromColumn(r.getCreatedAt()), Timestamps.fromColumn(r.getUpdatedAt()),
                Optional.ofNullable(r.getDisconnectedAt()).map(Timestamps::fromColumn));
    }

    private static String requirementsJson(ConnectedAccount.Requirements requirements) {
        JsonObject json = new JsonObject();
        requirements.currentDeadline().ifPresent(deadline -> json.addProperty("currentDeadline", deadline.toString()));
        json.add("currentlyDue", array(requirements.currentlyDue()));
        json.add("eventuallyDue", array(requirements.eventuallyDue()));
        json.add("pastDue", array(requirements.pastDue()));
        requirements.disabledReason().ifPresent(reason -> json.addProperty("disabledReason", reason));
        return json.toString();
    }

    private static ConnectedAccount.Requirements requirements(String json) {
        JsonObject object = JsonParser.parseString(json).getAsJsonObject();
        return new ConnectedAccount.Requirements(
                Optional.ofNullable(object.get("currentDeadline")).map(JsonElement::getAsString).map(Instant::parse),
                strings(object.getAsJsonArray("currentlyDue")), strings(object.getAsJsonArray("eventuallyDue")),
                strings(object.getAsJsonArray("pastDue")), Optional.ofNullable(object.get("disabledReason")).map(JsonElement::getAsString));
    }

    private static JsonArray array(List<String> values) {
        JsonArray array = new JsonArray();
        values.forEach(array::add);
        return array;
    }

    private static List<String> strings(JsonArray array) {
        List<String> values = new ArrayList<>();
        if (array != null) {
            array.forEach(element -> values.add(element.getAsString()));
        }
        return values;
    }
}
