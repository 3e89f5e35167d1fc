package dev.payflow.core.webhook;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetEventRequest;
import dev.payflow.proto.v1.Hold;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.ListEventsResponse;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.VoidHoldRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WebhookEvent;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The outbox: every booking writes its partner events in its own transaction, whatever asked for
 * it, with the flat fields partners read; replays and refusals write none; another partner's
 * events are NOT_FOUND.
 */
class PartnerEventsTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start(TestClock.system());
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aGatewayCreditWritesFundsAddedCreditedAndCompletedWithTheWalletsNewBalanceAndSequence() throws Exception {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "10.00", "USD");
        Transaction second = payflow.credit(partner.sandboxKey(), wallet.getId(), "2.50", "USD");

        List<WebhookEvent> events = eventsOf(partner.sandboxKey(), second.getId());
        assertThat(events).extracting(WebhookEvent::getType)
                .containsExactly("wallet.funds_added", "wallet.credited", "transaction.completed");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getId()).startsWith("evt_");
            assertThat(e.getLivemode()).isFalse();
            // The partner has no endpoint: nothing is to send.
            assertThat(e.getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.skipped);
        });
        JsonObject fundsAdded = json(events.get(0).getData());
        assertThat(fundsAdded.get("walletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(fundsAdded.get("externalWalletId").getAsString()).isEqualTo(wallet.getExternalWalletId());
        assertThat(fundsAdded.get("amount").getAsString()).isEqualTo("2.50");
        assertThat(fundsAdded.get("currency").getAsString()).isEqualTo("USD");
        assertThat(fundsAdded.get("transactionId").getAsString()).isEqualTo(second.getId());
        assertThat(fundsAdded.get("balance").getAsString()).isEqualTo("12.50");
        assertThat(fundsAdded.get("walletSequence").getAsString()).isEqualTo("2");
        assertThat(fundsAdded.getAsJsonObject("object").get("id").getAsString()).isEqualTo(second.getId());
        assertThat(fundsAdded.getAsJsonObject("object").get("status").getAsString()).isEqualTo("completed");

        JsonObject completed = json(events.get(2).getData());
        assertThat(completed.get("transactionId").getAsString()).isEqualTo(second.getId());
        assertThat(completed.get("walletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(completed.get("amount").getAsString()).isEqualTo("2.50");
        assertThat(completed.get("status").getAsString()).isEqualTo("completed");
    }

    @Test
    void integralMetadataNumbersInTheStoredBodyPrintAsIntegersAsTheRestFacadePrintsThem() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Transaction credit = payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder()
                .setWalletId(wallet.getId()).setAmount("2.00").setCurrency("USD").setIdempotencyKey(newIdempotencyKey())
                .setMetadata(Struct.newBuilder()
                        .putFields("week", com.google.protobuf.Value.newBuilder().setNumberValue(2).build())
                        .putFields("share", com.google.protobuf.Value.newBuilder().setNumberValue(0.5).build()))
                .build());
        String eventId = eventsOf(partner.sandboxKey(), credit.getId()).get(0).getId();

        // The body as stored is the body every delivery sends, byte for byte.
        String body = payflow.server().database().reader().fetchOne("select body from partner_events where id = ?", eventId).get(0, String.class);

        assertThat(body).contains("\"week\":2").contains("\"share\":0.5").doesNotContain("\"week\":2.0");
        TestServer.Rest asRestPrintsIt = payflow.rest("GET", "/api/v1/transactions/" + credit.getId(), partner.sandboxKey(), null);
        assertThat(JsonParser.parseString(body).getAsJsonObject().getAsJsonObject("data").getAsJsonObject("object").getAsJsonObject("metadata")
                .toString()).isEqualTo(asRestPrintsIt.body().getAsJsonObject("metadata").toString());
    }

    @Test
    void theEnvelopeOverRestCarriesIdTypeCreatedAtLivemodeAndData() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "EUR");
        Transaction credit = payflow.credit(partner.sandboxKey(), wallet.getId(), "1.00", "EUR");
        WebhookEvent event = eventsOf(partner.sandboxKey(), credit.getId()).get(0);

        TestServer.Rest got = payflow.rest("GET", "/api/v1/webhooks/events/" + event.getId(), partner.sandboxKey(), null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.body().get("id").getAsString()).isEqualTo(event.getId());
        assertThat(got.body().get("type").getAsString()).isEqualTo("wallet.funds_added");
        assertThat(got.body().get("deliveryStatus").getAsString()).isEqualTo("skipped");
        assertThat(got.body().get("livemode").getAsBoolean()).isFalse();
        assertThat(got.body().getAsJsonObject("data").get("walletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(got.body().getAsJsonArray("attempts")).isEmpty();
    }

    @Test
    void aReplayedCreditWritesNoSecondEventAndARefusedDebitWritesNone() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();
        CreditWalletRequest credit = CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("5.00").setCurrency("USD")
                .setIdempotencyKey(key).build();
        Transaction first = payflow.wallets(partner.sandboxKey()).creditWallet(credit);
        Transaction replay = payflow.wallets(partner.sandboxKey()).creditWallet(credit);
        assertThat(replay.getId()).isEqualTo(first.getId());
        assertThat(eventsOf(partner.sandboxKey(), first.getId())).hasSize(3);

        int before = allEvents(partner.sandboxKey()).size();
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("500.00").setCurrency("USD").setIdempotencyKey(newIdempotencyKey()).build()),
                Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertThat(allEvents(partner.sandboxKey())).hasSize(before);
    }

    @Test
    void aTransferWritesDebitedAndCreditedForEachWalletThenCompletedAndTransferCompleted() {
        Wallet from = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), from.getId(), "20.00", "USD");
        Transaction transfer = payflow.transfer(partner.sandboxKey(), from.getId(), to.getId(), "7.00", "USD");

        List<WebhookEvent> events = eventsOf(partner.sandboxKey(), transfer.getId());
        assertThat(events).extracting(WebhookEvent::getType)
                .containsExactlyInAnyOrder("wallet.debited", "wallet.credited", "transaction.completed", "transfer.completed");
        JsonObject debited = json(events.stream().filter(e -> e.getType().equals("wallet.debited")).findFirst().orElseThrow().getData());
        assertThat(debited.get("walletId").getAsString()).isEqualTo(from.getId());
        assertThat(debited.get("balance").getAsString()).isEqualTo("13.00");
        JsonObject credited = json(events.stream().filter(e -> e.getType().equals("wallet.credited")).findFirst().orElseThrow().getData());
        assertThat(credited.get("walletId").getAsString()).isEqualTo(to.getId());
        assertThat(credited.get("balance").getAsString()).isEqualTo("7.00");
        assertThat(credited.get("walletSequence").getAsString()).isEqualTo("1");
        JsonObject transferred = json(events.stream().filter(e -> e.getType().equals("transfer.completed")).findFirst().orElseThrow().getData());
        assertThat(transferred.get("fromWalletId").getAsString()).isEqualTo(from.getId());
        assertThat(transferred.get("toWalletId").getAsString()).isEqualTo(to.getId());
    }

    @Test
    void holdsWriteCreatedCapturedVoidedAndExpiredAlsoWhenTheExpiryWorkerReleasesThem() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "50.00", "USD");
        Hold captured = payflow.holds(partner.sandboxKey()).createHold(hold(wallet, "10.00").build());
        Hold voided = payflow.holds(partner.sandboxKey()).createHold(hold(wallet, "5.00").build());
        Hold expiring = payflow.holds(partner.sandboxKey()).createHold(hold(wallet, "1.00").setExpiresAt(
                com.google.protobuf.Timestamp.newBuilder().setSeconds(payflow.clock().instant().plusSeconds(60).getEpochSecond())).build());
        Hold capture = payflow.holds(partner.sandboxKey()).captureHold(CaptureHoldRequest.newBuilder().setId(captured.getId())
                .setAmount("4.00").setIdempotencyKey(newIdempotencyKey()).build());
        payflow.holds(partner.sandboxKey()).voidHold(VoidHoldRequest.newBuilder().setId(voided.getId()).setIdempotencyKey(newIdempotencyKey()).build());
        payflow.clock().advance(Duration.ofMinutes(2));
        payflow.server().holdExpiry().releaseDue();

        assertThat(typesAbout(partner.sandboxKey(), "holdId", captured.getId())).containsExactly("hold.created", "hold.captured");
        assertThat(typesAbout(partner.sandboxKey(), "holdId", voided.getId())).containsExactly("hold.created", "hold.voided");
        assertThat(typesAbout(partner.sandboxKey(), "holdId", expiring.getId())).containsExactly("hold.created", "hold.expired");
        // The capture books a debit too: its events name the capture's transaction.
        assertThat(eventsOf(partner.sandboxKey(), capture.getTransactionId())).extracting(WebhookEvent::getType)
                .containsExactly("wallet.debited", "transaction.completed");
        JsonObject capturedData = json(allEvents(partner.sandboxKey()).stream().filter(e -> e.getType().equals("hold.captured")
                && json(e.getData()).get("holdId").getAsString().equals(captured.getId())).findFirst().orElseThrow().getData());
        assertThat(capturedData.get("status").getAsString()).isEqualTo("captured");
        assertThat(capturedData.getAsJsonObject("object").get("capturedAmount").getAsString()).isEqualTo("4.00");
    }

    @Test
    void anotherPartnersOrModesEventIsNotFound() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Transaction credit = payflow.credit(partner.sandboxKey(), wallet.getId(), "1.00", "USD");
        String eventId = eventsOf(partner.sandboxKey(), credit.getId()).get(0).getId();

        assertGrpcError(() -> payflow.webhooks(otherPartner.sandboxKey()).getEvent(GetEventRequest.newBuilder().setId(eventId).build()),
                Status.Code.NOT_FOUND, "EVENT_NOT_FOUND");
        assertGrpcError(() -> payflow.webhooks(partner.productionKey()).getEvent(GetEventRequest.newBuilder().setId(eventId).build()),
                Status.Code.NOT_FOUND, "EVENT_NOT_FOUND");
        assertRestError(payflow.rest("POST", "/api/v1/webhooks/replay", otherPartner.sandboxKey(), "{\"eventId\":\"" + eventId + "\"}"), 404,
                "EVENT_NOT_FOUND");
        assertThat(allEvents(otherPartner.sandboxKey())).noneMatch(e -> e.getId().equals(eventId));
    }

    @Test
    void theListFiltersByTypeAndCreatedRangeAndPagesNewestFirst() {
        TestServer.PartnerKeys own = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(own.sandboxKey(), "USD");
        for (int i = 0; i < 3; i++) {
            payflow.credit(own.sandboxKey(), wallet.getId(), "1.00", "USD");
        }
        List<WebhookEvent> all = allEvents(own.sandboxKey());
        assertThat(all).hasSize(9);
        List<String> ids = new ArrayList<>(all.stream().map(WebhookEvent::getId).toList());
        List<String> newestFirst = new ArrayList<>(ids);
        newestFirst.sort(Collections.reverseOrder());
        assertThat(ids).isEqualTo(newestFirst);

        ListEventsResponse credited = payflow.webhooks(own.sandboxKey()).listEvents(ListEventsRequest.newBuilder().setType("wallet.credited")
                .setPageSize(2).build());
        assertThat(credited.getEventsList()).hasSize(2).allMatch(e -> e.getType().equals("wallet.credited"));
        ListEventsResponse rest = payflow.webhooks(own.sandboxKey()).listEvents(ListEventsRequest.newBuilder().setType("wallet.credited")
                .setPageSize(2).setPageToken(credited.getNextPageToken()).build());
        assertThat(rest.getEventsList()).hasSize(1);
        assertThat(rest.getNextPageToken()).isEmpty();

        ListEventsResponse future = payflow.webhooks(own.sandboxKey()).listEvents(ListEventsRequest.newBuilder()
                .setCreatedAfter(com.google.protobuf.Timestamp.newBuilder().setSeconds(payflow.clock().instant().plusSeconds(3600).getEpochSecond()))
                .build());
        assertThat(future.getEventsList()).isEmpty();
        assertGrpcError(() -> payflow.webhooks(own.sandboxKey()).listEvents(ListEventsRequest.newBuilder().setType("wallet.exploded").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    // --- Helpers ------------------------------------------------------------------------------

    private static CreateHoldRequest.Builder hold(Wallet wallet, String amount) {
        return CreateHoldRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount).setCurrency(wallet.getCurrency())
                .setDescription("Seat").setIdempotencyKey(newIdempotencyKey());
    }

    static List<WebhookEvent> allEvents(String key) {
        List<WebhookEvent> all = new ArrayList<>();
        String token = "";
        do {
            ListEventsResponse page = payflow.webhooks(key).listEvents(ListEventsRequest.newBuilder().setPageSize(200).setPageToken(token).build());
            all.addAll(page.getEventsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    /** The events whose data names this transaction, oldest first. */
    private static List<WebhookEvent> eventsOf(String key, String transactionId) {
        List<WebhookEvent> events = new ArrayList<>(allEvents(key).stream()
                .filter(e -> json(e.getData()).has("transactionId") && json(e.getData()).get("transactionId").getAsString().equals(transactionId))
                .toList());
        Collections.reverse(events);
        return events;
    }

    private static List<String> typesAbout(String key, String field, String value) {
        List<String> types = new ArrayList<>(allEvents(key).stream()
                .filter(e -> json(e.getData()).has(field) && json(e.getData()).get(field).getAsString().equals(value))
                .map(WebhookEvent::getType).toList());
        Collections.reverse(types);
        return types;
    }

    private static JsonObject json(Struct data) {
        try {
            return JsonParser.parseString(JsonFormat.printer().print(data)).getAsJsonObject();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
