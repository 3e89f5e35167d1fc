package dev.payflow.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JSON bodies of the money-moving REST paths (credit, debit, transfer, hold) and the raw body
 * of the Stripe webhook, through a real server: no 5xx (for the webhook, none but the documented
 * 501 while it is not built), every error a google.rpc.Status with an ErrorInfo, and a request
 * answered with a 4xx moves no money: the balances and available balances of both wallets are
 * what they were.
 *
 * <p>An input is a few choices (path, how to build the body, which field to change and how) and a
 * text; the body is a valid request with that text put somewhere it does not belong, or the text
 * itself as the body.
 */
class RestBodyFuzzTest {
    private static final String[] PATHS = {"credit", "debit", "transfer", "hold"};
    private static final String[] FIELDS = {"amount", "currency", "idempotencyKey", "description", "metadata", "fromWalletId",
            "toWalletId", "walletId", "expiresAt", "unknownField"};
    private static final String[] CONTENT_TYPES = {"application/json", "application/json; charset=utf-8", "text/plain",
            "application/json; charset=latin1", "application/x-www-form-urlencoded"};

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static Wallet source;
    private static Wallet target;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        source = payflow.newWallet(partner.sandboxKey(), "USD");
        target = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), source.getId(), "1000000.00", "USD");
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
    }

    @FuzzTest(maxDuration = "3m")
    void moneyMovingBodies(byte[] data) {
        FuzzBytes input = new FuzzBytes(data);
        String kind = PATHS[input.choice(PATHS.length)];
        int mode = input.choice(4);
        String field = FIELDS[input.choice(FIELDS.length)];
        int edit = input.choice(8);
        int keyChoice = input.choice(8);
        String contentType = input.choice(8) < 6 ? CONTENT_TYPES[0] : CONTENT_TYPES[input.choice(CONTENT_TYPES.length)];
        byte[] rest = input.restAsBytes();
        String text = new String(rest, StandardCharsets.UTF_8);

        Map<String, String> body = validBody(kind, keyChoice);
        byte[] bytes;
        if (mode == 0) {
            bytes = rest; // The text is the whole body.
        } else {
            List<String> members = new ArrayList<>();
            body.forEach((name, value) -> members.add(quote(name) + ":" + value));
            String fragment = switch (edit) {
                case 0 -> quote(field) + ":" + quote(text);          // any text where a value goes
                case 1 -> quote(field) + ":" + text;                 // the text as raw JSON
                case 2 -> quote(field) + ":{\"n\":" + text + "}";    // inside an object (metadata)
                case 3 -> quote(field) + ":[" + text + "]";
                case 4 -> quote(field) + ":" + "{\"a\":".repeat(rest.length % 64) + "1" + "}".repeat(rest.length % 64);
                case 5 -> quote(text) + ":" + quote("x");            // the text as a key
                case 6 -> quote(field) + ":null";
                default -> quote(field) + ":" + quote(text) + "," + quote(field) + ":" + quote(text + "x"); // a duplicate
            };
            if (mode == 1) {
                members.add(fragment);                                     // after the valid fields: it wins, or duplicates one
            } else if (mode == 2) {
                members.add(0, fragment);
            } else {
                members.removeIf(member -> member.startsWith(quote(field) + ":"));
            }
            bytes = ("{" + String.join(",", members) + "}").getBytes(StandardCharsets.UTF_8);
        }

        Balances before = balances();
        Answer answer = post(path(kind), bytes, contentType);
        assertThat(answer.status()).as("HTTP status for %s", answer.text()).isLessThan(500);
        if (answer.status() >= 400) {
            assertIsStatusBody(answer);
            assertThat(balances()).as("balances after a refused %s: %s", kind, answer.text()).isEqualTo(before);
        } else {
            assertThat(answer.status()).isEqualTo(200);
        }
    }

    @Test
    void moneyMovingBodiesOnSeededMutationsOfTheCorpus() {
        BoundedFuzz.run(RestBodyFuzzTest.class, "moneyMovingBodies", BoundedFuzz.seed(), BoundedFuzz.SERVER_EXECUTIONS,
                this::moneyMovingBodies);
    }

    /**
     * The raw body and signature of the Stripe webhook. The signature check is not built yet, so the
     * path answers 501 NOT_IMPLEMENTED; it must never answer another 5xx.
     */
    @FuzzTest(maxDuration = "2m")
    void stripeWebhook(byte[] data) {
        FuzzBytes input = new FuzzBytes(data);
        int signatureLength = input.choice(128);
        String contentType = CONTENT_TYPES[input.choice(CONTENT_TYPES.length)];
        byte[] rest = input.restAsBytes();
        StringBuilder signature = new StringBuilder("t=");
        for (int i = 0; i < Math.min(signatureLength, rest.length); i++) {
            char c = (char) (rest[i] & 0x7f);
            signature.append(c >= 0x20 && c < 0x7f ? c : 'x'); // header values must be printable
        }
        HttpRequest request = request("/api/v1/webhooks/stripe", rest, contentType)
                .header("Stripe-Signature", signature.toString()).build();

        Answer answer = send(request);
        assertThat(answer.status()).as("HTTP status for %s", answer.text()).satisfiesAnyOf(
                status -> assertThat(status).isLessThan(500), status -> assertThat(status).isEqualTo(501));
        if (answer.status() >= 400) {
            assertIsStatusBody(answer);
        }
    }

    @Test
    void stripeWebhookOnSeededMutationsOfTheCorpus() {
        BoundedFuzz.run(RestBodyFuzzTest.class, "stripeWebhook", BoundedFuzz.seed(), BoundedFuzz.SERVER_EXECUTIONS, this::stripeWebhook);
    }

    // --- Requests -------------------------------------------------------------------------------------

    private static Map<String, String> validBody(String kind, int keyChoice) {
        Map<String, String> body = new LinkedHashMap<>();
        if (kind.equals("transfer")) {
            body.put("fromWalletId", quote(source.getId()));
            body.put("toWalletId", quote(target.getId()));
        }
        body.put("amount", quote("1.00"));
        body.put("currency", quote("USD"));
        // Mostly fresh keys; a few shared ones, so replays and reuse with other bodies are fuzzed too.
        body.put("idempotencyKey", quote(keyChoice < 6 ? "fuzz-" + UUID.randomUUID() : "fuzz-shared-" + keyChoice));
        body.put("description", quote("fuzz"));
        body.put("metadata", "{\"order\":\"o-1\",\"n\":12}");
        return body;
    }

    private static String path(String kind) {
        return switch (kind) {
            case "credit" -> "/api/v1/wallets/" + source.getId() + "/credit";
            case "debit" -> "/api/v1/wallets/" + source.getId() + "/debit";
            case "hold" -> "/api/v1/wallets/" + source.getId() + "/holds";
            default -> "/api/v1/transfers";
        };
    }

    private record Balances(String sourceBalance, String sourceAvailable, String targetBalance, String targetAvailable) {
    }

    private static Balances balances() {
        Wallet s = payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(source.getId()).build());
        Wallet t = payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(target.getId()).build());
        return new Balances(s.getBalance(), s.getAvailableBalance(), t.getBalance(), t.getAvailableBalance());
    }

    private record Answer(int status, String text) {
    }

    private static Answer post(String path, byte[] body, String contentType) {
        return send(request(path, body, contentType).build());
    }

    private static HttpRequest.Builder request(String path, byte[] body, String contentType) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + payflow.server().httpPort() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + partner.sandboxKey()).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private static Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void assertIsStatusBody(Answer answer) {
        JsonObject status = JsonParser.parseString(answer.text()).getAsJsonObject();
        assertThat(status.get("code").getAsInt()).as("google.rpc.Status code in %s", answer.text()).isPositive();
        assertThat(status.get("message").getAsString()).isNotEmpty();
        boolean hasErrorInfo = false;
        for (JsonElement detail : status.getAsJsonArray("details")) {
            hasErrorInfo |= detail.getAsJsonObject().get("@type").getAsString().endsWith("google.rpc.ErrorInfo");
        }
        assertThat(hasErrorInfo).as("an ErrorInfo in %s", answer.text()).isTrue();
    }

    private static String quote(String text) {
        com.google.gson.JsonPrimitive primitive = new com.google.gson.JsonPrimitive(text);
        return primitive.toString();
    }
}
