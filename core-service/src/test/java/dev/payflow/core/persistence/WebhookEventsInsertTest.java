package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.PARTNER_EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.domain.PartnerEvent;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.WebhookEndpoint;
import dev.payflow.core.persistence.jooq.tables.records.PartnerEventsRecord;
import dev.payflow.core.testing.TestDatabases;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.InsertValuesStep9;
import org.jooq.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The events' one-statement insert (arrays through unnest) stores, column for column, what the
 * multi-row INSERT it replaced stored: the same rows read back for 1 event and for 250 of several
 * partners and modes, with bodies full of what array literals and JSON escape. Those scopes have
 * an endpoint that wants every type; an event no endpoint wants is stored skipped, never due.
 */
class WebhookEventsInsertTest {
    private static final String[] BODIES = {"{\"id\":\"evt\",\"data\":{}}", "{\"a\":\"quote \\\" backslash \\\\ brace } { comma , \"}",
            "NULL", "", " leading and trailing spaces ", "Zoë 🎉 € \u2028 <&'=>", "line\nbreak\ttab\r", "{\"n\":[1,2.5,null]}", "\"", "\\"};

    private static TestServer payflow;
    private static Database database;
    private static PartnerScope first;
    private static PartnerScope second;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        TestDatabases.Coordinates db = payflow.database();
        database = Database.connect(db.jdbcUrl(), db.user(), db.password(), 2);
        first = new PartnerScope(payflow.onboard(Partner.Status.active).partnerId(), false);
        second = new PartnerScope(payflow.onboard(Partner.Status.active).partnerId(), true);
        saveEndpoint(first, List.of(), true, WebhookEndpoint.Status.ACTIVE);
        saveEndpoint(second, List.of(), true, WebhookEndpoint.Status.FAILING);
    }

    @AfterAll
    static void stop() {
        database.close();
        payflow.close();
    }

    @Test
    void oneEventIsStoredAsTheMultiRowInsertStoredIt() {
        assertStoredAsBefore(events("one", 1));
    }

    @Test
    void twoHundredFiftyEventsOfSeveralPartnersAreStoredAsTheMultiRowInsertStoredThem() {
        assertStoredAsBefore(events("many", 250));
    }

    /**
     * Each way an endpoint can not want an event (none in the scope, paused, disabled, another
     * type), beside one that wants it: only that one is pending and due, the rest are skipped
     * with no next attempt, as the delivery worker would have settled them.
     */
    @Test
    void anEventNoEndpointOfItsScopeWantsIsStoredSkippedAndNeverDue() {
        PartnerScope none = new PartnerScope(payflow.onboard(Partner.Status.active).partnerId(), false);
        PartnerScope paused = new PartnerScope(payflow.onboard(Partner.Status.active).partnerId(), false);
        PartnerScope disabled = new PartnerScope(payflow.onboard(Partner.Status.active).partnerId(), false);
        PartnerScope subscribed = new PartnerScope(payflow.onboard(Partner.Status.active).partnerId(), false);
        saveEndpoint(paused, List.of(), false, WebhookEndpoint.Status.ACTIVE);
        saveEndpoint(disabled, List.of(), true, WebhookEndpoint.Status.DISABLED);
        saveEndpoint(subscribed, List.of("wallet.debited", "transfer.completed"), true, WebhookEndpoint.Status.ACTIVE);
        // The other mode of a scope with an endpoint has none of its own.
        PartnerScope otherMode = new PartnerScope(subscribed.partnerId(), true);
        Instant at = Instant.parse("2026-12-02T22:00:00.000001Z");
        List<PartnerEvent> events = new ArrayList<>();
        for (PartnerScope scope : List.of(none, paused, disabled, subscribed, otherMode)) {
            for (String type : List.of("wallet.credited", "transfer.completed")) {
                events.add(new PartnerEvent("evt_want_" + events.size() + "_" + scope.partnerId(), scope, type, "{}", at,
                        PartnerEvent.DeliveryStatus.PENDING, 0, Optional.of(at), Optional.empty()));
            }
        }

        database.inTransaction(tx -> {
            new WebhookRepository().insertEvents(tx, events);
            return null;
        });

        List<PartnerEvent> read = database.inTransaction(tx -> events.stream()
                .map(e -> new WebhookRepository().findEventOfAnyPartner(tx, e.id()).orElseThrow()).toList());
        for (int i = 0; i < events.size(); i++) {
            PartnerEvent written = events.get(i);
            boolean wanted = written.scope().equals(subscribed) && written.type().equals("transfer.completed");
            PartnerEvent expected = wanted ? written : new PartnerEvent(written.id(), written.scope(), written.type(), written.body(),
                    written.createdAt(), PartnerEvent.DeliveryStatus.SKIPPED, 0, Optional.empty(), Optional.empty());
            assertThat(read.get(i)).as(written.scope() + " " + written.type()).isEqualTo(expected);
        }
        List<String> due = database.inTransaction(tx -> tx.select(PARTNER_EVENTS.ID).from(PARTNER_EVENTS)
                .where(PARTNER_EVENTS.ID.in(events.stream().map(PartnerEvent::id).toList()))
                .and(PARTNER_EVENTS.NEXT_ATTEMPT_AT.isNotNull()).fetch(PARTNER_EVENTS.ID));
        assertThat(due).containsExactly(events.get(7).id());
    }

    private static void saveEndpoint(PartnerScope scope, List<String> types, boolean enabled, WebhookEndpoint.Status status) {
        Instant at = Instant.parse("2026-12-02T21:00:00Z");
        WebhookEndpoint endpoint = new WebhookEndpoint(scope, "https://hooks.example.com/payflow", types, enabled, status, new byte[] {1},
                "whsec_test", true, Optional.empty(), Optional.empty(), Optional.empty(), "", at, at);
        database.inTransaction(tx -> {
            new WebhookRepository().saveEndpoint(tx, endpoint);
            return null;
        });
    }

    private static void assertStoredAsBefore(List<PartnerEvent> events) {
        List<String> ids = events.stream().map(PartnerEvent::id).toList();
        List<List<Object>> before = database.inTransaction(tx -> {
            insertAsBefore(tx, events);
            List<List<Object>> rows = rows(tx, ids);
            tx.deleteFrom(PARTNER_EVENTS).where(PARTNER_EVENTS.ID.in(ids)).execute();
            return rows;
        });

        database.inTransaction(tx -> {
            new WebhookRepository().insertEvents(tx, events);
            return null;
        });

        List<List<Object>> after = database.inTransaction(tx -> rows(tx, ids));
        assertThat(after).hasSize(events.size()).isEqualTo(before);
        // And what was meant: the events read back as they were written, in the list's (and the ids') order.
        List<PartnerEvent> read = database.inTransaction(tx -> ids.stream()
                .map(id -> new WebhookRepository().findEventOfAnyPartner(tx, id).orElseThrow()).toList());
        assertThat(read).isEqualTo(events);
    }

    /** Every column of the rows, in id order. */
    private static List<List<Object>> rows(DSLContext tx, List<String> ids) {
        return tx.selectFrom(PARTNER_EVENTS).where(PARTNER_EVENTS.ID.in(ids)).orderBy(PARTNER_EVENTS.ID).fetch().map(Record::intoList);
    }

    /** The statement insertEvents used before: jOOQ's multi-row INSERT, its text growing with the rows. */
    private static void insertAsBefore(DSLContext tx, List<PartnerEvent> events) {
        InsertValuesStep9<PartnerEventsRecord, String, String, Boolean, String, String, java.time.OffsetDateTime, String, Integer,
                java.time.OffsetDateTime> insert = tx.insertInto(PARTNER_EVENTS, PARTNER_EVENTS.ID, PARTNER_EVENTS.PARTNER_ID,
                PARTNER_EVENTS.LIVEMODE, PARTNER_EVENTS.TYPE, PARTNER_EVENTS.BODY, PARTNER_EVENTS.CREATED_AT, PARTNER_EVENTS.DELIVERY_STATUS,
                PARTNER_EVENTS.ATTEMPT_COUNT, PARTNER_EVENTS.NEXT_ATTEMPT_AT);
        for (PartnerEvent e : events) {
            insert = insert.values(e.id(), e.scope().partnerId(), e.scope().livemode(), e.type(), e.body(), Timestamps.toColumn(e.createdAt()),
                    e.deliveryStatus().wireName(), e.attemptCount(), Timestamps.toColumn(e.nextAttemptAt().orElseThrow()));
        }
        assertThat(insert.execute()).isEqualTo(events.size());
    }

    private static List<PartnerEvent> events(String name, int count) {
        Instant base = Instant.parse("2026-12-02T15:16:04.123456Z");
        List<PartnerEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PartnerScope scope = i % 3 == 0 ? second : first;
            // Stamps a microsecond apart and across whole seconds (no fraction at all for some), due later than created.
            Instant createdAt = base.plusNanos(i * 1_000L).plusSeconds(i % 5 == 0 ? 0 : i).truncatedTo(i % 7 == 0
                    ? java.time.temporal.ChronoUnit.SECONDS : java.time.temporal.ChronoUnit.MICROS);
            String id = String.format("evt_%s%05d", name, i);
            events.add(new PartnerEvent(id, scope, i % 2 == 0 ? "wallet.credited" : "transfer.completed", BODIES[i % BODIES.length] + i,
                    createdAt, PartnerEvent.DeliveryStatus.PENDING, i % 4, Optional.of(createdAt.plusMillis(i)), Optional.empty()));
        }
        return events;
    }
}
