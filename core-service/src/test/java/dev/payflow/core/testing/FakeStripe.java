package dev.payflow.core.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.payflow.core.config.StripeConfig;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Stripe played by a local HTTP server (WireMock), so the real stripe-java code runs against it:
 * the tests say what Stripe answers, and read back exactly what PayFlow sent.
 */
public final class FakeStripe implements AutoCloseable {
    public static final String SECRET_KEY_TEST = "sk_test_fake_0123456789";
    public static final String SECRET_KEY_LIVE = "sk_live_fake_0123456789";
    public static final String PUBLISHABLE_KEY_TEST = "pk_test_fake_0123456789";
    public static final String PUBLISHABLE_KEY_LIVE = "pk_live_fake_0123456789";
    public static final String WEBHOOK_SECRET_TEST = "whsec_test_fake_0123456789";
    public static final String WEBHOOK_SECRET_LIVE = "whsec_live_fake_0123456789";
    private static final String PAYMENT_INTENTS = "/v1/payment_intents";

    private final WireMockServer server;

    private FakeStripe(WireMockServer server) {
        this.server = server;
    }

    public static FakeStripe start() {
        WireMockServer server = new WireMockServer(options().dynamicPort());
        server.start();
        return new FakeStripe(server);
    }

    public String baseUrl() {
        return "http://localhost:" + server.port();
    }

    /** Stripe in both modes, at this fake. */
    public StripeConfig config() {
        return new StripeConfig(Optional.of(SECRET_KEY_TEST), Optional.of(SECRET_KEY_LIVE), PUBLISHABLE_KEY_TEST, PUBLISHABLE_KEY_LIVE,
                List.of(WEBHOOK_SECRET_TEST), List.of(WEBHOOK_SECRET_LIVE), Optional.of(baseUrl()), Set.of("USD"),
                StripeConfig.RECOVERY_AFTER_MS_DEFAULT);
    }

    /** A fresh PaymentIntent id, as Stripe makes them. */
    public static String newPaymentIntentId() {
        return "pi_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /** A PaymentIntent as Stripe sends it, in the given status; {@code extra} is spliced in as further JSON members. */
    public static String paymentIntent(String id, String status, long amountMinor, String currency, String extra) {
        return "{\"id\":\"" + id + "\",\"object\":\"payment_intent\",\"amount\":" + amountMinor + ",\"amount_received\":"
                + ("succeeded".equals(status) ? amountMinor : 0) + ",\"currency\":\"" + currency + "\",\"status\":\"" + status
                + "\",\"livemode\":false,\"capture_method\":\"automatic\",\"latest_charge\":\"ch_" + id.substring(3) + "\",\"metadata\":{}"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** The next PaymentIntent creates are answered 200 with this object. */
    public void answersCreateWith(String paymentIntentJson) {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(PAYMENT_INTENTS)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withHeader("Request-Id", "req_fake").withBody(paymentIntentJson)));
    }

    /** The next creates are declined as Stripe declines a card: 402 with a card_error naming the PaymentIntent it made. */
    public void declinesCreate(String paymentIntentId, String code, String declineCode, String message, long amountMinor, String currency) {
        String intent = paymentIntent(paymentIntentId, "requires_payment_method", amountMinor, currency,
                "\"last_payment_error\":{\"type\":\"card_error\",\"code\":\"" + code + "\",\"decline_code\":\"" + declineCode
                        + "\",\"message\":\"" + message + "\"}");
        String body = "{\"error\":{\"type\":\"card_error\",\"code\":\"" + code + "\",\"decline_code\":\"" + declineCode + "\",\"message\":\""
                + message + "\",\"payment_intent\":" + intent + "}}";
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(PAYMENT_INTENTS)).willReturn(aResponse().withStatus(402)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    /** The next creates fail as a Stripe outage does: this HTTP status with an api_error body. */
    public void failsCreateWith(int httpStatus) {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(PAYMENT_INTENTS)).willReturn(aResponse().withStatus(httpStatus)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"Stripe is having a bad day\"}}")));
    }

    /** As {@link #answersCreateWith}, but only after {@code delayMs}: Stripe's answer is on its way while other things happen. */
    public void answersCreateSlowlyWith(String paymentIntentJson, int delayMs) {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(PAYMENT_INTENTS)).willReturn(aResponse().withStatus(200).withFixedDelay(delayMs)
                .withHeader("Content-Type", "application/json").withBody(paymentIntentJson)));
    }

    /** A Stripe event as Stripe sends it to a webhook endpoint. */
    public static String event(String eventId, String type, boolean livemode, String objectJson) {
        return "{\"id\":\"" + eventId + "\",\"object\":\"event\",\"api_version\":\"2025-01-27\",\"created\":1700000000,\"type\":\""
                + type + "\",\"livemode\":" + livemode + ",\"pending_webhooks\":1,\"data\":{\"object\":" + objectJson + "}}";
    }

    /** A PaymentIntent of ours: with the {@code payflow_payment_id} PayFlow puts in its metadata. */
    public static String ourPaymentIntent(String id, String status, long amountMinor, String paymentId, String extra) {
        return paymentIntent(id, status, amountMinor, "usd", extra).replace("\"metadata\":{}",
                "\"metadata\":{\"payflow_payment_id\":\"" + paymentId + "\"}");
    }

    /** {@code Stripe-Signature} exactly as Stripe makes it: {@code t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">}. */
    public static String signature(String secret, long timestampSeconds, byte[] body) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "t=" + timestampSeconds + ",v1=" + java.util.HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Also answers POSTs to {@code path} (e.g. {@code /v1/refunds}) with this status and JSON, keeping the other stubs. */
    public void alsoAnswers(String path, int httpStatus, String json) {
        server.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(httpStatus)
                .withHeader("Content-Type", "application/json").withBody(json)));
    }

    /** Also answers GETs of {@code path} (a retrieve, a search) with this JSON, keeping the other stubs. */
    public void alsoAnswersGet(String path, String json) {
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(json)));
    }

    /** Stripe's answer to a PaymentIntent search. */
    public static String searchResult(String... paymentIntents) {
        return "{\"object\":\"search_result\",\"url\":\"/v1/payment_intents/search\",\"has_more\":false,\"data\":["
                + String.join(",", paymentIntents) + "]}";
    }

    /** The GETs PayFlow sent to {@code path} since the last reset. */
    public List<LoggedRequest> getsOf(String path) {
        return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo(path)));
    }

    /** The POSTs PayFlow sent to {@code path} since the last reset, oldest first. */
    public List<LoggedRequest> requestsTo(String path) {
        return server.findAll(postRequestedFor(urlPathEqualTo(path)));
    }

    /** A Refund as Stripe sends it. */
    public static String refund(String id, String paymentIntentId, long amountMinor, String status, String refundId) {
        return "{\"id\":\"" + id + "\",\"object\":\"refund\",\"amount\":" + amountMinor + ",\"currency\":\"usd\",\"payment_intent\":\""
                + paymentIntentId + "\",\"status\":\"" + status + "\",\"reason\":\"requested_by_customer\",\"metadata\":{\"payflow_refund_id\":\""
                + refundId + "\"}}";
    }

    /** The PaymentIntent creates PayFlow sent since the last stub, oldest first. */
    public List<LoggedRequest> createRequests() {
        return server.findAll(postRequestedFor(urlPathEqualTo(PAYMENT_INTENTS)));
    }

    /** A request's form parameters, decoded ({@code metadata[payflow_payment_id]} and so on, as stripe-java encodes them). */
    public static Map<String, String> form(LoggedRequest request) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : request.getBodyAsString().split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            form.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return form;
    }

    /** A balance transaction as Stripe makes one for a charge: {@code net} is what Stripe will pay out of it. */
    public static String balanceTransaction(String id, long amountMinor, long feeMinor) {
        return "{\"id\":\"" + id + "\",\"object\":\"balance_transaction\",\"amount\":" + amountMinor + ",\"fee\":" + feeMinor
                + ",\"net\":" + (amountMinor - feeMinor) + ",\"currency\":\"usd\",\"status\":\"pending\",\"type\":\"charge\"}";
    }

    /**
     * A succeeded PaymentIntent whose latest charge is expanded with its balance transaction
     * ({@code balanceTransactionJson}, or {@code null}: Stripe has not made it yet), as a retrieve
     * with {@code expand[]=latest_charge.balance_transaction} answers.
     */
    public static String paymentIntentWithBalance(String id, long amountMinor, String balanceTransactionJson) {
        String charge = "{\"id\":\"ch_" + id.substring(3) + "\",\"object\":\"charge\",\"amount\":" + amountMinor
                + ",\"currency\":\"usd\",\"payment_intent\":\"" + id + "\",\"balance_transaction\":" + balanceTransactionJson + "}";
        return paymentIntent(id, "succeeded", amountMinor, "usd", "").replace("\"latest_charge\":\"ch_" + id.substring(3) + "\"",
                "\"latest_charge\":" + charge);
    }

    /** Also answers DELETEs of {@code path} (closing an account) with this JSON, keeping the other stubs. */
    public void alsoAnswersDelete(String path, String json) {
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(json)));
    }

    /** The DELETEs PayFlow sent to {@code path} since the last reset. */
    public List<LoggedRequest> deletesOf(String path) {
        return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor(urlPathEqualTo(path)));
    }

    // --- Connect: transfers, reversals, payouts ------------------------------------------------

    /** A Transfer as Stripe answers one, in our transfer group and with our metadata. */
    public static String transfer(String id, long amountMinor, String destination, String payoutId) {
        return "{\"id\":\"" + id + "\",\"object\":\"transfer\",\"amount\":" + amountMinor + ",\"amount_reversed\":0,\"currency\":\"usd\","
                + "\"destination\":\"" + destination + "\",\"livemode\":false,\"reversed\":false,\"transfer_group\":\"" + payoutId
                + "\",\"metadata\":{\"payflow_payout_id\":\"" + payoutId + "\"},\"reversals\":{\"object\":\"list\",\"data\":[],"
                + "\"has_more\":false,\"url\":\"/v1/transfers/" + id + "/reversals\"}}";
    }

    /** A transfer that has been reversed, as {@code transfer.reversed} carries it. */
    public static String reversedTransfer(String id, long amountMinor, String destination, String payoutId, String reversalId) {
        return transfer(id, amountMinor, destination, payoutId).replace("\"reversed\":false", "\"reversed\":true")
                .replace("\"amount_reversed\":0", "\"amount_reversed\":" + amountMinor)
                .replace("\"data\":[]", "\"data\":[" + reversal(reversalId, id, amountMinor) + "]");
    }

    /** A TransferReversal as Stripe answers one. */
    public static String reversal(String id, String transferId, long amountMinor) {
        return "{\"id\":\"" + id + "\",\"object\":\"transfer_reversal\",\"amount\":" + amountMinor + ",\"currency\":\"usd\","
                + "\"transfer\":\"" + transferId + "\",\"metadata\":{}}";
    }

    /** A Payout on a connected account as Stripe answers one; {@code failureCode} null for none. */
    public static String payout(String id, String status, long amountMinor, String payoutId, long arrivalEpochSecond, String failureCode) {
        return "{\"id\":\"" + id + "\",\"object\":\"payout\",\"amount\":" + amountMinor + ",\"currency\":\"usd\",\"status\":\""
                + status + "\",\"arrival_date\":" + arrivalEpochSecond + ",\"automatic\":false,\"livemode\":false,\"method\":\"standard\","
                + "\"type\":\"bank_account\",\"failure_code\":" + (failureCode == null ? "null" : "\"" + failureCode + "\"")
                + ",\"failure_message\":" + (failureCode == null ? "null" : "\"The bank account has been closed.\"")
                + ",\"metadata\":{\"payflow_payout_id\":\"" + payoutId + "\"}}";
    }

    /** A Stripe error body: {@code {"error": {"type", "code", "message"}}}. */
    public static String error(String type, String code, String message) {
        return "{\"error\":{\"type\":\"" + type + "\",\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
    }

    /** A list as Stripe answers one (transfers by group, and so on). */
    public static String list(String url, String... objects) {
        return "{\"object\":\"list\",\"url\":\"" + url + "\",\"has_more\":false,\"data\":[" + String.join(",", objects) + "]}";
    }

    // --- Reconciliation: Stripe's lists of a window ----------------------------------------------

    /**
     * GETs of the list at {@code path} answer this JSON (a {@link #page}), keeping the other stubs.
     * With {@code stripeAccount}, only requests made as that connected account ({@code Stripe-Account});
     * with {@code startingAfter}, only the request for the page after that id. A request no stub
     * matches is answered 404, as Stripe answers an unknown path.
     */
    public void lists(String path, Optional<String> stripeAccount, Optional<String> startingAfter, String pageJson) {
        com.github.tomakehurst.wiremock.client.MappingBuilder get = com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(path));
        stripeAccount.ifPresentOrElse(
                account -> get.withHeader("Stripe-Account", com.github.tomakehurst.wiremock.client.WireMock.equalTo(account)),
                () -> get.withHeader("Stripe-Account", com.github.tomakehurst.wiremock.client.WireMock.absent()));
        startingAfter.ifPresentOrElse(
                after -> get.withQueryParam("starting_after", com.github.tomakehurst.wiremock.client.WireMock.equalTo(after)),
                () -> get.withQueryParam("starting_after", com.github.tomakehurst.wiremock.client.WireMock.absent()));
        server.stubFor(get.willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(pageJson)));
    }

    /** GETs of the list at {@code path} made as any connected account, for the first page, answer this JSON (specific stubs added later win). */
    public void listsForAnyAccount(String path, String pageJson) {
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(path))
                .withHeader("Stripe-Account", com.github.tomakehurst.wiremock.client.WireMock.matching(".+"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(pageJson)));
    }

    /** One page of a list, as Stripe answers it: {@code has_more} says whether another page follows. */
    public static String page(String url, boolean hasMore, List<String> objects) {
        return "{\"object\":\"list\",\"url\":\"" + url + "\",\"has_more\":" + hasMore + ",\"data\":[" + String.join(",", objects) + "]}";
    }

    /** The object with Stripe's {@code created} (epoch seconds) spliced in. */
    public static String created(String objectJson, long epochSecond) {
        return "{\"created\":" + epochSecond + "," + objectJson.substring(1);
    }

    /** A Charge of a PaymentIntent, with the id of its balance transaction. */
    public static String charge(String id, String paymentIntentId, long amountMinor, String currency, String status, String balanceTransactionId) {
        return "{\"id\":\"" + id + "\",\"object\":\"charge\",\"amount\":" + amountMinor + ",\"currency\":\"" + currency + "\",\"status\":\""
                + status + "\",\"payment_intent\":\"" + paymentIntentId + "\",\"balance_transaction\":\"" + balanceTransactionId
                + "\",\"captured\":true,\"livemode\":false,\"metadata\":{}}";
    }

    /** A balance transaction of any type: {@code net} is amount less fee. */
    public static String balanceTransaction(String id, String type, long amountMinor, long feeMinor, String source, String description) {
        return "{\"id\":\"" + id + "\",\"object\":\"balance_transaction\",\"amount\":" + amountMinor + ",\"fee\":" + feeMinor
                + ",\"net\":" + (amountMinor - feeMinor) + ",\"currency\":\"usd\",\"status\":\"available\",\"type\":\"" + type
                + "\",\"source\":" + (source == null ? "null" : "\"" + source + "\"") + ",\"description\":\"" + description + "\"}";
    }

    /** The GETs PayFlow sent to {@code path} since the last reset, with their query parameters and headers. */
    public List<LoggedRequest> listRequests(String path) {
        return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo(path)));
    }

    /** Forgets every stub and every request seen. */
    public void reset() {
        server.resetAll();
    }

    /**
     * A Stripe Account as Stripe sends it; {@code currentlyDue} empty and both flags true is an
     * onboarded account. {@code extra} is spliced into {@code requirements}.
     */
    public static String account(String id, boolean chargesEnabled, boolean payoutsEnabled, List<String> currentlyDue, String requirementsExtra,
            String connectedAccountId, String partnerId) {
        String due = currentlyDue.stream().map(field -> "\"" + field + "\"").collect(java.util.stream.Collectors.joining(","));
        return "{\"id\":\"" + id + "\",\"object\":\"account\",\"type\":\"express\",\"country\":\"US\",\"email\":\"holder@example.com\","
                + "\"charges_enabled\":" + chargesEnabled + ",\"payouts_enabled\":" + payoutsEnabled + ",\"details_submitted\":" + chargesEnabled
                + ",\"capabilities\":{\"card_payments\":\"" + (chargesEnabled ? "active" : "inactive") + "\",\"transfers\":\""
                + (payoutsEnabled ? "active" : "inactive") + "\"},\"requirements\":{\"currently_due\":[" + due + "],\"eventually_due\":["
                + due + "],\"past_due\":[]" + (requirementsExtra.isEmpty() ? "" : "," + requirementsExtra) + "},"
                + "\"metadata\":{\"payflow_connected_account_id\":\"" + connectedAccountId + "\",\"payflow_partner_id\":\"" + partnerId + "\"}}";
    }

    /** A Connect event: as {@link #event}, with the connected account it is about. */
    public static String connectEvent(String eventId, String type, String accountId, String objectJson) {
        return event(eventId, type, false, objectJson).replace("\"pending_webhooks\":1,", "\"pending_webhooks\":1,\"account\":\"" + accountId + "\",");
    }

    @Override
    public void close() {
        server.stop();
    }
}
