package dev.payflow.core.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.payflow.core.config.PayPalConfig;
import java.util.List;
import java.util.UUID;

/**
 * PayPal played by a local HTTP server (WireMock), so the real PayPal server SDK runs against it:
 * its OAuth token call, the Orders and Payments APIs. Tests say what PayPal answers for each
 * path, and read back exactly what PayFlow sent.
 */
public final class FakePayPal implements AutoCloseable {
    public static final String CLIENT_ID_TEST = "fake-paypal-client-id-test";
    public static final String CLIENT_SECRET_TEST = "fake-paypal-client-secret-test";
    public static final String WEBHOOK_ID_TEST = "WH-FAKE-TEST-0123456789";
    public static final String CLIENT_ID_LIVE = "fake-paypal-client-id-live";
    public static final String CLIENT_SECRET_LIVE = "fake-paypal-client-secret-live";
    public static final String WEBHOOK_ID_LIVE = "WH-FAKE-LIVE-9876543210";
    public static final String ORDERS = "/v2/checkout/orders";
    public static final String TOKEN = "/v1/oauth2/token";
    public static final String VERIFY_WEBHOOK = "/v1/notifications/verify-webhook-signature";
    /** Where PayPal's sandbox keeps the certificate a delivery names (never fetched by PayFlow: PayPal checks its own signature). */
    public static final String CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77";

    private final WireMockServer server;

    private FakePayPal(WireMockServer server) {
        this.server = server;
    }

    public static FakePayPal start() {
        FakePayPal fake = new FakePayPal(new WireMockServer(options().dynamicPort()));
        fake.server.start();
        fake.reset();
        return fake;
    }

    public String baseUrl() {
        return "http://localhost:" + server.port();
    }

    /** PayPal's sandbox at this fake (no live credentials). */
    public PayPalConfig config() {
        return PayPalConfig.NONE.withSandboxAt(CLIENT_ID_TEST, CLIENT_SECRET_TEST, WEBHOOK_ID_TEST, baseUrl());
    }

    /** PayPal's sandbox and live apps both at this fake, each with its webhook id. */
    public PayPalConfig configWithLive() {
        return new PayPalConfig(java.util.Optional.of(CLIENT_ID_TEST), java.util.Optional.of(CLIENT_SECRET_TEST),
                java.util.Optional.of(CLIENT_ID_LIVE), java.util.Optional.of(CLIENT_SECRET_LIVE), java.util.Optional.of(WEBHOOK_ID_TEST),
                java.util.Optional.of(WEBHOOK_ID_LIVE), java.util.Optional.of(baseUrl()), PayPalConfig.SETTLEMENT_CURRENCIES_DEFAULT);
    }

    /** Forgets every answer and request; PayPal's OAuth token endpoint answers again. */
    public void reset() {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(TOKEN)).willReturn(json(200,
                "{\"scope\":\"https://uri.paypal.com/services/payments/payment\",\"access_token\":\"A21AAFakeAccessToken\","
                        + "\"token_type\":\"Bearer\",\"app_id\":\"APP-FAKE\",\"expires_in\":32400,\"nonce\":\"fake\"}")));
    }

    /** The next POSTs to this path are answered with this status and JSON body. */
    public void answersPost(String path, int httpStatus, String json) {
        server.stubFor(post(urlPathEqualTo(path)).willReturn(json(httpStatus, json)));
    }

    /** The next GETs of this path are answered 200 with this JSON body. */
    public void answersGet(String path, String json) {
        server.stubFor(get(urlPathEqualTo(path)).willReturn(json(200, json)));
    }

    /**
     * GETs of {@code getPath} answer {@code before} until a POST to {@code postPath} (answered 201
     * with {@code postJson}), then {@code after}: PayPal's object as it is once the POST is done.
     */
    public void answersGetThenAfterPost(String getPath, String before, String postPath, String postJson, String after) {
        String scenario = "after " + postPath;
        server.stubFor(get(urlPathEqualTo(getPath)).inScenario(scenario).whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(json(200, before)));
        server.stubFor(post(urlPathEqualTo(postPath)).inScenario(scenario).willSetStateTo("done").willReturn(json(201, postJson)));
        server.stubFor(get(urlPathEqualTo(getPath)).inScenario(scenario).whenScenarioStateIs("done").willReturn(json(200, after)));
    }

    public List<LoggedRequest> postsTo(String path) {
        return server.findAll(postRequestedFor(urlPathEqualTo(path)));
    }

    public List<LoggedRequest> getsOf(String path) {
        return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo(path)));
    }

    /** PayPal's verify-webhook-signature answers this {@code verification_status} ({@code SUCCESS} or {@code FAILURE}). */
    public void answersVerification(String status) {
        answersPost(VERIFY_WEBHOOK, 200, "{\"verification_status\":\"" + status + "\"}");
    }

    /** PayPal's verify-webhook-signature answers this status when asked with this webhook id. */
    public void answersVerificationFor(String webhookId, String status) {
        server.stubFor(post(urlPathEqualTo(VERIFY_WEBHOOK)).withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath(
                "$.webhook_id", com.github.tomakehurst.wiremock.client.WireMock.equalTo(webhookId)))
                .willReturn(json(200, "{\"verification_status\":\"" + status + "\"}")));
    }

    /** GETs of this path are answered with this status (PayPal down: 503). */
    public void answersGetWith(String path, int httpStatus, String json) {
        server.stubFor(get(urlPathEqualTo(path)).willReturn(json(httpStatus, json)));
    }

    /** PayPal's Vault API path of a payment token. */
    public static String vaultToken(String id) {
        return "/v3/vault/payment-tokens/" + id;
    }

    /** PayPal's Vault API shows this token as a saved PayPal wallet of this customer. */
    public void vaultHoldsPayPalWallet(String tokenId, String customerId) {
        answersGet(vaultToken(tokenId), "{\"id\":\"" + tokenId + "\",\"customer\":{\"id\":\"" + customerId + "\"},\"payment_source\":{"
                + "\"paypal\":{\"email_address\":\"payer@example.com\",\"account_id\":\"QSTPAYERID\"}},\"links\":[]}");
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(vaultToken(tokenId)))
                .willReturn(aResponse().withStatus(204)));
    }

    /** PayPal's Vault API knows no such token (404 RESOURCE_NOT_FOUND). */
    public void vaultDoesNotHave(String tokenId) {
        server.stubFor(get(urlPathEqualTo(vaultToken(tokenId))).willReturn(json(404, "{\"name\":\"RESOURCE_NOT_FOUND\",\"details\":[{"
                + "\"issue\":\"INVALID_RESOURCE_ID\",\"description\":\"Specified resource ID does not exist.\"}],\"message\":\"The "
                + "specified resource does not exist.\",\"debug_id\":\"fakedebug\"}")));
    }

    public List<LoggedRequest> deletesOf(String path) {
        return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor(urlPathEqualTo(path)));
    }

    /** A webhook event as PayPal sends it, about this resource. */
    public static String event(String eventId, String type, String resourceType, String resource) {
        // Spaces and key order as PayPal writes them, not as any JSON library would: the body must reach PayPal's check unchanged.
        return "{\"id\": \"" + eventId + "\", \"create_time\": \"2026-12-02T12:00:00.000Z\", \"resource_type\": \"" + resourceType
                + "\", \"event_type\": \"" + type + "\", \"summary\": \"" + type + "\", \"resource\": " + resource
                + ", \"event_version\": \"1.0\", \"resource_version\": \"2.0\"}";
    }

    /** A capture of an order, as PAYMENT.CAPTURE.* events carry it. */
    public static String captureResource(String captureId, String status, String value, String orderId, String paymentId) {
        return "{\"id\": \"" + captureId + "\", \"status\": \"" + status + "\", \"amount\": {\"currency_code\": \"USD\", \"value\": \"" + value
                + "\"}, \"custom_id\": \"" + paymentId + "\", \"supplementary_data\": {\"related_ids\": {\"order_id\": \"" + orderId + "\"}}}";
    }

    /** A refund, as PAYMENT.CAPTURE.REFUNDED carries it ({@code customId}: our {@code ref_...}, or empty for one made at PayPal). */
    public static String refundResource(String refundId, String status, String value, String customId) {
        return "{\"id\": \"" + refundId + "\", \"status\": \"" + status + "\", \"amount\": {\"currency_code\": \"USD\", \"value\": \"" + value
                + "\"}" + (customId.isEmpty() ? "" : ", \"custom_id\": \"" + customId + "\"") + "}";
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(int httpStatus, String body) {
        return aResponse().withStatus(httpStatus).withHeader("Content-Type", "application/json").withHeader("Paypal-Debug-Id", "fakedebug")
                .withBody(body);
    }

    /** A fresh order id, as PayPal makes them (17 upper-case letters and digits). */
    public static String newOrderId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 17).toUpperCase(java.util.Locale.ROOT);
    }

    /** A PayPal order of our payment ({@code custom_id}); {@code payments} is the purchase unit's payments object or empty. */
    public static String order(String id, String status, String intent, String paymentId, String value, String currency, String payments) {
        String links = "[{\"href\":\"" + "https://api-m.sandbox.paypal.com/v2/checkout/orders/" + id + "\",\"rel\":\"self\",\"method\":\"GET\"}"
                + ("PAYER_ACTION_REQUIRED".equals(status) || "CREATED".equals(status)
                        ? ",{\"href\":\"" + approveUrl(id) + "\",\"rel\":\"payer-action\",\"method\":\"GET\"}" : "")
                + "]";
        return "{\"id\":\"" + id + "\",\"intent\":\"" + intent + "\",\"status\":\"" + status + "\",\"payment_source\":{\"paypal\":{}},"
                + "\"purchase_units\":[{\"reference_id\":\"" + paymentId + "\",\"custom_id\":\"" + paymentId + "\",\"amount\":{\"currency_code\":\""
                + currency + "\",\"value\":\"" + value + "\"}" + (payments.isEmpty() ? "" : ",\"payments\":" + payments) + "}],"
                + "\"links\":" + links + "}";
    }

    /** Where PayPal sends the payer to approve an order. */
    public static String approveUrl(String orderId) {
        return "https://www.sandbox.paypal.com/checkoutnow?token=" + orderId;
    }

    /** The payments of a captured order: one capture in this status. */
    public static String captured(String captureId, String status, String value, String currency) {
        return "{\"captures\":[{\"id\":\"" + captureId + "\",\"status\":\"" + status + "\",\"amount\":{\"currency_code\":\"" + currency
                + "\",\"value\":\"" + value + "\"},\"final_capture\":true}]}";
    }

    /** The payments of a completed capture with PayPal's fee in its seller_receivable_breakdown. */
    public static String capturedWithFee(String captureId, String value, String fee, String currency) {
        return "{\"captures\":[{\"id\":\"" + captureId + "\",\"status\":\"COMPLETED\",\"amount\":{\"currency_code\":\"" + currency
                + "\",\"value\":\"" + value + "\"},\"final_capture\":true,\"seller_receivable_breakdown\":{\"gross_amount\":{\"currency_code\":\""
                + currency + "\",\"value\":\"" + value + "\"},\"paypal_fee\":{\"currency_code\":\"" + currency + "\",\"value\":\"" + fee
                + "\"}}}]}";
    }

    /** The payments of an authorized order: one authorization in this status (and a capture, if {@code captureId} is given). */
    public static String authorized(String authorizationId, String status, String value, String currency, String captureId) {
        return "{\"authorizations\":[{\"id\":\"" + authorizationId + "\",\"status\":\"" + status + "\",\"amount\":{\"currency_code\":\""
                + currency + "\",\"value\":\"" + value + "\"}}]"
                + (captureId.isEmpty() ? "" : ",\"captures\":[{\"id\":\"" + captureId + "\",\"status\":\"COMPLETED\",\"amount\":{"
                        + "\"currency_code\":\"" + currency + "\",\"value\":\"" + value + "\"}}]") + "}";
    }

    /** A refund of a capture, as PayPal answers it. */
    public static String refund(String id, String status, String value, String currency) {
        return "{\"id\":\"" + id + "\",\"status\":\"" + status + "\",\"amount\":{\"currency_code\":\"" + currency + "\",\"value\":\"" + value
                + "\"}}";
    }

    /** PayPal's 422 when the payer's instrument is declined at capture. */
    public static String instrumentDeclined() {
        return "{\"name\":\"UNPROCESSABLE_ENTITY\",\"details\":[{\"issue\":\"INSTRUMENT_DECLINED\",\"description\":\"The instrument presented "
                + "was either declined by the processor or bank, or it can't be used for this payment.\"}],\"message\":\"The requested action "
                + "could not be performed, semantically incorrect, or failed business validation.\",\"debug_id\":\"fakedebug\"}";
    }

    @Override
    public void close() {
        server.stop();
    }
}
