package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.GATEWAY_EVENTS;

import dev.payflow.core.domain.GatewayEvent;
import dev.payflow.core.persistence.jooq.tables.records.GatewayEventsRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Events received from gateways, stored once per gateway event id and applied once. */
public final class GatewayEventRepository {

    /** Stores the event unless the gateway's id is stored already; either way answers the stored row, locked. */
    public GatewayEvent storeOnceAndLock(DSLContext tx, String id, String gateway, String providerEventId, String type, boolean livemode,
            String payload, Instant now) {
        tx.insertInto(GATEWAY_EVENTS)
                .set(GATEWAY_EVENTS.ID, id)
                .set(GATEWAY_EVENTS.GATEWAY, gateway)
                .set(GATEWAY_EVENTS.PROVIDER_EVENT_ID, providerEventId)
                .set(GATEWAY_EVENTS.TYPE, type)
                .set(GATEWAY_EVENTS.LIVEMODE, livemode)
                .set(GATEWAY_EVENTS.PAYLOAD, payload)
                .set(GATEWAY_EVENTS.RECEIVED_AT, Timestamps.toColumn(now))
                .onConflictOnConstraint(DSL.name("gateway_events_provider_event_key")).doNothing()
                .execute();
        return tx.selectFrom(GATEWAY_EVENTS).where(GATEWAY_EVENTS.GATEWAY.eq(gateway)).and(GATEWAY_EVENTS.PROVIDER_EVENT_ID.eq(providerEventId))
                .forUpdate().fetchSingle(GatewayEventRepository::toEvent);
    }

    public Optional<GatewayEvent> find(DSLContext db, String id) {
        return db.selectFrom(GATEWAY_EVENTS).where(GATEWAY_EVENTS.ID.eq(id)).fetchOptional(GatewayEventRepository::toEvent);
    }

    public Optional<GatewayEvent> findForUpdate(DSLContext tx, String id) {
        return tx.selectFrom(GATEWAY_EVENTS).where(GATEWAY_EVENTS.ID.eq(id)).forUpdate().fetchOptional(GatewayEventRepository::toEvent);
    }

    /** Records an attempt: applied (processed now) or still waiting, with why. */
    public void recordAttempt(DSLContext tx, String id, Optional<Instant> processedAt, Optional<String> waitingBecause) {
        int updated = tx.update(GATEWAY_EVENTS)
                .set(GATEWAY_EVENTS.ATTEMPTS, GATEWAY_EVENTS.ATTEMPTS.plus(1))
                .set(GATEWAY_EVENTS.PROCESSED_AT, processedAt.map(Timestamps::toColumn).orElse(null))
                .set(GATEWAY_EVENTS.LAST_ERROR, waitingBecause.map(text -> text.length() > 1000 ? text.substring(0, 1000) : text).orElse(null))
                .where(GATEWAY_EVENTS.ID.eq(id))
                .execute();
        if (updated != 1) {
            throw new IllegalStateException("gateway event " + id + ": " + updated + " rows updated, expected 1");
        }
    }

    /** Up to {@code limit} events of one gateway still waiting, oldest first, skipping those another worker holds. */
    public List<GatewayEvent> lockWaiting(DSLContext tx, String gateway, int limit) {
        return tx.selectFrom(GATEWAY_EVENTS).where(GATEWAY_EVENTS.PROCESSED_AT.isNull()).and(GATEWAY_EVENTS.GATEWAY.eq(gateway))
                .orderBy(GATEWAY_EVENTS.RECEIVED_AT, GATEWAY_EVENTS.ID).limit(limit).forUpdate().skipLocked()
                .fetch(GatewayEventRepository::toEvent);
    }

    /** Newest first; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<GatewayEvent> list(DSLContext tx, Optional<String> type, Optional<Boolean> livemode, Optional<Boolean> processed,
            Optional<String> afterId, int limit) {
        Condition where = DSL.trueCondition();
        if (type.isPresent()) {
            where = where.and(GATEWAY_EVENTS.TYPE.eq(type.get()));
        }
        if (livemode.isPresent()) {
            where = where.and(GATEWAY_EVENTS.LIVEMODE.eq(livemode.get()));
        }
        if (processed.isPresent()) {
            where = where.and(processed.get() ? GATEWAY_EVENTS.PROCESSED_AT.isNotNull() : GATEWAY_EVENTS.PROCESSED_AT.isNull());
        }
        if (afterId.isPresent()) {
            where = where.and(GATEWAY_EVENTS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(GATEWAY_EVENTS).where(where).orderBy(GATEWAY_EVENTS.ID.desc()).limit(limit + 1).fetch(GatewayEventRepository::toEvent);
    }

    private static GatewayEvent toEvent(GatewayEventsRecord r) {
        return new GatewayEvent(r.getId(), r.getGateway(), r.getProviderEventId(), r.getType(), r.getLivemode(), r.getPayload(),
                Timestamps.fromColumn(r.getReceivedAt()), Optional.ofNullable(Timestamps.fromColumn(r.getProcessedAt())), r.getAttempts(),
                Optional.ofNullable(r.getLastError()));
    }
}
