package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.PARTNER_EVENTS;
import static dev.payflow.core.persistence.jooq.Tables.WEBHOOK_ATTEMPTS;
import static dev.payflow.core.persistence.jooq.Tables.WEBHOOK_ENDPOINTS;

import dev.payflow.core.domain.PartnerEvent;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.WebhookEndpoint;
import dev.payflow.core.persistence.jooq.tables.records.PartnerEventsRecord;
import dev.payflow.core.persistence.jooq.tables.records.WebhookAttemptsRecord;
import dev.payflow.core.persistence.jooq.tables.records.WebhookEndpointsRecord;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The partner events' outbox, their delivery attempts, and the partners' webhook endpoints. An
 * event row is written once, in the transaction of the change it announces; afterwards only its
 * delivery state moves.
 */
public final class WebhookRepository {

    // --- Events -------------------------------------------------------------------------------

    /**
     * The events' insert: one text whatever the number of rows, each column one array, so the JDBC
     * driver keeps it prepared on each connection (see {@link BulkPostings}) and nothing is rendered
     * per row. {@code WITH ORDINALITY} keeps the rows in the list's order. The timestamps travel as
     * ISO-8601 text with their zone ({@code Instant.toString}), which PostgreSQL reads exactly.
     *
     * <p>An event is meant for the endpoints that exist when it is recorded: one that its scope's
     * endpoint does not want then (no endpoint, paused, disabled, or not subscribed to the type:
     * {@code WebhookDelivery.wants}, in SQL) is stored {@code skipped}, with no next attempt, and
     * never reaches the delivery worker. Without it, each such event was stored pending and
     * rewritten to skipped by the worker a moment later: a second write of a row with a JSON body,
     * four per transfer of a partner without an endpoint. The statement reads the endpoint row as
     * of its own start: an endpoint set (or resumed) after that does not receive the event, where
     * it used to if set before the worker's first look, about a poll interval later. A replay
     * still sends it.
     */
    private static final String INSERT_EVENTS_SQL = """
            INSERT INTO partner_events (id, partner_id, livemode, type, body, created_at, delivery_status, attempt_count, next_attempt_at)
            SELECT v.id, v.partner_id, v.livemode, v.type, v.body, v.created_at::timestamptz,
                    CASE WHEN w.wanted THEN v.delivery_status ELSE 'skipped' END, v.attempt_count,
                    CASE WHEN w.wanted THEN v.next_attempt_at::timestamptz END
            FROM unnest(?::varchar[], ?::varchar[], ?::boolean[], ?::varchar[], ?::text[], ?::text[], ?::varchar[], ?::integer[], ?::text[])
                WITH ORDINALITY AS v(id, partner_id, livemode, type, body, created_at, delivery_status, attempt_count, next_attempt_at, position)
            CROSS JOIN LATERAL (SELECT EXISTS (
                SELECT 1 FROM webhook_endpoints e
                WHERE e.partner_id = v.partner_id AND e.livemode = v.livemode AND e.enabled AND e.status <> 'disabled'
                    AND (e.event_types = '' OR v.type = ANY (string_to_array(e.event_types, ','))))) AS w(wanted)
            ORDER BY v.position
            """;

    /**
     * Inserts new pending events, due at once, in one statement, in the list's order; those no
     * endpoint of their scope wants are stored skipped instead (see {@link #INSERT_EVENTS_SQL}).
     */
    public void insertEvents(DSLContext tx, List<PartnerEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        int size = events.size();
        String[] ids = new String[size];
        String[] partnerIds = new String[size];
        Boolean[] livemodes = new Boolean[size];
        String[] types = new String[size];
        String[] bodies = new String[size];
        String[] createdAts = new String[size];
        String[] deliveryStatuses = new String[size];
        Integer[] attemptCounts = new Integer[size];
        String[] nextAttemptAts = new String[size];
        for (int i = 0; i < size; i++) {
            PartnerEvent e = events.get(i);
            ids[i] = e.id();
            partnerIds[i] = e.scope().partnerId();
            livemodes[i] = e.scope().livemode();
            types[i] = e.type();
            bodies[i] = e.body();
            createdAts[i] = e.createdAt().toString();
            deliveryStatuses[i] = e.deliveryStatus().wireName();
            attemptCounts[i] = e.attemptCount();
            nextAttemptAts[i] = e.nextAttemptAt().orElseThrow(() -> new IllegalArgumentException("event " + e.id() + " is not due")).toString();
        }
        int inserted = tx.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(INSERT_EVENTS_SQL)) {
                int i = 0;
                statement.setArray(++i, connection.createArrayOf("varchar", ids));
                statement.setArray(++i, connection.createArrayOf("varchar", partnerIds));
                statement.setArray(++i, connection.createArrayOf("bool", livemodes));
                statement.setArray(++i, connection.createArrayOf("varchar", types));
                statement.setArray(++i, connection.createArrayOf("text", bodies));
                statement.setArray(++i, connection.createArrayOf("text", createdAts));
                statement.setArray(++i, connection.createArrayOf("varchar", deliveryStatuses));
                statement.setArray(++i, connection.createArrayOf("int4", attemptCounts));
                statement.setArray(++i, connection.createArrayOf("text", nextAttemptAts));
                return statement.executeUpdate();
            }
        });
        if (inserted != size) {
            throw new IllegalStateException("inserted " + inserted + " events, expected " + size);
        }
    }

    public Optional<PartnerEvent> findEvent(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(PARTNER_EVENTS).where(eventInScope(scope)).and(PARTNER_EVENTS.ID.eq(id)).fetchOptional()
                .map(WebhookRepository::toEvent);
    }

    /** The filters of the partner's event list. */
    public record EventFilter(Optional<String> type, Optional<PartnerEvent.DeliveryStatus> deliveryStatus, Optional<Instant> createdAtOrAfter,
            Optional<Instant> createdBefore) {
    }

    /** Newest first; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<PartnerEvent> listEvents(DSLContext tx, PartnerScope scope, EventFilter filter, Optional<String> afterId, int limit) {
        return listEventsWhere(tx, eventInScope(scope), filter, afterId, limit);
    }

    /** An event of any partner and mode: for operators only, never behind a partner key. */
    public Optional<PartnerEvent> findEventOfAnyPartner(DSLContext tx, String id) {
        return tx.selectFrom(PARTNER_EVENTS).where(PARTNER_EVENTS.ID.eq(id)).fetchOptional().map(WebhookRepository::toEvent);
    }

    /** Across partners, newest first, for operators; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<PartnerEvent> listEventsAcrossPartners(DSLContext tx, Optional<String> partnerId, Optional<Boolean> livemode, EventFilter filter,
            Optional<String> afterId, int limit) {
        Condition where = org.jooq.impl.DSL.noCondition();
        if (partnerId.isPresent()) {
            where = where.and(PARTNER_EVENTS.PARTNER_ID.eq(partnerId.get()));
        }
        if (livemode.isPresent()) {
            where = where.and(PARTNER_EVENTS.LIVEMODE.eq(livemode.get()));
        }
        return listEventsWhere(tx, where, filter, afterId, limit);
    }

    private static List<PartnerEvent> listEventsWhere(DSLContext tx, Condition where, EventFilter filter, Optional<String> afterId, int limit) {
        if (filter.type().isPresent()) {
            where = where.and(PARTNER_EVENTS.TYPE.eq(filter.type().get()));
        }
        if (filter.deliveryStatus().isPresent()) {
            where = where.and(PARTNER_EVENTS.DELIVERY_STATUS.eq(filter.deliveryStatus().get().wireName()));
        }
        if (filter.createdAtOrAfter().isPresent()) {
            where = where.and(PARTNER_EVENTS.CREATED_AT.ge(Timestamps.toColumn(filter.createdAtOrAfter().get())));
        }
        if (filter.createdBefore().isPresent()) {
            where = where.and(PARTNER_EVENTS.CREATED_AT.lt(Timestamps.toColumn(filter.createdBefore().get())));
        }
        if (afterId.isPresent()) {
            where = where.and(PARTNER_EVENTS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(PARTNER_EVENTS).where(where).orderBy(PARTNER_EVENTS.ID.desc()).limit(limit + 1).fetch(WebhookRepository::toEvent);
    }

    /**
     * Claims up to {@code limit} due events for delivery, skipping those another worker holds, and
     * at most {@code perEndpointMax} in flight per partner and mode (counting {@code inFlight},
     * what this worker already sends), so one slow endpoint cannot fill a claim. Each claimed
     * event's next attempt moves {@code lease} ahead before the caller commits: another worker
     * will not take it again until the lease runs out, which it only does if this worker died
     * mid-attempt (then the attempt is made again: at least once).
     */
    public List<PartnerEvent> claimDue(DSLContext tx, Instant now, int limit, int perEndpointMax, Map<PartnerScope, Integer> inFlight,
            Duration lease) {
        List<PartnerEvent> claimed = withinEndpointLimits(lockDue(tx, now, limit * 4, perEndpointMax, inFlight), limit, perEndpointMax, inFlight);
        return lease(tx, claimed, now.plus(lease));
    }

    /**
     * Due events, oldest attempt first, at most {@code limit}, locked until the transaction ends;
     * rows another worker holds are passed over, and so are the events of endpoints already at
     * {@code perEndpointMax} attempts in {@code inFlight}.
     */
    public List<PartnerEvent> lockDue(DSLContext tx, Instant now, int limit, int perEndpointMax, Map<PartnerScope, Integer> inFlight) {
        Condition due = PARTNER_EVENTS.DELIVERY_STATUS.eq(PartnerEvent.DeliveryStatus.PENDING.wireName())
                .and(PARTNER_EVENTS.NEXT_ATTEMPT_AT.le(Timestamps.toColumn(now)));
        for (Map.Entry<PartnerScope, Integer> busy : inFlight.entrySet()) {
            if (busy.getValue() >= perEndpointMax) {
                due = due.and(PARTNER_EVENTS.PARTNER_ID.ne(busy.getKey().partnerId()).or(PARTNER_EVENTS.LIVEMODE.ne(busy.getKey().livemode())));
            }
        }
        // Lock candidates first (SKIP LOCKED cannot sit beside a window function); callers then keep a few per endpoint.
        return tx.selectFrom(PARTNER_EVENTS).where(due)
                .orderBy(PARTNER_EVENTS.NEXT_ATTEMPT_AT, PARTNER_EVENTS.ID)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(WebhookRepository::toEvent);
    }

    /** The first of {@code events}, in their order, that fit: {@code limit} in all, {@code perEndpointMax} per endpoint counting {@code inFlight}. */
    public static List<PartnerEvent> withinEndpointLimits(List<PartnerEvent> events, int limit, int perEndpointMax,
            Map<PartnerScope, Integer> inFlight) {
        Map<PartnerScope, Integer> taken = new HashMap<>(inFlight);
        List<PartnerEvent> kept = new ArrayList<>();
        for (PartnerEvent event : events) {
            if (kept.size() == limit) {
                break;
            }
            if (taken.merge(event.scope(), 1, Integer::sum) <= perEndpointMax) {
                kept.add(event);
            }
        }
        return kept;
    }

    /**
     * Moves each locked event's next attempt to {@code leasedUntil} (before the caller commits):
     * another worker will not take it again until the lease runs out, which it only does if this
     * worker died mid-attempt (then the attempt is made again: at least once). Returns them leased.
     */
    public List<PartnerEvent> lease(DSLContext tx, List<PartnerEvent> claimed, Instant leasedUntil) {
        if (claimed.isEmpty()) {
            return List.of();
        }
        int updated = tx.update(PARTNER_EVENTS)
                .set(PARTNER_EVENTS.NEXT_ATTEMPT_AT, Timestamps.toColumn(leasedUntil))
                .where(PARTNER_EVENTS.ID.in(claimed.stream().map(PartnerEvent::id).toList()))
                .execute();
        if (updated != claimed.size()) {
            throw new IllegalStateException("claimed " + claimed.size() + " events but leased " + updated);
        }
        return claimed.stream().map(e -> new PartnerEvent(e.id(), e.scope(), e.type(), e.body(), e.createdAt(), e.deliveryStatus(),
                e.attemptCount(), Optional.of(leasedUntil), e.deliveredAt())).toList();
    }

    /** Settles locked events as skipped (no endpoint wanted them), in one statement: no next attempt, no delivery time. */
    public void skipAll(DSLContext tx, Collection<String> eventIds) {
        if (eventIds.isEmpty()) {
            return;
        }
        int updated = tx.update(PARTNER_EVENTS)
                .set(PARTNER_EVENTS.DELIVERY_STATUS, PartnerEvent.DeliveryStatus.SKIPPED.wireName())
                .set(PARTNER_EVENTS.NEXT_ATTEMPT_AT, (java.time.OffsetDateTime) null)
                .where(PARTNER_EVENTS.ID.eq(DSL.any(eventIds.toArray(String[]::new))))
                .execute();
        if (updated != eventIds.size()) {
            throw new IllegalStateException("skipped " + updated + " of " + eventIds.size() + " events");
        }
    }

    /**
     * Claims one event of the scope for an immediate attempt (a replay): it becomes pending with
     * its lease, whatever it was. Waits for a worker's claim that holds it (bounded by the lock timeout).
     */
    public Optional<PartnerEvent> claimForReplay(DSLContext tx, PartnerScope scope, String id, Instant now, Duration lease) {
        Optional<PartnerEvent> event = tx.selectFrom(PARTNER_EVENTS).where(eventInScope(scope)).and(PARTNER_EVENTS.ID.eq(id)).forUpdate()
                .fetchOptional().map(WebhookRepository::toEvent);
        if (event.isEmpty()) {
            return Optional.empty();
        }
        tx.update(PARTNER_EVENTS)
                .set(PARTNER_EVENTS.DELIVERY_STATUS, PartnerEvent.DeliveryStatus.PENDING.wireName())
                .set(PARTNER_EVENTS.NEXT_ATTEMPT_AT, Timestamps.toColumn(now.plus(lease)))
                .where(PARTNER_EVENTS.ID.eq(id))
                .execute();
        return findEvent(tx, scope, id);
    }

    /**
     * The number the attempt being recorded takes: one more than the last recorded. Locks the
     * event's row first, so two attempts that finish together (a replay beside a worker's) are
     * numbered one after the other.
     */
    public int nextAttemptNumber(DSLContext tx, String eventId) {
        tx.select(PARTNER_EVENTS.ID).from(PARTNER_EVENTS).where(PARTNER_EVENTS.ID.eq(eventId)).forUpdate().fetchOne();
        Integer last = tx.select(DSL.max(WEBHOOK_ATTEMPTS.NUMBER)).from(WEBHOOK_ATTEMPTS).where(WEBHOOK_ATTEMPTS.EVENT_ID.eq(eventId))
                .fetchOne(0, Integer.class);
        return last == null ? 1 : last + 1;
    }

    /** Records an attempt's outcome: the attempt row and the event's new delivery state, in one transaction. */
    public void recordAttempt(DSLContext tx, PartnerScope scope, PartnerEvent.Attempt attempt, PartnerEvent.DeliveryStatus status,
            Optional<Instant> nextAttemptAt) {
        tx.insertInto(WEBHOOK_ATTEMPTS)
                .set(WEBHOOK_ATTEMPTS.EVENT_ID, attempt.eventId())
                .set(WEBHOOK_ATTEMPTS.NUMBER, attempt.number())
                .set(WEBHOOK_ATTEMPTS.PARTNER_ID, scope.partnerId())
                .set(WEBHOOK_ATTEMPTS.LIVEMODE, scope.livemode())
                .set(WEBHOOK_ATTEMPTS.URL, attempt.url())
                .set(WEBHOOK_ATTEMPTS.ATTEMPTED_AT, Timestamps.toColumn(attempt.attemptedAt()))
                .set(WEBHOOK_ATTEMPTS.HTTP_STATUS, attempt.httpStatus().orElse(null))
                .set(WEBHOOK_ATTEMPTS.LATENCY_MS, attempt.latencyMs())
                .set(WEBHOOK_ATTEMPTS.SUCCEEDED, attempt.succeeded())
                .set(WEBHOOK_ATTEMPTS.ERROR, attempt.error())
                .set(WEBHOOK_ATTEMPTS.RESPONSE_EXCERPT, attempt.responseExcerpt())
                .execute();
        tx.update(PARTNER_EVENTS).set(PARTNER_EVENTS.ATTEMPT_COUNT, DSL.greatest(PARTNER_EVENTS.ATTEMPT_COUNT, DSL.val(attempt.number())))
                .where(PARTNER_EVENTS.ID.eq(attempt.eventId())).execute();
        settle(tx, attempt.eventId(), status, nextAttemptAt, status == PartnerEvent.DeliveryStatus.DELIVERED ? attempt.attemptedAt() : null);
    }

    /** Settles a claimed event without an attempt (no endpoint, or one that does not want it). */
    public void settle(DSLContext tx, String eventId, PartnerEvent.DeliveryStatus status, Optional<Instant> nextAttemptAt, Instant deliveredAt) {
        int updated = tx.update(PARTNER_EVENTS)
                .set(PARTNER_EVENTS.DELIVERY_STATUS, status.wireName())
                .set(PARTNER_EVENTS.NEXT_ATTEMPT_AT, Timestamps.toColumn(nextAttemptAt.orElse(null)))
                .set(PARTNER_EVENTS.DELIVERED_AT, deliveredAt == null ? PARTNER_EVENTS.DELIVERED_AT : DSL.val(Timestamps.toColumn(deliveredAt)))
                .where(PARTNER_EVENTS.ID.eq(eventId))
                .execute();
        if (updated != 1) {
            throw new IllegalStateException("event " + eventId + " not found to settle");
        }
    }

    public List<PartnerEvent.Attempt> attempts(DSLContext tx, PartnerScope scope, String eventId) {
        return tx.selectFrom(WEBHOOK_ATTEMPTS)
                .where(WEBHOOK_ATTEMPTS.PARTNER_ID.eq(scope.partnerId())).and(WEBHOOK_ATTEMPTS.LIVEMODE.eq(scope.livemode()))
                .and(WEBHOOK_ATTEMPTS.EVENT_ID.eq(eventId))
                .orderBy(WEBHOOK_ATTEMPTS.NUMBER)
                .fetch(WebhookRepository::toAttempt);
    }

    /** What is still to send: how many events, and when the oldest of them was created. */
    public record Backlog(long size, Optional<Instant> oldestCreatedAt) {
    }

    public Backlog backlog(DSLContext tx) {
        var row = tx.select(DSL.count(), DSL.min(PARTNER_EVENTS.CREATED_AT)).from(PARTNER_EVENTS)
                .where(PARTNER_EVENTS.DELIVERY_STATUS.eq(PartnerEvent.DeliveryStatus.PENDING.wireName())).fetchOne();
        return new Backlog(row.value1(), Optional.ofNullable(Timestamps.fromColumn(row.value2())));
    }

    // --- Endpoints ----------------------------------------------------------------------------

    public Optional<WebhookEndpoint> findEndpoint(DSLContext tx, PartnerScope scope) {
        return tx.selectFrom(WEBHOOK_ENDPOINTS).where(endpointInScope(scope)).fetchOptional().map(WebhookRepository::toEndpoint);
    }

    /** Locks the endpoint's row until the transaction ends, so two writers of one endpoint take turns. */
    public Optional<WebhookEndpoint> findEndpointForUpdate(DSLContext tx, PartnerScope scope) {
        return tx.selectFrom(WEBHOOK_ENDPOINTS).where(endpointInScope(scope)).forUpdate().fetchOptional().map(WebhookRepository::toEndpoint);
    }

    /** Inserts or replaces the scope's endpoint. */
    public void saveEndpoint(DSLContext tx, WebhookEndpoint e) {
        WebhookEndpointsRecord r = tx.newRecord(WEBHOOK_ENDPOINTS)
                .setPartnerId(e.scope().partnerId())
                .setLivemode(e.scope().livemode())
                .setUrl(e.url())
                .setEventTypes(String.join(",", e.eventTypes()))
                .setEnabled(e.enabled())
                .setStatus(e.status().wireName())
                .setSecretCiphertext(e.secretCiphertext())
                .setSecretPrefix(e.secretPrefix())
                .setSecretRevealed(e.secretRevealed())
                .setPreviousSecretCiphertext(e.previousSecretCiphertext().orElse(null))
                .setPreviousSecretExpiresAt(Timestamps.toColumn(e.previousSecretExpiresAt().orElse(null)))
                .setFailingSince(Timestamps.toColumn(e.failingSince().orElse(null)))
                .setDisabledReason(e.disabledReason())
                .setCreatedAt(Timestamps.toColumn(e.createdAt()))
                .setUpdatedAt(Timestamps.toColumn(e.updatedAt()));
        tx.insertInto(WEBHOOK_ENDPOINTS).set(r).onConflict(WEBHOOK_ENDPOINTS.PARTNER_ID, WEBHOOK_ENDPOINTS.LIVEMODE).doUpdate().set(r).execute();
    }

    /** An attempt's mark on its endpoint: healthy again, or failing since {@code failingSince} (kept from the first failure). */
    public void markEndpoint(DSLContext tx, PartnerScope scope, WebhookEndpoint.Status status, Optional<Instant> failingSince, String disabledReason,
            Instant now) {
        tx.update(WEBHOOK_ENDPOINTS)
                .set(WEBHOOK_ENDPOINTS.STATUS, status.wireName())
                .set(WEBHOOK_ENDPOINTS.FAILING_SINCE, Timestamps.toColumn(failingSince.orElse(null)))
                .set(WEBHOOK_ENDPOINTS.DISABLED_REASON, disabledReason)
                .set(WEBHOOK_ENDPOINTS.UPDATED_AT, Timestamps.toColumn(now))
                .where(endpointInScope(scope))
                .execute();
    }

    private static Condition eventInScope(PartnerScope scope) {
        Objects.requireNonNull(scope, "scope");
        return PARTNER_EVENTS.PARTNER_ID.eq(scope.partnerId()).and(PARTNER_EVENTS.LIVEMODE.eq(scope.livemode()));
    }

    private static Condition endpointInScope(PartnerScope scope) {
        Objects.requireNonNull(scope, "scope");
        return WEBHOOK_ENDPOINTS.PARTNER_ID.eq(scope.partnerId()).and(WEBHOOK_ENDPOINTS.LIVEMODE.eq(scope.livemode()));
    }

    private static PartnerEvent toEvent(PartnerEventsRecord r) {
        return new PartnerEvent(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getType(), r.getBody(),
                Timestamps.fromColumn(r.getCreatedAt()), PartnerEvent.DeliveryStatus.fromWireName(r.getDeliveryStatus()), r.getAttemptCount(),
                Optional.ofNullable(Timestamps.fromColumn(r.getNextAttemptAt())), Optional.ofNullable(Timestamps.fromColumn(r.getDeliveredAt())));
    }

    private static PartnerEvent.Attempt toAttempt(WebhookAttemptsRecord r) {
        return new PartnerEvent.Attempt(r.getEventId(), r.getNumber(), r.getUrl(), Timestamps.fromColumn(r.getAttemptedAt()),
                Optional.ofNullable(r.getHttpStatus()), r.getLatencyMs(), r.getSucceeded(), r.getError(), r.getResponseExcerpt());
    }

    private static WebhookEndpoint toEndpoint(WebhookEndpointsRecord r) {
        List<String> types = r.getEventTypes().isEmpty() ? List.of() : Arrays.asList(r.getEventTypes().split(","));
        return new WebhookEndpoint(new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getUrl(), types, r.getEnabled(),
                WebhookEndpoint.Status.fromWireName(r.getStatus()), r.getSecretCiphertext(), r.getSecretPrefix(), r.getSecretRevealed(),
                Optional.ofNullable(r.getPreviousSecretCiphertext()), Optional.ofNullable(Timestamps.fromColumn(r.getPreviousSecretExpiresAt())),
                Optional.ofNullable(Timestamps.fromColumn(r.getFailingSince())), r.getDisabledReason(), Timestamps.fromColumn(r.getCreatedAt()),
                Timestamps.fromColumn(r.getUpdatedAt()));
    }
}
