package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.JsonBodies.metadataOfBytes;
import static dev.payflow.core.testing.JsonBodies.metadataWithKeys;
import static dev.payflow.core.testing.JsonBodies.with;
import static dev.payflow.core.testing.JsonBodies.withMetadata;
import static dev.payflow.core.testing.JsonBodies.without;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletByExternalIdRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.ListWalletsResponse;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletBalance;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** WalletService over both doors: create, read, find by external id, list, update, balance. */
class WalletApiTest {
    private static final String UNKNOWN_WALLET_ID = "wal_" + "0".repeat(26);

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Create ------------------------------------------------------------------------------

    @Test
    void aWalletCreatedOverRestShowsEveryFieldInLowerCamelCase() {
        Instant before = payflow.clock().instant().minusMillis(1);
        JsonObject metadata = JsonParser.parseString("{\"plan\":\"circle\",\"members\":12,\"flags\":{\"beta\":true},\"tags\":[\"x\"]}")
                .getAsJsonObject();
        JsonObject request = walletBody("user-42", "rest-full", "Holiday savings", "USD");
        request.add("metadata", metadata);

        TestServer.Rest created = payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(), request.toString());

        assertThat(created.status()).as("HTTP status of %s", created.body()).isEqualTo(200);
        JsonObject wallet = created.body();
        assertThat(wallet.keySet()).containsExactlyInAnyOrder("id", "partnerId", "externalUserId", "externalWalletId", "name",
                "currency", "status", "balance", "availableBalance", "metadata", "livemode", "createdAt", "updatedAt");
        assertThat(wallet.get("id").getAsString()).matches("wal_[0-9a-z]{26}");
        assertThat(wallet.get("partnerId").getAsString()).isEqualTo(partner.partnerId());
        assertThat(wallet.get("externalUserId").getAsString()).isEqualTo("user-42");
        assertThat(wallet.get("externalWalletId").getAsString()).isEqualTo("rest-full");
        assertThat(wallet.get("name").getAsString()).isEqualTo("Holiday savings");
        assertThat(wallet.get("currency").getAsString()).isEqualTo("USD");
        assertThat(wallet.get("status").getAsString()).isEqualTo("active");
        assertThat(wallet.get("balance").getAsString()).isEqualTo("0.00");
        assertThat(wallet.get("availableBalance").getAsString()).isEqualTo("0.00");
        assertThat(wallet.get("metadata")).isEqualTo(metadata);
        assertThat(wallet.get("livemode").getAsBoolean()).isFalse();
        Instant createdAt = Instant.parse(wallet.get("createdAt").getAsString());
        assertThat(createdAt).isBetween(before, payflow.clock().instant().plusMillis(1));
        assertThat(Instant.parse(wallet.get("updatedAt").getAsString())).isEqualTo(createdAt);
        assertThat(created.headers().firstValue("x-request-id")).isPresent();
    }

    @Test
    void aWalletCreatedOverGrpcWithALiveKeyIsLiveAndReadsBackTheSame() {
        Struct metadata = Struct.newBuilder().putFields("ref", Value.newBuilder().setStringValue("r-1").build()).build();

        Wallet created = payflow.wallets(partner.productionKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("user-live")
                .setExternalWalletId("grpc-live").setName("Live wallet").setCurrency("EUR").setMetadata(metadata).build());

        assertThat(created.getId()).startsWith("wal_");
        assertThat(created.getPartnerId()).isEqualTo(partner.partnerId());
        assertThat(created.getLivemode()).isTrue();
        assertThat(created.getStatus()).isEqualTo(Wallet.Status.active);
        assertThat(created.getBalance()).isEqualTo("0.00");
        assertThat(created.getMetadata()).isEqualTo(metadata);
        assertThat(created.hasCreatedAt()).isTrue();
        assertThat(created.getUpdatedAt()).isEqualTo(created.getCreatedAt());
        Wallet read = payflow.wallets(partner.productionKey()).getWallet(GetWalletRequest.newBuilder().setId(created.getId()).build());
        assertThat(read).isEqualTo(created);
        TestServer.Rest overRest = payflow.rest("GET", "/api/v1/wallets/" + created.getId(), partner.productionKey(), null);
        assertThat(overRest.status()).isEqualTo(200);
        assertThat(overRest.body().get("livemode").getAsBoolean()).isTrue();
        assertThat(overRest.body().get("externalUserId").getAsString()).isEqualTo("user-live");
    }

    @ParameterizedTest(name = "{0} starts at {1}")
    @CsvSource({"USD, 0.00", "EUR, 0.00", "JPY, 0", "KRW, 0", "KWD, 0.000", "BHD, 0.000"})
    void aNewWalletsZeroBalanceHasItsCurrencysDecimals(String currency, String zero) {
        Wallet created = payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                .setExternalWalletId("zero-" + currency).setName(currency).setCurrency(currency).build());

        assertThat(created.getBalance()).isEqualTo(zero);
        assertThat(created.getCurrency()).isEqualTo(currency);
    }

    static Stream<Arguments> invalidWallets() {
        JsonObject valid = walletBody("u", "x", "Name", "USD");
        return Stream.of(
                Arguments.of("unknown currency ABC", with(valid, "currency", "ABC"), "UNSUPPORTED_CURRENCY"),
                Arguments.of("lower-case usd", with(valid, "currency", "usd"), "UNSUPPORTED_CURRENCY"),
                Arguments.of("two letters", with(valid, "currency", "US"), "UNSUPPORTED_CURRENCY"),
                Arguments.of("gold is not money", with(valid, "currency", "XAU"), "UNSUPPORTED_CURRENCY"),
                Arguments.of("currency missing", without(valid, "currency"), "MISSING_FIELD"),
                Arguments.of("currency empty", with(valid, "currency", ""), "MISSING_FIELD"),
                Arguments.of("name missing", without(valid, "name"), "MISSING_FIELD"),
                Arguments.of("name blank", with(valid, "name", "  "), "MISSING_FIELD"),
                Arguments.of("externalUserId missing", without(valid, "externalUserId"), "MISSING_FIELD"),
                Arguments.of("externalWalletId missing", without(valid, "externalWalletId"), "MISSING_FIELD"),
                Arguments.of("externalWalletId misspelled", with(without(valid, "externalWalletId"), "externalWaletId", "x"), "MISSING_FIELD"),
                Arguments.of("name of 201 characters", with(valid, "name", "n".repeat(201)), "INVALID_FIELD"),
                Arguments.of("externalUserId of 129 characters", with(valid, "externalUserId", "u".repeat(129)), "INVALID_FIELD"),
                Arguments.of("externalWalletId of 129 characters", with(valid, "externalWalletId", "w".repeat(129)), "INVALID_FIELD"),
                Arguments.of("name with a control character", with(valid, "name", "bad\u0007name"), "INVALID_FIELD"),
                Arguments.of("metadata of 51 keys", withMetadata(valid, metadataWithKeys(51)), "METADATA_TOO_LARGE"),
                Arguments.of("metadata over 8 KiB", withMetadata(valid, metadataOfBytes(8 * 1024 + 1)), "METADATA_TOO_LARGE"),
                Arguments.of("name as a number", withRaw(valid, "name", "5"), "MALFORMED_REQUEST"),
                Arguments.of("metadata as a string", withRaw(valid, "metadata", "\"{}\""), "MALFORMED_REQUEST"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidWallets")
    void creatingAWalletWithInvalidInputIsRefusedOverRestWithTheReason(String what, JsonObject body, String reason) {
        int walletsBefore = payflow.allWallets(partner.sandboxKey(), "").size();

        assertRestError(payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(), body.toString()), 400, reason);

        assertThat(payflow.allWallets(partner.sandboxKey(), "")).hasSize(walletsBefore);
    }

    @Test
    void creatingAWalletWithInvalidInputIsRefusedOverGrpcWithTheReason() {
        CreateWalletRequest valid = CreateWalletRequest.newBuilder().setExternalUserId("u").setExternalWalletId("grpc-invalid")
                .setName("N").setCurrency("USD").build();

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(valid.toBuilder().setCurrency("ABC").build()),
                Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_CURRENCY");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(valid.toBuilder().setCurrency("usd").build()),
                Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_CURRENCY");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(valid.toBuilder().clearCurrency().build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(valid.toBuilder().clearName().build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(valid.toBuilder().clearExternalUserId().build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(valid.toBuilder().setExternalWalletId("w".repeat(129)).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(valid.toBuilder().setMetadata(struct(metadataWithKeys(51))).build()),
                Status.Code.INVALID_ARGUMENT, "METADATA_TOO_LARGE");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).getWalletByExternalId(GetWalletByExternalIdRequest.newBuilder()
                .setExternalId("grpc-invalid").build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
    }

    @Test
    void valuesExactlyAtTheLimitsAreAccepted() {
        String externalWalletId = "w".repeat(127) + "1";
        CreateWalletRequest request = CreateWalletRequest.newBuilder().setExternalUserId("u".repeat(128)).setExternalWalletId(externalWalletId)
                .setName("n".repeat(200)).setCurrency("USD").setMetadata(struct(metadataWithKeys(50))).build();

        Wallet created = payflow.wallets(partner.sandboxKey()).createWallet(request);
        Wallet eightKib = payflow.wallets(partner.sandboxKey()).createWallet(request.toBuilder().setExternalWalletId("eight-kib")
                .setMetadata(struct(metadataOfBytes(8 * 1024))).build());

        assertThat(created.getName()).hasSize(200);
        assertThat(created.getExternalUserId()).hasSize(128);
        assertThat(created.getExternalWalletId()).isEqualTo(externalWalletId);
        assertThat(created.getMetadata().getFieldsCount()).isEqualTo(50);
        assertThat(eightKib.getMetadata()).isEqualTo(struct(metadataOfBytes(8 * 1024)));
    }

    @ParameterizedTest(name = "filled with \"{0}\"")
    @ValueSource(strings = {"x", "\u00e9", "\u20ac", "&", "<", "="})
    void metadataOfExactlyEightKibOfJsonIsAcceptedWhateverCharactersItHolds(String fill) {
        JsonObject atTheLimit = metadataOfUtf8Bytes(fill, 8 * 1024);
        JsonObject overTheLimit = metadataOfUtf8Bytes(fill, 8 * 1024 + fill.getBytes(StandardCharsets.UTF_8).length);
        JsonObject body = walletBody("u", "eight-kib-" + UUID.randomUUID(), "Full metadata", "USD");

        TestServer.Rest accepted = payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(), withMetadata(body, atTheLimit).toString());
        TestServer.Rest refused = payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(),
                withMetadata(with(body, "externalWalletId", "over-" + UUID.randomUUID()), overTheLimit).toString());

        assertThat(accepted.status()).as("HTTP status of %s", accepted.body()).isEqualTo(200);
        assertThat(accepted.body().get("metadata")).isEqualTo(atTheLimit);
        assertRestError(refused, 400, "METADATA_TOO_LARGE");
    }

    @Test
    void theWalletIdInThePathWinsOverAnIdInThePatchBody() {
        Wallet target = newWallet("path-wins", "USD", Map.of());
        Wallet bystander = newWallet("body-loses", "USD", Map.of());

        TestServer.Rest patched = payflow.rest("PATCH", "/api/v1/wallets/" + target.getId(), partner.sandboxKey(),
                "{\"id\":\"" + bystander.getId() + "\",\"name\":\"Renamed by path\"}");

        assertThat(patched.status()).as("HTTP status of %s", patched.body()).isEqualTo(200);
        assertThat(patched.body().get("id").getAsString()).isEqualTo(target.getId());
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(bystander.getId()).build()).getName())
                .isEqualTo(bystander.getName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "[]", "{\"name\":\"x\",}", "{\"name\":'x'}", "{} {}", "\"just a string\""})
    void aMalformedJsonBodyIs400MalformedRequest(String body) {
        assertRestError(payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(), body), 400, "MALFORMED_REQUEST");
    }

    @Test
    void unknownJsonFieldsAreIgnored() {
        JsonObject body = walletBody("u", "with-extras", "Extras", "USD");
        body.addProperty("colour", "blue");
        body.add("nested", JsonParser.parseString("{\"a\":[1,2,{\"b\":null}]}"));
        body.addProperty("balance", "1000000.00");

        TestServer.Rest created = payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(), body.toString());

        assertThat(created.status()).as("HTTP status of %s", created.body()).isEqualTo(200);
        assertThat(created.body().get("name").getAsString()).isEqualTo("Extras");
        assertThat(created.body().get("balance").getAsString()).as("a balance cannot be set by creating").isEqualTo("0.00");
        assertThat(created.body().has("colour")).isFalse();
    }

    @Test
    void anExternalWalletIdTakenInThisModeIsWalletAlreadyExists() {
        payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u1")
                .setExternalWalletId("taken").setName("First").setCurrency("USD").build());

        assertRestError(payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(), walletBody("u2", "taken", "Second", "EUR").toString()),
                409, "WALLET_ALREADY_EXISTS");
        assertThat(payflow.wallets(partner.sandboxKey()).getWalletByExternalId(GetWalletByExternalIdRequest.newBuilder()
                .setExternalId("taken").build()).getName()).isEqualTo("First");
    }

    // --- Get ---------------------------------------------------------------------------------

    @Test
    void anUnknownWalletIsWalletNotFoundAndAMalformedOrForeignIdIsInvalidId() {
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(UNKNOWN_WALLET_ID).build()),
                Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + UNKNOWN_WALLET_ID, partner.sandboxKey(), null), 404, "WALLET_NOT_FOUND");
        for (String id : List.of("wal_123", "txn_" + "0".repeat(26), partner.partnerId(), "WAL_" + "0".repeat(26))) {
            assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(id).build()),
                    Status.Code.INVALID_ARGUMENT, "INVALID_ID");
            assertRestError(payflow.rest("GET", "/api/v1/wallets/" + id, partner.sandboxKey(), null), 400, "INVALID_ID");
        }
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
    }

    // --- Get by external id ------------------------------------------------------------------

    @ParameterizedTest(name = "externalWalletId \"{0}\"")
    @ValueSource(strings = {"plain-id", "user 42 main", "team/alpha/1", "a+b=c&d", "100%", "ünïcødé-€", "balance", "wal_" + "0000000000000000000000000a"})
    void aWalletIsFoundByItsExternalIdWhateverCharactersItHolds(String externalWalletId) {
        Wallet created = payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("ext-user")
                .setExternalWalletId(externalWalletId).setName("By external id").setCurrency("USD").build());

        TestServer.Rest overRest = payflow.rest("GET", "/api/v1/wallets/external/" + percentEncoded(externalWalletId), partner.sandboxKey(), null);
        Wallet overGrpc = payflow.wallets(partner.sandboxKey()).getWalletByExternalId(GetWalletByExternalIdRequest.newBuilder()
                .setExternalId(externalWalletId).build());

        assertThat(overRest.status()).as("HTTP status of %s", overRest.body()).isEqualTo(200);
        assertThat(overRest.body().get("id").getAsString()).isEqualTo(created.getId());
        assertThat(overRest.body().get("externalWalletId").getAsString()).isEqualTo(externalWalletId);
        assertThat(overGrpc).isEqualTo(created);
    }

    @Test
    void anUnknownOrOverlongExternalIdIsRefused() {
        assertRestError(payflow.rest("GET", "/api/v1/wallets/external/no-such-wallet", partner.sandboxKey(), null), 404, "WALLET_NOT_FOUND");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).getWalletByExternalId(GetWalletByExternalIdRequest.newBuilder()
                .setExternalId("no-such-wallet").build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/external/" + "x".repeat(129), partner.sandboxKey(), null), 400, "INVALID_FIELD");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).getWalletByExternalId(GetWalletByExternalIdRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
    }

    // --- List --------------------------------------------------------------------------------

    @Test
    void theListFiltersByExternalUserIdAndStatusNewestFirst() {
        String user = "list-user-" + UUID.randomUUID();
        List<Wallet> ofUser = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ofUser.add(payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId(user)
                    .setExternalWalletId(user + "-" + i).setName("W" + i).setCurrency("USD").build()));
            pauseForTheClockToTick();
        }
        payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId(user + "-other")
                .setExternalWalletId(user + "-other").setName("Other").setCurrency("USD").build());
        payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(ofUser.get(1).getId())
                .setStatus(Wallet.Status.frozen).build());

        TestServer.Rest byUser = payflow.rest("GET", "/api/v1/wallets?externalUserId=" + user, partner.sandboxKey(), null);
        TestServer.Rest frozen = payflow.rest("GET", "/api/v1/wallets?externalUserId=" + user + "&status=frozen", partner.sandboxKey(), null);
        ListWalletsResponse active = payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.newBuilder()
                .setExternalUserId(user).setStatus(Wallet.Status.active).build());

        assertThat(byUser.status()).isEqualTo(200);
        assertThat(ids(byUser.body().getAsJsonArray("wallets"))).containsExactly(ofUser.get(2).getId(), ofUser.get(1).getId(), ofUser.get(0).getId());
        assertThat(byUser.body().get("nextPageToken").getAsString()).isEmpty();
        assertThat(ids(frozen.body().getAsJsonArray("wallets"))).containsExactly(ofUser.get(1).getId());
        assertThat(active.getWalletsList()).extracting(Wallet::getId).containsExactly(ofUser.get(2).getId(), ofUser.get(0).getId());
        assertThat(payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.newBuilder().setStatus(Wallet.Status.frozen).build())
                .getWalletsList()).extracting(Wallet::getStatus).containsOnly(Wallet.Status.frozen);
    }

    @Test
    void theListPagesThroughEveryWalletOnceWithPageSizeAndPageTokenOverRest() {
        String user = "pager-" + UUID.randomUUID();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(0, payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId(user)
                    .setExternalWalletId(user + "-" + i).setName("W" + i).setCurrency("JPY").build()).getId());
            pauseForTheClockToTick();
        }

        List<String> visited = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String token = "";
        do {
            TestServer.Rest page = payflow.rest("GET", "/api/v1/wallets?pageSize=2&externalUserId=" + user
                    + (token.isEmpty() ? "" : "&pageToken=" + token), partner.sandboxKey(), null);
            assertThat(page.status()).as("HTTP status of %s", page.body()).isEqualTo(200);
            List<String> ids = ids(page.body().getAsJsonArray("wallets"));
            visited.addAll(ids);
            pageSizes.add(ids.size());
            token = page.body().get("nextPageToken").getAsString();
            payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId(user)
                    .setExternalWalletId(user + "-later-" + pageSizes.size()).setName("Later").setCurrency("JPY").build());
            assertThat(pageSizes).hasSizeLessThanOrEqualTo(3);
        } while (!token.isEmpty());

        assertThat(pageSizes).containsExactly(2, 2, 1);
        assertThat(visited).containsExactlyElementsOf(created);
    }

    @Test
    void pageSizeIsBoundedAndTokensAreBoundToTheirFilters() {
        String user = "tokens-" + UUID.randomUUID();
        for (int i = 0; i < 2; i++) {
            payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId(user)
                    .setExternalWalletId(user + "-" + i).setName("W").setCurrency("USD").build());
        }
        String token = payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.newBuilder().setPageSize(1)
                .setExternalUserId(user).build()).getNextPageToken();
        assertThat(token).isNotEmpty();

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.newBuilder().setPageSize(201).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_SIZE");
        assertRestError(payflow.rest("GET", "/api/v1/wallets?pageSize=-1", partner.sandboxKey(), null), 400, "INVALID_PAGE_SIZE");
        assertRestError(payflow.rest("GET", "/api/v1/wallets?pageSize=ten", partner.sandboxKey(), null), 400, "MALFORMED_REQUEST");
        assertRestError(payflow.rest("GET", "/api/v1/wallets?pageToken=garbage", partner.sandboxKey(), null), 400, "INVALID_PAGE_TOKEN");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.newBuilder().setPageToken("bm9wZQ").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.newBuilder().setPageSize(1)
                .setExternalUserId(user + "-else").setPageToken(token).build()), Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
        assertRestError(payflow.rest("GET", "/api/v1/wallets?pageSize=1&status=frozen&externalUserId=" + user + "&pageToken=" + token,
                partner.sandboxKey(), null), 400, "INVALID_PAGE_TOKEN");
        assertRestError(payflow.rest("GET", "/api/v1/wallets?status=deleted", partner.sandboxKey(), null), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("GET", "/api/v1/wallets?externalUserId=" + "u".repeat(129), partner.sandboxKey(), null),
                400, "INVALID_FIELD");
        assertThat(payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.newBuilder().setPageSize(1)
                .setExternalUserId(user).setPageToken(token).build()).getWalletsList()).hasSize(1);
    }

    @Test
    void listingWalletsByAnUnknownStatusNumberOverGrpcIsInvalidField() {
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.newBuilder().setStatusValue(9).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    // --- Update ------------------------------------------------------------------------------

    @Test
    void updatingAWalletToAnUnknownStatusNumberOverGrpcIsInvalidField() {
        Wallet wallet = newWallet("unknown-status-number", "USD", Map.of());

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(wallet.getId())
                .setStatusValue(9).build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build()).getStatus())
                .isEqualTo(Wallet.Status.active);
    }

    @Test
    void patchingOnlyTheNameChangesTheNameAndNothingElse() {
        Wallet wallet = newWallet("rename-me", "USD", Map.of("keep", "this"));

        TestServer.Rest patched = payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), "{\"name\":\"Renamed\"}");

        assertThat(patched.status()).as("HTTP status of %s", patched.body()).isEqualTo(200);
        assertThat(patched.body().get("name").getAsString()).isEqualTo("Renamed");
        assertThat(patched.body().get("status").getAsString()).isEqualTo("active");
        assertThat(patched.body().getAsJsonObject("metadata").get("keep").getAsString()).isEqualTo("this");
        assertThat(patched.body().getAsJsonObject("metadata").keySet()).containsExactly("keep");
        assertThat(Instant.parse(patched.body().get("createdAt").getAsString())).isEqualTo(instant(wallet.getCreatedAt()));
        assertThat(Instant.parse(patched.body().get("updatedAt").getAsString())).isAfterOrEqualTo(instant(wallet.getUpdatedAt()));
        Wallet read = payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build());
        assertThat(read.getName()).isEqualTo("Renamed");
        assertThat(read.getExternalWalletId()).isEqualTo("rename-me");
        assertThat(read.getCurrency()).isEqualTo("USD");
    }

    @Test
    void patchingTheMetadataReplacesTheWholeObject() {
        Wallet wallet = newWallet("new-metadata", "USD", Map.of("a", "1", "b", "2"));

        TestServer.Rest replaced = payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), "{\"metadata\":{\"c\":\"3\"}}");
        Wallet overGrpc = payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(wallet.getId())
                .setMetadata(struct(JsonParser.parseString("{\"d\":\"4\",\"e\":5}").getAsJsonObject())).build());
        TestServer.Rest emptied = payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), "{\"metadata\":{}}");

        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.body().get("metadata")).isEqualTo(JsonParser.parseString("{\"c\":\"3\"}"));
        assertThat(replaced.body().get("name").getAsString()).isEqualTo(wallet.getName());
        assertThat(overGrpc.getMetadata().getFieldsMap()).containsOnlyKeys("d", "e");
        assertThat(emptied.body().getAsJsonObject("metadata").keySet()).isEmpty();
    }

    @Test
    void aWalletCanBeFrozenMadeActiveAgainAndClosedAtZeroBalanceAndThenStaysClosed() {
        Wallet wallet = newWallet("lifecycle", "USD", Map.of());

        Wallet frozen = setStatus(wallet, Wallet.Status.frozen);
        TestServer.Rest active = payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), "{\"status\":\"active\"}");
        Wallet closed = setStatus(wallet, Wallet.Status.closed);

        assertThat(frozen.getStatus()).isEqualTo(Wallet.Status.frozen);
        assertThat(active.body().get("status").getAsString()).isEqualTo("active");
        assertThat(closed.getStatus()).isEqualTo(Wallet.Status.closed);
        assertGrpcError(() -> setStatus(wallet, Wallet.Status.active), Status.Code.FAILED_PRECONDITION, "INVALID_STATUS_TRANSITION");
        assertGrpcError(() -> setStatus(wallet, Wallet.Status.frozen), Status.Code.FAILED_PRECONDITION, "INVALID_STATUS_TRANSITION");
        assertRestError(payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), "{\"status\":\"active\"}"),
                400, "INVALID_STATUS_TRANSITION");
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build()).getStatus())
                .isEqualTo(Wallet.Status.closed);
    }

    @Test
    void aFrozenWalletWithAZeroBalanceCanBeClosed() {
        Wallet wallet = newWallet("frozen-then-closed", "JPY", Map.of());
        setStatus(wallet, Wallet.Status.frozen);

        TestServer.Rest closed = payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), "{\"status\":\"closed\"}");

        assertThat(closed.status()).as("HTTP status of %s", closed.body()).isEqualTo(200);
        assertThat(closed.body().get("status").getAsString()).isEqualTo("closed");
    }

    @Test
    void invalidUpdatesAreRefusedAndChangeNothing() {
        Wallet wallet = newWallet("bad-updates", "USD", Map.of("k", "v"));
        String path = "/api/v1/wallets/" + wallet.getId();

        assertRestError(payflow.rest("PATCH", path, partner.sandboxKey(), "{\"name\":\"\"}"), 400, "MISSING_FIELD");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(wallet.getId())
                .setName("").build()), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertRestError(payflow.rest("PATCH", path, partner.sandboxKey(), "{\"name\":\"" + "n".repeat(201) + "\"}"), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("PATCH", path, partner.sandboxKey(), "{\"status\":\"deleted\"}"), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("PATCH", path, partner.sandboxKey(), "{\"status\":\"FROZEN\"}"), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("PATCH", path, partner.sandboxKey(),
                "{\"name\":\"changed\",\"metadata\":" + metadataWithKeys(51) + "}"), 400, "METADATA_TOO_LARGE");
        assertRestError(payflow.rest("PATCH", path, partner.sandboxKey(), "{\"name\":"), 400, "MALFORMED_REQUEST");
        assertRestError(payflow.rest("PATCH", "/api/v1/wallets/" + UNKNOWN_WALLET_ID, partner.sandboxKey(), "{\"name\":\"x\"}"),
                404, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("PATCH", "/api/v1/wallets/wal_bad", partner.sandboxKey(), "{\"name\":\"x\"}"), 400, "INVALID_ID");

        Wallet unchanged = payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build());
        assertThat(unchanged).isEqualTo(wallet);
    }

    // --- Balance -----------------------------------------------------------------------------

    @Test
    void theBalanceEndpointShowsBalanceAndAvailableBalanceBeforeAndAfterACredit() {
        Wallet wallet = newWallet("balance-before-and-after", "USD", Map.of());
        String path = "/api/v1/wallets/" + wallet.getId() + "/balance";

        TestServer.Rest empty = payflow.rest("GET", path, partner.sandboxKey(), null);
        credit(wallet, "10.00");
        credit(wallet, "0.05");
        TestServer.Rest funded = payflow.rest("GET", path, partner.sandboxKey(), null);
        WalletBalance overGrpc = payflow.wallets(partner.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder()
                .setId(wallet.getId()).build());

        assertThat(empty.status()).as("HTTP status of %s", empty.body()).isEqualTo(200);
        assertThat(empty.body().keySet()).containsExactlyInAnyOrder("walletId", "currency", "balance", "availableBalance", "livemode", "asOf");
        assertThat(empty.body().get("walletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(empty.body().get("currency").getAsString()).isEqualTo("USD");
        assertThat(empty.body().get("balance").getAsString()).isEqualTo("0.00");
        assertThat(empty.body().get("availableBalance").getAsString()).isEqualTo("0.00");
        assertThat(empty.body().get("livemode").getAsBoolean()).isFalse();
        assertThat(funded.body().get("balance").getAsString()).isEqualTo("10.05");
        assertThat(funded.body().get("availableBalance").getAsString()).isEqualTo("10.05");
        assertThat(overGrpc.getBalance()).isEqualTo("10.05");
        assertThat(overGrpc.getAvailableBalance()).isEqualTo("10.05");
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build()).getBalance())
                .isEqualTo("10.05");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + UNKNOWN_WALLET_ID + "/balance", partner.sandboxKey(), null),
                404, "WALLET_NOT_FOUND");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId("x").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_ID");
    }

    @Test
    void theBalanceAsOfAPastMomentIsReadOffTheLedger() {
        Wallet wallet = newWallet("balance-as-of", "USD", Map.of());
        Instant beforeAnyCredit = payflow.clock().instant();
        pauseForTheClockToTick();
        credit(wallet, "10.00");
        pauseForTheClockToTick();
        Instant betweenCredits = payflow.clock().instant();
        pauseForTheClockToTick();
        credit(wallet, "5.00");
        payflow.clock().advance(Limits.BALANCE_SETTLED_AFTER);
        String path = "/api/v1/wallets/" + wallet.getId() + "/balance?asOf=";

        TestServer.Rest atStart = payflow.rest("GET", path + beforeAnyCredit, partner.sandboxKey(), null);
        TestServer.Rest between = payflow.rest("GET", path + betweenCredits, partner.sandboxKey(), null);
        WalletBalance now = payflow.wallets(partner.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId(wallet.getId()).build());

        assertThat(atStart.status()).as("HTTP status of %s", atStart.body()).isEqualTo(200);
        assertThat(atStart.body().get("balance").getAsString()).isEqualTo("0.00");
        assertThat(between.body().get("balance").getAsString()).isEqualTo("10.00");
        assertThat(between.body().get("availableBalance").getAsString()).isEqualTo("10.00");
        assertThat(Instant.parse(between.body().get("asOf").getAsString())).isEqualTo(betweenCredits);
        assertThat(now.getBalance()).isEqualTo("15.00");
        assertRestError(payflow.rest("GET", path + "yesterday", partner.sandboxKey(), null), 400, "MALFORMED_REQUEST");
    }

    @Test
    void anEmptyPatchChangesNothing() {
        Wallet wallet = newWallet("empty-patch", "USD", Map.of("k", "v"));

        TestServer.Rest patched = payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), "{}");

        assertThat(patched.status()).as("HTTP status of %s", patched.body()).isEqualTo(200);
        assertThat(patched.body().get("name").getAsString()).isEqualTo(wallet.getName());
        assertThat(patched.body().get("status").getAsString()).isEqualTo("active");
        assertThat(patched.body().getAsJsonObject("metadata").get("k").getAsString()).isEqualTo("v");
    }

    @Test
    void aKwdBalanceShowsThreeDecimals() {
        Wallet wallet = newWallet("kwd-balance", "KWD", Map.of());
        TestServer.Rest credited = payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                "{\"amount\":\"1.5\",\"currency\":\"KWD\",\"idempotencyKey\":\"" + UUID.randomUUID() + "\"}");
        assertThat(credited.status()).as("HTTP status of %s", credited.body()).isEqualTo(200);

        TestServer.Rest balance = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/balance", partner.sandboxKey(), null);

        assertThat(balance.body().get("balance").getAsString()).isEqualTo("1.500");
        assertThat(balance.body().get("availableBalance").getAsString()).isEqualTo("1.500");
    }

    @Test
    void closingAWalletWithMoneyInItIsWalletBalanceNotZeroAndLeavesItOpen() {
        Wallet wallet = newWallet("not-empty", "USD", Map.of());
        credit(wallet, "10.00");

        assertRestError(payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), "{\"status\":\"closed\"}"),
                400, "WALLET_BALANCE_NOT_ZERO");
        assertGrpcError(() -> setStatus(wallet, Wallet.Status.closed), Status.Code.FAILED_PRECONDITION, "WALLET_BALANCE_NOT_ZERO");
        setStatus(wallet, Wallet.Status.frozen);
        assertGrpcError(() -> setStatus(wallet, Wallet.Status.closed), Status.Code.FAILED_PRECONDITION, "WALLET_BALANCE_NOT_ZERO");

        Wallet read = payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build());
        assertThat(read.getStatus()).isEqualTo(Wallet.Status.frozen);
        assertThat(read.getBalance()).isEqualTo("10.00");
    }

    @Test
    void aWalletEmptiedByADebitCanBeClosed() {
        Wallet wallet = newWallet("emptied", "USD", Map.of());
        credit(wallet, "10.00");
        TestServer.Rest debited = payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/debit", partner.sandboxKey(),
                "{\"amount\":\"10.00\",\"currency\":\"USD\",\"idempotencyKey\":\"" + UUID.randomUUID() + "\"}");
        assertThat(debited.status()).as("HTTP status of %s", debited.body()).isEqualTo(200);

        Wallet closed = setStatus(wallet, Wallet.Status.closed);

        assertThat(closed.getStatus()).isEqualTo(Wallet.Status.closed);
        assertThat(closed.getBalance()).isEqualTo("0.00");
    }

    // --- Helpers -----------------------------------------------------------------------------

    private static Wallet newWallet(String externalWalletId, String currency, Map<String, String> metadata) {
        Struct.Builder struct = Struct.newBuilder();
        metadata.forEach((k, v) -> struct.putFields(k, Value.newBuilder().setStringValue(v).build()));
        return payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("owner")
                .setExternalWalletId(externalWalletId).setName("Wallet " + externalWalletId).setCurrency(currency)
                .setMetadata(struct).build());
    }

    private static Wallet setStatus(Wallet wallet, Wallet.Status status) {
        return payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(wallet.getId()).setStatus(status).build());
    }

    /** Funds a sandbox wallet through the simulated gateway, which settles at once. */
    private static void credit(Wallet wallet, String amount) {
        payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount)
                .setCurrency(wallet.getCurrency()).setIdempotencyKey(UUID.randomUUID().toString()).build());
    }

    private static List<String> ids(JsonArray wallets) {
        List<String> ids = new ArrayList<>();
        for (JsonElement wallet : wallets) {
            ids.add(wallet.getAsJsonObject().get("id").getAsString());
        }
        return ids;
    }

    /** RFC 3986 percent-encoding of one path segment: everything but the unreserved characters. */
    private static String percentEncoded(String segment) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }

    /** Ids carry their creation time in milliseconds: objects made a few milliseconds apart (on the server's clock) sort in creation order. */
    private static void pauseForTheClockToTick() {
        payflow.clock().advance(Duration.ofMillis(3));
    }

    private static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }

    private static JsonObject walletBody(String externalUserId, String externalWalletId, String name, String currency) {
        JsonObject body = new JsonObject();
        body.addProperty("externalUserId", externalUserId);
        body.addProperty("externalWalletId", externalWalletId);
        body.addProperty("name", name);
        body.addProperty("currency", currency);
        return body;
    }

    private static JsonObject withRaw(JsonObject object, String key, String json) {
        JsonObject copy = object.deepCopy();
        copy.add(key, JsonParser.parseString(json));
        return copy;
    }

    /** {"k":"..."} filled with {@code fill}, exactly {@code bytes} long as compact UTF-8 JSON. */
    private static JsonObject metadataOfUtf8Bytes(String fill, int bytes) {
        int fillBytes = fill.getBytes(StandardCharsets.UTF_8).length;
        int room = bytes - "{\"k\":\"\"}".length();
        assertThat(room % fillBytes).as("the fill divides the room").isZero();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("k", fill.repeat(room / fillBytes));
        assertThat(metadata.toString().getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
        return metadata;
    }

    private static Struct struct(JsonObject json) {
        Struct.Builder builder = Struct.newBuilder();
        try {
            com.google.protobuf.util.JsonFormat.parser().merge(json.toString(), builder);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        return builder.build();
    }
}
