package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile and careless JSON over REST, through the real server: each is a clear 4xx with a
 * google.rpc.Status body, never a 5xx, never a silent change of what the partner sent, and no money
 * moves.
 */
class RestBadInputTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static Wallet wallet;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
    }

    /** A wallet of its own per test, so that one test's accepted credit cannot hide another's. */
    @BeforeEach
    void newWalletWithOneHundredDollars() {
        wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "100.00", "USD");
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Duplicate keys -----------------------------------------------------------------------------

    @Test
    void aDuplicateKeyAtTheTopOfTheBodyIsMalformedAndMovesNoMoney() {
        String body = "{\"amount\": \"1.00\", \"amount\": \"9.00\", \"currency\": \"USD\", \"idempotencyKey\": \"" + newIdempotencyKey() + "\"}";

        assertRestError(credit(body), 400, "MALFORMED_REQUEST");
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void aDuplicateKeyInsideMetadataIsMalformedAtAnyDepth() {
        for (String metadata : new String[] {"{\"o\": 1, \"o\": 2}", "{\"a\": {\"b\": [{\"c\": \"x\", \"c\": \"y\"}]}}"}) {
            String body = "{\"amount\": \"1.00\", \"currency\": \"USD\", \"idempotencyKey\": \"" + newIdempotencyKey() + "\", \"metadata\": "
                    + metadata + "}";

            TestServer.Rest response = credit(body);

            assertRestError(response, 400, "MALFORMED_REQUEST");
            assertThat(response.body().get("message").getAsString()).contains("duplicate");
        }
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void aDuplicateUnknownFieldIsMalformedToo() {
        String body = "{\"amount\": \"1.00\", \"currency\": \"USD\", \"idempotencyKey\": \"" + newIdempotencyKey() + "\", \"x\": 1, \"x\": 2}";

        assertRestError(credit(body), 400, "MALFORMED_REQUEST");
    }

    // --- Metadata numbers ---------------------------------------------------------------------------

    @Test
    void twoLargeIntegersThatOneDoubleHoldsAreNotASilentReplayOfEachOther() {
        String key = newIdempotencyKey();
        TestServer.Rest first = credit(creditBody(key, "{\"o\": 9007199254740992}"));
        TestServer.Rest second = credit(creditBody(key, "{\"o\": 9007199254740993}"));

        assertThat(first.status()).as("2^53 is held exactly: %s", first.body()).isEqualTo(200);
        assertRestError(second, 400, "INVALID_FIELD");
        assertThat(second.body().get("message").getAsString()).contains("metadata").contains("9007199254740993");
        assertThat(first.body().getAsJsonObject("metadata").get("o").getAsString()).isEqualTo("9007199254740992");
        assertThat(balance()).isEqualTo("101.00");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9007199254740993", "-9007199254740993", "12345678901234567890", "1e20", "0.1000000000000000001",
            "1.00000000000000000001", "1e400", "-1e400", "1e-400", "123456789012345678.5"})
    void aMetadataNumberADoubleCannotHoldAsWrittenIsRefusedNamingMetadata(String number) {
        TestServer.Rest response = credit(creditBody(newIdempotencyKey(), "{\"n\": {\"deep\": [" + number + "]}}"));

        assertRestError(response, 400, "INVALID_FIELD");
        assertThat(response.body().get("message").getAsString()).contains("metadata.n.deep[0]").contains("exactly");
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void longMetadataNumbersAreRefusedAtOnce() {
        long start = System.nanoTime();

        // Up to Gson's number buffer a long number reaches the exactness check, which bounds it before BigDecimal;
        // a million digits are refused by the strict reader already.
        TestServer.Rest thousand = credit(creditBody(newIdempotencyKey(), "{\"n\": " + "7".repeat(1_000) + "}"));
        TestServer.Rest million = credit(creditBody(newIdempotencyKey(), "{\"n\": " + "7".repeat(1_000_000) + "}"));

        assertRestError(thousand, 400, "INVALID_FIELD");
        assertThat(thousand.body().get("message").getAsString()).contains("longer than 64 characters");
        assertRestError(million, 400, "MALFORMED_REQUEST");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("BigDecimal is quadratic in digits").isLessThan(Duration.ofSeconds(5));
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void metadataNumbersThatADoubleHoldsRoundTripAsSent() {
        TestServer.Rest response = credit(creditBody(newIdempotencyKey(),
                "{\"i\": 12, \"d\": 12.5, \"n\": -3, \"z\": 0, \"t\": 0.1, \"e\": 1.5e3, \"max\": 9007199254740992, \"list\": [1, 2.25]}"));

        assertThat(response.status()).as("%s", response.body()).isEqualTo(200);
        JsonObject metadata = response.body().getAsJsonObject("metadata");
        assertThat(metadata.get("i").toString()).isEqualTo("12");
        assertThat(metadata.get("d").toString()).isEqualTo("12.5");
        assertThat(metadata.get("n").toString()).isEqualTo("-3");
        assertThat(metadata.get("z").toString()).isEqualTo("0");
        assertThat(metadata.get("t").toString()).isEqualTo("0.1");
        assertThat(metadata.get("e").toString()).isEqualTo("1500");
        assertThat(metadata.get("max").toString()).isEqualTo("9007199254740992");
        assertThat(metadata.get("list").toString()).isEqualTo("[1,2.25]");
    }

    // --- Size, depth and bytes ----------------------------------------------------------------------

    @Test
    void aBodyOverOneMebibyteIsRefused() {
        String body = creditBody(newIdempotencyKey(), "{\"pad\": \"" + "x".repeat(1024 * 1024) + "\"}");

        assertRestError(credit(body), 400, "MALFORMED_REQUEST");
    }

    @Test
    void metadataNestedTenThousandLevelsDeepIsRefusedWithoutOverflowingTheStack() {
        String deep = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        String deepArrays = "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";

        for (String metadata : new String[] {deep, deepArrays}) {
            TestServer.Rest response = credit(creditBody(newIdempotencyKey(), metadata));

            assertRestError(response, 400, "MALFORMED_REQUEST");
            assertThat(response.body().get("message").getAsString()).contains("nested deeper than 32");
        }
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void metadataNestedThirtyLevelsIsAccepted() {
        String metadata = "{\"a\":".repeat(29) + "1" + "}".repeat(29);

        TestServer.Rest response = credit(creditBody(newIdempotencyKey(), metadata));

        assertThat(response.status()).as("%s", response.body()).isEqualTo(200);
    }

    @Test
    void hugeMetadataIsRefusedAsTooLarge() {
        JsonObject manyKeys = new JsonObject();
        for (int i = 0; i < 5_000; i++) {
            manyKeys.addProperty("k" + i, i);
        }
        JsonObject longValue = new JsonObject();
        longValue.addProperty("k", "y".repeat(500_000));

        assertRestError(credit(creditBody(newIdempotencyKey(), manyKeys.toString())), 400, "METADATA_TOO_LARGE");
        assertRestError(credit(creditBody(newIdempotencyKey(), longValue.toString())), 400, "METADATA_TOO_LARGE");
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void aBodyThatIsNotUtf8IsMalformed() {
        byte[] prefix = "{\"amount\": \"1.00\", \"currency\": \"USD\", \"description\": \"".getBytes(StandardCharsets.UTF_8);
        byte[] suffix = ("\", \"idempotencyKey\": \"" + newIdempotencyKey() + "\"}").getBytes(StandardCharsets.UTF_8);
        for (byte[] bad : new byte[][] {{(byte) 0xff}, {(byte) 0xc3}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xc0, (byte) 0xaf}}) {
            byte[] body = new byte[prefix.length + bad.length + suffix.length];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            System.arraycopy(bad, 0, body, prefix.length, bad.length);
            System.arraycopy(suffix, 0, body, prefix.length + bad.length, suffix.length);

            assertRestError(postBytes("/api/v1/wallets/" + wallet.getId() + "/credit", body), 400, "MALFORMED_REQUEST");
        }
        assertThat(balance()).isEqualTo("100.00");
    }

    // --- Headers and ids ----------------------------------------------------------------------------

    @Test
    void headersOverEightKibibytesAreRefusedWithAStatusBodyOverHttp1AndHttp2() {
        for (HttpClient.Version version : new HttpClient.Version[] {HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2}) {
            HttpClient client = HttpClient.newBuilder().version(version).build();
            // The first request of an HTTP/2 client upgrades the connection (h2c); the second one is HTTP/2.
            assertThat(send(client, "GET", "/api/v1/wallets/" + wallet.getId(), null, Map.of()).status()).isEqualTo(200);

            TestServer.Rest response = send(client, "POST", "/api/v1/wallets/" + wallet.getId() + "/credit",
                    creditBody(newIdempotencyKey(), "{}"), Map.of("x-padding", "p".repeat(9_000)));

            assertThat(response.body().has("details")).as("%s: HTTP %s %s", version, response.status(), response.body()).isTrue();
            assertThat(response.status()).isIn(400, 431);
            assertRestError(response, response.status(), "MALFORMED_REQUEST");
        }
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void aVeryLongIdempotencyKeyHeaderIsAnInvalidField() {
        String body = "{\"amount\": \"1.00\", \"currency\": \"USD\"}";
        TestServer.Rest response = payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(), body,
                Map.of("Idempotency-Key", "k".repeat(6_000)));

        assertRestError(response, 400, "INVALID_FIELD");
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void veryLongIdsInPathAndBodyAreClearClientErrors() {
        String longId = "wal_" + "0".repeat(5_000);

        TestServer.Rest inPath = credit("/api/v1/wallets/" + longId + "/credit", creditBody(newIdempotencyKey(), "{}"));
        TestServer.Rest inBody = payflow.rest("POST", "/api/v1/transfers", partner.sandboxKey(),
                "{\"fromWalletId\": \"" + wallet.getId() + "\", \"toWalletId\": \"" + longId + "\", \"amount\": \"1.00\", \"currency\": \"USD\","
                        + " \"idempotencyKey\": \"" + newIdempotencyKey() + "\"}");

        for (TestServer.Rest response : new TestServer.Rest[] {inPath, inBody}) {
            assertThat(response.status()).as("%s", response.body()).isBetween(400, 499);
            assertThat(response.body().get("code").getAsInt()).isPositive();
        }
        assertThat(balance()).isEqualTo("100.00");
    }

    /**
     * Found by this test: a token is base64 of {@code p1.<filter hash>.<last id>}, so a partner can
     * rewrite the last id, and a NUL in it reached PostgreSQL, which answered 500 INTERNAL. Now
     * {@code PageRequest} refuses a last id that is not at most 64 characters of {@code [A-Za-z0-9_]}.
     */
    @Test
    void aPageTokenRewrittenToCarryAnyLastIdIsAClientError() {
        payflow.newWallet(partner.sandboxKey(), "USD");
        TestServer.Rest page = payflow.rest("GET", "/api/v1/wallets?pageSize=1", partner.sandboxKey(), null);
        String token = page.body().get("nextPageToken").getAsString();
        String raw = new String(java.util.Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        String prefix = raw.substring(0, raw.lastIndexOf('.') + 1); // "p1.<filter hash>.": a partner can read it off any token

        for (String lastId : new String[] {"\u0000", "wal_\u0000x", "\ud800", "' OR 1=1 --", "\uffff".repeat(40)}) {
            String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString((prefix + lastId).getBytes(StandardCharsets.UTF_8));

            TestServer.Rest response = payflow.rest("GET", "/api/v1/wallets?pageSize=1&pageToken=" + forged, partner.sandboxKey(), null);

            assertThat(response.status()).as("%s: %s", lastId, response.body()).isBetween(200, 499);
            if (response.status() != 200) {
                assertRestError(response, response.status(), "INVALID_PAGE_TOKEN");
            }
        }
    }

    // --- Unicode tricks in names --------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Savings\\u202Etxt.exe", "\\u2066hidden\\u2069", "a\\u0000b", "lone \\ud800 high", "lone \\udc00 low",
            "reversed \\udc00\\ud800 pair"})
    void aWalletNameWithAUnicodeTrickIsAClearClientError(String escapedName) {
        String body = "{\"externalUserId\": \"u-trick\", \"externalWalletId\": \"w-" + newIdempotencyKey() + "\", \"name\": \"" + escapedName
                + "\", \"currency\": \"USD\"}";

        TestServer.Rest response = payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(), body);

        assertThat(response.status()).as("%s", response.body()).isEqualTo(400);
        assertThat(response.body().getAsJsonArray("details")).isNotEmpty();
        assertThat(response.body().get("message").getAsString()).contains("name");
    }

    @Test
    void aLoneSurrogateInMetadataIsMalformedRatherThanSilentlyReplaced() {
        TestServer.Rest response = credit(creditBody(newIdempotencyKey(), "{\"note\": \"x\\ud800y\"}"));

        assertRestError(response, 400, "MALFORMED_REQUEST");
        assertThat(balance()).isEqualTo("100.00");
    }

    @Test
    void aRightToLeftNameWithoutControlCharactersIsAccepted() {
        String body = "{\"externalUserId\": \"u-rtl\", \"externalWalletId\": \"w-" + newIdempotencyKey()
                + "\", \"name\": \"\u05d7\u05e1\u05db\u05d5\u05df \u200f\ud83d\udcb0\", \"currency\": \"USD\"}";

        TestServer.Rest response = payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(), body);

        assertThat(response.status()).as("%s", response.body()).isEqualTo(200);
        assertThat(response.body().get("name").getAsString()).isEqualTo("\u05d7\u05e1\u05db\u05d5\u05df \u200f\ud83d\udcb0");
    }

    // --- Helpers ------------------------------------------------------------------------------------

    private static String creditBody(String key, String metadata) {
        return "{\"amount\": \"1.00\", \"currency\": \"USD\", \"idempotencyKey\": \"" + key + "\", \"metadata\": " + metadata + "}";
    }

    private static TestServer.Rest credit(String body) {
        return credit("/api/v1/wallets/" + wallet.getId() + "/credit", body);
    }

    private static TestServer.Rest credit(String path, String body) {
        return payflow.rest("POST", path, partner.sandboxKey(), body);
    }

    private static String balance() {
        return payflow.balanceOf(partner.sandboxKey(), wallet.getId());
    }

    /** A POST of exact bytes, which {@link TestServer#rest} (a String body) cannot send. */
    private static TestServer.Rest postBytes(String path, byte[] body) {
        return send(HttpClient.newHttpClient(), "POST", path, body, Map.of("Content-Type", "application/json"));
    }

    private static TestServer.Rest send(HttpClient client, String method, String path, Object body, Map<String, String> headers) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : body instanceof byte[] bytes ? HttpRequest.BodyPublishers.ofByteArray(bytes) : HttpRequest.BodyPublishers.ofString((String) body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + payflow.server().httpPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + partner.sandboxKey()).method(method, publisher);
        if (body instanceof String) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonObject parsed = response.body().isBlank() ? new JsonObject() : JsonParser.parseString(response.body()).getAsJsonObject();
            return new TestServer.Rest(response.statusCode(), parsed, response.headers());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
