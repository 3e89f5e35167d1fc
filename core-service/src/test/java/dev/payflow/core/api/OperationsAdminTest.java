package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.testing.ConsoleSessions;
import dev.payflow.core.testing.TestServer;
import dev.payflow.core.testing.WebhookReceiver;
import dev.payflow.proto.v1.ConnectServiceGrpc;
import dev.payflow.proto.v1.ConnectedAccount;
import dev.payflow.proto.v1.CreateConnectedAccountRequest;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.CreatePayoutRequest;
import dev.payflow.proto.v1.ListAllPaymentsRequest;
import dev.payflow.proto.v1.ListAllPaymentsResponse;
import dev.payflow.proto.v1.ListAllPayoutsRequest;
import dev.payflow.proto.v1.ListWebhookDeliveriesRequest;
import dev.payflow.proto.v1.LookupPaymentRequest;
import dev.payflow.proto.v1.LookupPayoutRequest;
import dev.payflow.proto.v1.LookupWebhookDeliveryRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PartnerPayment;
import dev.payflow.proto.v1.PartnerPayout;
import dev.payflow.proto.v1.PartnerWebhookEvent;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.PaymentAdminServiceGrpc;
import dev.payflow.proto.v1.Payout;
import dev.payflow.proto.v1.PayoutAdminServiceGrpc;
import dev.payflow.proto.v1.PayoutDestination;
import dev.payflow.proto.v1.PayoutServiceGrpc;
import dev.payflow.proto.v1.PutWebhookEndpointRequest;
import dev.payflow.proto.v1.ReplayWebhookDeliveryRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WebhookEndpointAdminServiceGrpc;
import dev.payflow.proto.v1.WebhookEvent;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Operators list and read payments, payouts and webhook deliveries across partners (the console's
 * pages), and replay a delivery with a reason; partner keys never reach these routes.
 */
class OperationsAdminTest {
    private static TestServer payflow;
    private static WebhookReceiver receiver;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;
    private static Payment first;
    private static Payment second;
    private static Payment othersPayment;
    private static Payout payout;

    @BeforeAll
    static void start() throws Exception {
        payflow = TestServer.start();
        receiver = WebhookReceiver.start();
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        first = pay(partner.sandboxKey(), wallet, "30.00");
        second = pay(partner.sandboxKey(), wallet, "20.00");
        othersPayment = pay(otherPartner.sandboxKey(), payflow.newWallet(otherPartner.sandboxKey(), "USD"), "7.00");
        payout = payOut(partner.sandboxKey(), wallet, "10.00");
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void paymentsAreListedAcrossPartnersNewestFirstWithPartnerModeStatusProviderAndTimeFiltersAndPages() {
        List<String> all = new ArrayList<>();
        String token = "";
        do {
            ListAllPaymentsResponse page = payments().listAllPayments(ListAllPaymentsRequest.newBuilder().setPageSize(1).setPageToken(token).build());
            page.getPaymentsList().forEach(p -> all.add(p.getPayment().getId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty() && all.size() < 20);
        assertThat(all).containsExactly(othersPayment.getId(), second.getId(), first.getId());

        assertThat(paymentIds("?partnerId=" + partner.partnerId())).containsExactly(second.getId(), first.getId());
        assertThat(paymentIds("?partnerId=" + otherPartner.partnerId() + "&environment=sandbox&status=succeeded&provider=simulated"))
                .containsExactly(othersPayment.getId());
        assertThat(paymentIds("?environment=production")).isEmpty();
        assertThat(paymentIds("?provider=stripe")).isEmpty();
        assertThat(paymentIds("?status=failed")).isEmpty();
        assertThat(paymentIds("?createdTo=2000-01-01T00:00:00Z")).isEmpty();
        assertThat(paymentIds("?partnerId=" + partner.partnerId() + "&createdFrom=2000-01-01T00:00:00Z")).containsExactly(second.getId(), first.getId());
    }

    @Test
    void anOperatorLooksUpAnyPartnersPaymentWithItsHistoryAndPartner() {
        PartnerPayment found = payments().lookupPayment(LookupPaymentRequest.newBuilder().setId(othersPayment.getId()).build());
        assertThat(found.getPartnerId()).isEqualTo(otherPartner.partnerId());
        assertThat(found.getPayment().getAmount()).isEqualTo("7.00");
        assertThat(found.getPayment().getStatusHistoryList()).extracting(Payment.StatusChange::getStatus)
                .containsExactly(Payment.Status.pending, Payment.Status.succeeded);
        TestServer.Rest overRest = payflow.rest("GET", "/api/admin/payments/" + first.getId(), payflow.server().adminToken(), null);
        assertThat(overRest.status()).isEqualTo(200);
        assertThat(overRest.body().get("partnerId").getAsString()).isEqualTo(partner.partnerId());
        assertThat(overRest.body().getAsJsonObject("payment").get("status").getAsString()).isEqualTo("succeeded");
    }

    @Test
    void payoutsAreListedAcrossPartnersAndOneIsLookedUpWithItsHistory() {
        assertThat(payoutIds("")).contains(payout.getId());
        assertThat(payoutIds("?partnerId=" + partner.partnerId() + "&provider=simulated&environment=sandbox")).containsExactly(payout.getId());
        assertThat(payoutIds("?partnerId=" + otherPartner.partnerId())).isEmpty();
        assertThat(payoutIds("?status=" + payout.getStatus().name())).contains(payout.getId());
        assertThat(payoutIds("?status=cancelled")).doesNotContain(payout.getId());

        PartnerPayout found = payouts().lookupPayout(LookupPayoutRequest.newBuilder().setId(payout.getId()).build());
        assertThat(found.getPartnerId()).isEqualTo(partner.partnerId());
        assertThat(found.getPayout()).isEqualTo(payout);
        assertThat(found.getPayout().getStatusHistoryList()).isNotEmpty();
        assertThat(payouts().listAllPayouts(ListAllPayoutsRequest.newBuilder().setPartnerId(partner.partnerId()).build()).getPayouts(0))
                .isEqualTo(found);
    }

    @Test
    void webhookDeliveriesAreListedByPartnerModeAndStatusAndAnOperatorReplaysOneWithAReasonThatTheAuditTrailKeeps() {
        // The partner had no endpoint when its events were recorded, so they were stored skipped.
        List<PartnerWebhookEvent> listed = webhooks().listWebhookDeliveries(ListWebhookDeliveriesRequest.newBuilder()
                .setPartnerId(otherPartner.partnerId()).setEnvironment("sandbox").setDeliveryStatus(WebhookEvent.DeliveryStatus.skipped).build())
                .getEventsList();
        assertThat(listed).isNotEmpty().allSatisfy(e -> {
            assertThat(e.getPartnerId()).isEqualTo(otherPartner.partnerId());
            assertThat(e.getEvent().getLivemode()).isFalse();
            assertThat(e.getEvent().getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.skipped);
        });
        assertThat(webhooks().listWebhookDeliveries(ListWebhookDeliveriesRequest.newBuilder().setPartnerId(otherPartner.partnerId())
                .setEnvironment("production").build()).getEventsList()).isEmpty();
        assertThat(webhooks().listWebhookDeliveries(ListWebhookDeliveriesRequest.newBuilder().setPartnerId(otherPartner.partnerId())
                .setDeliveryStatus(WebhookEvent.DeliveryStatus.delivered).build()).getEventsList()).isEmpty();

        payflow.webhooks(otherPartner.sandboxKey()).putWebhookEndpoint(PutWebhookEndpointRequest.newBuilder().setUrl(receiver.url("/hooks")).build());
        String eventId = listed.get(0).getEvent().getId();
        assertGrpcError(() -> webhooks().replayWebhookDelivery(ReplayWebhookDeliveryRequest.newBuilder().setId(eventId).build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        PartnerWebhookEvent replayed = webhooks().replayWebhookDelivery(ReplayWebhookDeliveryRequest.newBuilder().setId(eventId)
                .setReason("partner lost the event, ticket 42").build());

        assertThat(replayed.getPartnerId()).isEqualTo(otherPartner.partnerId());
        assertThat(replayed.getEvent().getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
        assertThat(replayed.getEvent().getAttemptsList()).singleElement().satisfies(a -> assertThat(a.getHttpStatus()).isEqualTo(200));
        assertThat(receiver.received()).extracting(WebhookReceiver.Received::webhookId).contains(eventId);
        assertThat(webhooks().lookupWebhookDelivery(LookupWebhookDeliveryRequest.newBuilder().setId(eventId).build())).isEqualTo(replayed);

        TestServer.Rest audit = payflow.rest("GET", "/api/admin/audit-log?action=WebhookEndpointAdminService.ReplayWebhookDelivery",
                payflow.server().adminToken(), null);
        assertThat(audit.status()).isEqualTo(200);
        JsonObject record = audit.body().getAsJsonArray("records").get(0).getAsJsonObject();
        assertThat(record.get("target").getAsString()).isEqualTo(eventId);
        assertThat(record.get("reason").getAsString()).isEqualTo("partner lost the event, ticket 42");
    }

    @Test
    void unknownIdsPartnersAndBadFiltersAreRefusedWithTheirReasons() {
        assertGrpcError(() -> payments().lookupPayment(LookupPaymentRequest.newBuilder().setId(unused(IdPrefix.PAYMENT)).build()),
                Status.Code.NOT_FOUND, "PAYMENT_NOT_FOUND");
        assertGrpcError(() -> payouts().lookupPayout(LookupPayoutRequest.newBuilder().setId(unused(IdPrefix.PAYOUT)).build()),
                Status.Code.NOT_FOUND, "PAYOUT_NOT_FOUND");
        assertGrpcError(() -> webhooks().lookupWebhookDelivery(LookupWebhookDeliveryRequest.newBuilder().setId(unused(IdPrefix.EVENT)).build()),
                Status.Code.NOT_FOUND, "EVENT_NOT_FOUND");
        assertGrpcError(() -> webhooks().replayWebhookDelivery(ReplayWebhookDeliveryRequest.newBuilder().setId(unused(IdPrefix.EVENT))
                .setReason("test").build()), Status.Code.NOT_FOUND, "EVENT_NOT_FOUND");
        String admin = payflow.server().adminToken();
        assertRestError(payflow.rest("GET", "/api/admin/payments/" + payout.getId(), admin, null), 400, "INVALID_ID");
        assertRestError(payflow.rest("GET", "/api/admin/payments?partnerId=" + unused(IdPrefix.PARTNER), admin, null), 404, "PARTNER_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/admin/payouts?partnerId=" + unused(IdPrefix.PARTNER), admin, null), 404, "PARTNER_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/admin/webhook-events?partnerId=" + unused(IdPrefix.PARTNER), admin, null), 404,
                "PARTNER_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/admin/payments?environment=live", admin, null), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("GET", "/api/admin/payments?status=paid", admin, null), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("GET", "/api/admin/payouts?provider=" + "x".repeat(33), admin, null), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("GET", "/api/admin/payouts?createdFrom=2026-01-02T00:00:00Z&createdTo=2026-01-01T00:00:00Z", admin, null), 400,
                "INVALID_FIELD");
        assertRestError(payflow.rest("GET", "/api/admin/webhook-events?type=wallet.nothing", admin, null), 400, "INVALID_FIELD");
        String token = payments().listAllPayments(ListAllPaymentsRequest.newBuilder().setPageSize(1).build()).getNextPageToken();
        assertRestError(payflow.rest("GET", "/api/admin/payments?status=succeeded&pageToken=" + token, admin, null), 400, "INVALID_PAGE_TOKEN");
    }

    @Test
    void aPartnerKeyCannotUseTheOperatorsRoutes() {
        for (String path : List.of("/api/admin/payments", "/api/admin/payments/" + first.getId(), "/api/admin/payouts",
                "/api/admin/payouts/" + payout.getId(), "/api/admin/webhook-events")) {
            assertRestError(payflow.rest("GET", path, partner.sandboxKey(), null), 403, "ADMIN_CREDENTIALS_REQUIRED");
        }
        assertRestError(payflow.rest("POST", "/api/admin/webhook-events/" + unused(IdPrefix.EVENT) + "/replay", partner.sandboxKey(),
                "{\"reason\": \"x\"}"), 403, "ADMIN_CREDENTIALS_REQUIRED");
    }

    @Test
    void aViewerReadsTheListsButCannotReplayAndAnOperatorsSessionMustSendTheCsrfToken() {
        String password = "correct horse battery staple";
        String viewerEmail = "viewer-" + java.util.UUID.randomUUID() + "@payflow.test";
        String operatorEmail = "operator-" + java.util.UUID.randomUUID() + "@payflow.test";
        ConsoleSessions.createOperator(payflow, viewerEmail, "viewer", password);
        ConsoleSessions.createOperator(payflow, operatorEmail, "operator", password);
        ConsoleSessions.Session viewer = ConsoleSessions.signIn(payflow, viewerEmail, password);
        ConsoleSessions.Session operator = ConsoleSessions.signIn(payflow, operatorEmail, password);
        String eventId = webhooks().listWebhookDeliveries(ListWebhookDeliveriesRequest.newBuilder().setPartnerId(partner.partnerId()).build())
                .getEvents(0).getEvent().getId();
        String replay = "/api/admin/webhook-events/" + eventId + "/replay";
        String body = "{\"reason\": \"ticket 43\"}";

        for (String path : List.of("/api/admin/payments", "/api/admin/payouts/" + payout.getId(), "/api/admin/webhook-events/" + eventId)) {
            assertThat(viewer.call(payflow, "GET", path, null).status()).as(path).isEqualTo(200);
        }
        assertRestError(viewer.call(payflow, "POST", replay, body), 403, "MISSING_PERMISSION");
        assertRestError(operator.callWithoutCsrf(payflow, "POST", replay, body), 403, "CSRF_TOKEN_INVALID");
        TestServer.Rest replayed = operator.call(payflow, "POST", replay, body);
        assertThat(replayed.status()).as("HTTP status of %s", replayed.body()).isEqualTo(200);
        // The partner has no endpoint: the replay is recorded as skipped, as the partner's own replay would be.
        assertThat(replayed.body().getAsJsonObject("event").get("deliveryStatus").getAsString()).isEqualTo("skipped");
    }

    private static Payment pay(String key, Wallet wallet, String amount) {
        return payflow.payments(key).createPayment(CreatePaymentRequest.newBuilder().setAmount(amount).setCurrency("USD")
                .setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(TestServer.newIdempotencyKey()).build());
    }

    /** A payout to a simulated connected account, made active by following its onboarding link as a partner's user would. */
    private static Payout payOut(String key, Wallet wallet, String amount) throws Exception {
        ConnectedAccount account = TestServer.withBearer(ConnectServiceGrpc.newBlockingStub(payflow.channel()), key)
                .createConnectedAccount(CreateConnectedAccountRequest.newBuilder().setExternalUserId("winner").setCountry("US")
                        .setEmail("winner@example.com").build());
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(account.getOnboardingUrl())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        return TestServer.withBearer(PayoutServiceGrpc.newBlockingStub(payflow.channel()), key).createPayout(CreatePayoutRequest.newBuilder()
                .setWalletId(wallet.getId()).setAmount(amount).setCurrency("USD")
                .setDestination(PayoutDestination.newBuilder().setConnectedAccountId(account.getId()))
                .setIdempotencyKey(TestServer.newIdempotencyKey()).build());
    }

    private static PaymentAdminServiceGrpc.PaymentAdminServiceBlockingStub payments() {
        return TestServer.withBearer(PaymentAdminServiceGrpc.newBlockingStub(payflow.channel()), payflow.server().adminToken());
    }

    private static PayoutAdminServiceGrpc.PayoutAdminServiceBlockingStub payouts() {
        return TestServer.withBearer(PayoutAdminServiceGrpc.newBlockingStub(payflow.channel()), payflow.server().adminToken());
    }

    private static WebhookEndpointAdminServiceGrpc.WebhookEndpointAdminServiceBlockingStub webhooks() {
        return TestServer.withBearer(WebhookEndpointAdminServiceGrpc.newBlockingStub(payflow.channel()), payflow.server().adminToken());
    }

    /** A well-formed id that names nothing. */
    private static String unused(IdPrefix prefix) {
        return new Ids(Clock.systemUTC(), new SecureRandom()).next(prefix);
    }

    private static List<String> paymentIds(String query) {
        return ids("/api/admin/payments" + query, "payments", "payment");
    }

    private static List<String> payoutIds(String query) {
        return ids("/api/admin/payouts" + query, "payouts", "payout");
    }

    private static List<String> ids(String path, String list, String field) {
        TestServer.Rest answer = payflow.rest("GET", path, payflow.server().adminToken(), null);
        assertThat(answer.status()).as("HTTP status of %s", answer.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonElement item : answer.body().getAsJsonArray(list)) {
            ids.add(item.getAsJsonObject().getAsJsonObject(field).get("id").getAsString());
        }
        return ids;
    }
}
