package dev.payflow.core.api;

import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.GetSystemStatsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.SystemStats;
import dev.payflow.proto.v1.Wallet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /api/admin/system/stats on a database of its own with known rows, on a frozen clock:
 * two days ago a 100.00 USD credit and a 5.00 GBP payment; now a 50.00 USD credit, a 20.00 USD
 * transfer and a 10.00 EUR credit, one wallet frozen, and one live wallet without money.
 */
class SystemStatsTest {
    private static final Instant TWO_DAYS_AGO = Instant.parse("2026-03-08T09:30:00Z");
    private static final Instant NOW = TWO_DAYS_AGO.plus(Duration.ofDays(2));

    private static TestServer payflow;
    private static Payment payment;

    @BeforeAll
    static void start() {
        payflow = TestServer.start(TestClock.frozenAt(TWO_DAYS_AGO));
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String key = partner.sandboxKey();
        // An endpoint, so that the events below are pending in the outbox (no delivery worker runs here).
        assertThat(payflow.rest("PUT", "/api/v1/webhook-endpoint", key, "{\"url\":\"http://localhost:1/hooks\"}").status()).isEqualTo(200);
        Wallet dollars = payflow.newWallet(key, "USD");
        Wallet euros = payflow.newWallet(key, "EUR");
        Wallet pounds = payflow.newWallet(key, "GBP");
        Wallet frozen = payflow.newWallet(key, "USD");
        payflow.credit(key, dollars.getId(), "100.00", "USD");
        payment = payflow.payments(key).createPayment(CreatePaymentRequest.newBuilder().setAmount("5.00").setCurrency("GBP")
                .setPaymentMethod("pm_card_visa").setWalletId(pounds.getId()).setIdempotencyKey(newIdempotencyKey()).build());

        payflow.clock().advance(Duration.ofDays(2));
        payflow.credit(key, dollars.getId(), "50.00", "USD");
        payflow.transfer(key, dollars.getId(), frozen.getId(), "20.00", "USD");
        payflow.credit(key, euros.getId(), "10.00", "EUR");
        payflow.setWalletStatus(key, frozen.getId(), Wallet.Status.frozen);
        payflow.newWallet(partner.productionKey(), "USD");
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    private static JsonObject stats() {
        TestServer.Rest answer = payflow.rest("GET", "/api/admin/system/stats", payflow.server().adminToken(), null);
        assertThat(answer.status()).as("HTTP status of %s", answer.body()).isEqualTo(200);
        return answer.body();
    }

    private static List<JsonObject> objects(JsonObject stats, String field) {
        List<JsonObject> objects = new ArrayList<>();
        for (JsonElement element : stats.getAsJsonArray(field)) {
            objects.add(element.getAsJsonObject());
        }
        return objects;
    }

    @Test
    void walletsAreCountedByModeAndEveryStatus() {
        assertThat(objects(stats(), "walletsByStatus"))
                .extracting(c -> c.get("livemode").getAsBoolean(), c -> c.get("status").getAsString(), c -> c.get("count").getAsLong())
                .containsExactly(
                        tuple(false, "active", 3L), tuple(false, "frozen", 1L), tuple(false, "closed", 0L),
                        tuple(true, "active", 1L), tuple(true, "frozen", 0L), tuple(true, "closed", 0L));
    }

    @Test
    void transactionsOfTheLast24HoursAreCountedByTypeAndStatusAndOlderOnesAreNot() {
        assertThat(objects(stats(), "transactionsLast24h"))
                .extracting(c -> c.get("livemode").getAsBoolean(), c -> c.get("type").getAsString(), c -> c.get("status").getAsString(),
                        c -> c.get("count").getAsLong())
                .containsExactly(tuple(false, "credit", "completed", 2L), tuple(false, "transfer", "completed", 1L));
    }

    @Test
    void volumeOfTheLast24HoursIsSummedPerCurrencyAsDecimalStrings() {
        assertThat(objects(stats(), "volumeLast24h"))
                .extracting(v -> v.get("currency").getAsString(), v -> v.get("amount").getAsString(), v -> v.get("transactionCount").getAsLong())
                .containsExactly(tuple("EUR", "10.00", 1L), tuple("USD", "70.00", 2L));
    }

    @Test
    void dailyVolumeHasOneRowPerUtcDayAndCurrencyOldestFirst() {
        List<JsonObject> daily = objects(stats(), "dailyVolume");

        assertThat(daily).extracting(d -> d.get("date").getAsString(), d -> d.get("currency").getAsString(), d -> d.get("amount").getAsString())
                .contains(tuple("2026-03-08", "USD", "100.00"), tuple("2026-03-10", "EUR", "10.00"), tuple("2026-03-10", "USD", "70.00"));
        assertThat(daily).extracting(d -> d.get("date").getAsString()).isSorted().allMatch(date -> date.compareTo("2026-02-25") >= 0);
        // The payment's money is booked (a credit) on its day, or not at all while it is open.
        assertThat(daily).filteredOn(d -> d.get("currency").getAsString().equals("GBP"))
                .allSatisfy(d -> assertThat(d.get("date").getAsString()).isEqualTo("2026-03-08"));
    }

    @Test
    void paymentsAndPayoutsAreCountedByModeAndEveryStatus() {
        JsonObject stats = stats();

        assertThat(objects(stats, "paymentsByStatus")).hasSize(18)
                .filteredOn(c -> c.get("count").getAsLong() > 0)
                .extracting(c -> c.get("livemode").getAsBoolean(), c -> c.get("status").getAsString(), c -> c.get("count").getAsLong())
                .containsExactly(tuple(false, payment.getStatus().name(), 1L));
        assertThat(objects(stats, "payoutsByStatus")).hasSize(10).allSatisfy(c -> assertThat(c.get("count").getAsLong()).isZero())
                .extracting(c -> c.get("status").getAsString()).contains("pending", "in_transit", "paid", "failed", "cancelled");
    }

    @Test
    void theWebhookBacklogCountsPendingEventsAndAgesTheOldestOnTheServicesClock() {
        JsonObject backlog = stats().getAsJsonObject("webhookBacklog");
        long pending = payflow.server().database().reader()
                .fetchOne("select count(*) from partner_events where delivery_status = 'pending'").get(0, Long.class);

        assertThat(pending).as("events pending in the outbox (no delivery worker runs here)").isPositive();
        assertThat(backlog.get("pendingEvents").getAsLong()).isEqualTo(pending);
        assertThat(backlog.get("oldestPendingCreatedAt").getAsString()).isEqualTo(TWO_DAYS_AGO.toString());
        assertThat(backlog.get("oldestPendingAgeSeconds").getAsLong()).isEqualTo(Duration.ofDays(2).toSeconds());
    }

    @Test
    void aServerWithoutARealGatewayShowsNoCircuitAndGrpcAnswersTheSame() {
        SystemStats overGrpc = payflow.admin().getSystemStats(GetSystemStatsRequest.getDefaultInstance());
        JsonObject overRest = stats();

        assertThat(overGrpc.getGatewayCircuitsList()).isEmpty();
        assertThat(overRest.getAsJsonArray("gatewayCircuits")).isEmpty();
        assertThat(overGrpc.getGeneratedAt().getSeconds()).isEqualTo(NOW.getEpochSecond());
        assertThat(overGrpc.getTransactionsLast24HCount()).isEqualTo(objects(overRest, "transactionsLast24h").size());
        assertThat(overGrpc.getDailyVolumeCount()).isEqualTo(objects(overRest, "dailyVolume").size());
    }

    @Test
    void theReconciliationRunThatFinishedLastIsShownPerModeAndARunningOneIsNot() {
        payflow.server().database().inTransaction(tx -> {
            insertRun(tx, "rcn_stats_older", false, "completed", 3, NOW.minus(Duration.ofHours(30)));
            insertRun(tx, "rcn_stats_newer", false, "failed", 0, NOW.minus(Duration.ofHours(2)));
            insertRun(tx, "rcn_stats_live", true, "completed", 1, NOW.minus(Duration.ofHours(5)));
            insertRun(tx, "rcn_stats_running", false, "running", 0, null);
            return null;
        });

        List<JsonObject> last = objects(stats(), "lastReconciliations");

        assertThat(last).extracting(r -> r.get("runId").getAsString(), r -> r.get("livemode").getAsBoolean(), r -> r.get("status").getAsString(),
                r -> r.get("findingCount").getAsLong(), r -> r.get("finishedAt").getAsString())
                .containsExactly(tuple("rcn_stats_newer", false, "failed", 0L, NOW.minus(Duration.ofHours(2)).toString()),
                        tuple("rcn_stats_live", true, "completed", 1L, NOW.minus(Duration.ofHours(5)).toString()));
        assertThat(payflow.admin().getSystemStats(GetSystemStatsRequest.getDefaultInstance()).getLastReconciliationsList())
                .extracting(dev.payflow.proto.v1.LastReconciliation::getRunId).containsExactly("rcn_stats_newer", "rcn_stats_live");
    }

    /** A run as the reconciliation worker leaves it; its window is the UTC day before it finished. */
    private static void insertRun(org.jooq.DSLContext tx, String id, boolean livemode, String status, long findings, Instant finishedAt) {
        Instant end = finishedAt == null ? NOW : finishedAt;
        tx.execute("""
                INSERT INTO reconciliation_runs (id, livemode, window_from, window_to, status, trigger_kind, started_by, finding_count,
                    created_at, finished_at)
                VALUES (?, ?, CAST(? AS timestamptz), CAST(? AS timestamptz), ?, 'operator', 'opr_stats', ?, CAST(? AS timestamptz),
                    CAST(? AS timestamptz))""",
                id, livemode, end.minus(Duration.ofDays(1)).toString(), end.toString(), status, findings, end.toString(),
                finishedAt == null ? null : finishedAt.toString());
    }
}
