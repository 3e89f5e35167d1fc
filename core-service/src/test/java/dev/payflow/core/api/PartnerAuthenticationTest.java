package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.ApiErrors.errorInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.rpc.RequestInfo;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.RevokeApiKeyRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Who may call the partner API (keys, partner status, permissions) and the request id every answer carries. */
class PartnerAuthenticationTest {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final String GENERATED_REQUEST_ID = "req_[0-9A-Za-z]{24}";
    private static final String BASE62_43 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg";

    private static TestServer payflow;
    private static TestServer.PartnerKeys active;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        active = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Credentials -------------------------------------------------------------------------

    @Test
    void aPartnerPathWithoutAKeyIsMissingCredentials() {
        WalletServiceGrpc.WalletServiceBlockingStub bare = WalletServiceGrpc.newBlockingStub(payflow.channel())
                .withDeadlineAfter(30, TimeUnit.SECONDS);

        assertGrpcError(() -> bare.listWallets(ListWalletsRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED, "MISSING_CREDENTIALS");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", null, null), 401, "MISSING_CREDENTIALS");
        assertRestError(payflow.rest("POST", "/api/v1/wallets", null, walletJson("no-key")), 401, "MISSING_CREDENTIALS");
    }

    static Stream<String> malformedOrUnknownKeys() {
        return Stream.of(
                "garbage",
                "sk_test_",
                "sk_test_short",
                "sk_test_" + BASE62_43 + "X",
                "sk_test_" + BASE62_43.substring(1) + "!",
                "sk_prod_" + BASE62_43,
                "SK_TEST_" + BASE62_43,
                "sk_test_" + BASE62_43,
                "sk_live_" + BASE62_43);
    }

    @ParameterizedTest
    @MethodSource("malformedOrUnknownKeys")
    void aMalformedOrUnknownKeyIsInvalidApiKey(String key) {
        assertGrpcError(() -> payflow.wallets(key).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", key, null), 401, "INVALID_API_KEY");
    }

    @Test
    void aKeyDifferingFromARealOneInOneCharacterIsInvalidApiKey() {
        String real = active.sandboxKey();
        char last = real.charAt(real.length() - 1);
        String almost = real.substring(0, real.length() - 1) + (last == 'a' ? 'b' : 'a');

        assertGrpcError(() -> payflow.wallets(almost).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", real.toUpperCase(), null), 401, "INVALID_API_KEY");
    }

    @Test
    void basicAuthorizationIsMissingCredentials() {
        String basic = "Basic " + Base64.getEncoder().encodeToString((active.sandboxKey() + ":").getBytes(StandardCharsets.US_ASCII));
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, basic);
        WalletServiceGrpc.WalletServiceBlockingStub stub = WalletServiceGrpc.newBlockingStub(payflow.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).withDeadlineAfter(30, TimeUnit.SECONDS);

        assertGrpcError(() -> stub.listWallets(ListWalletsRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED, "MISSING_CREDENTIALS");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", null, null, Map.of("Authorization", basic)), 401, "MISSING_CREDENTIALS");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", null, null, Map.of("Authorization", active.sandboxKey())),
                401, "MISSING_CREDENTIALS");
    }

    @Test
    void theBearerSchemeIsCaseInsensitive() {
        TestServer.Rest listed = payflow.rest("GET", "/api/v1/wallets", null, null, Map.of("Authorization", "bearer " + active.sandboxKey()));

        assertThat(listed.status()).as("HTTP status of %s", listed.body()).isEqualTo(200);
    }

    @Test
    void aRevokedKeyIsInvalidApiKeyOnItsNextCall() {
        ApiKey key = payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(active.partnerId())
                .setEnvironment(ApiKey.Environment.production).setName("soon revoked").build());
        assertThat(payflow.rest("GET", "/api/v1/wallets", key.getKey(), null).status()).isEqualTo(200);

        payflow.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(key.getId()).build());

        assertGrpcError(() -> payflow.wallets(key.getKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        TestServer.Rest refused = payflow.rest("GET", "/api/v1/wallets", key.getKey(), null);
        assertRestError(refused, 401, "INVALID_API_KEY");
        assertThat(refused.body().toString()).as("the key itself is never echoed").doesNotContain(key.getKey());
    }

    @Test
    void aRevokedKeyAnswersExactlyLikeAKeyThatWasNeverIssued() {
        ApiKey key = payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(active.partnerId())
                .setEnvironment(ApiKey.Environment.sandbox).setName("leaked, then revoked").build());
        payflow.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(key.getId()).build());
        String neverIssued = "sk_test_" + "N".repeat(key.getKey().length() - "sk_test_".length());

        com.google.rpc.Status revoked = assertGrpcError(() -> payflow.wallets(key.getKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        com.google.rpc.Status unknown = assertGrpcError(() -> payflow.wallets(neverIssued).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");

        // A leaked key must not be confirmed as real: the caller cannot tell the two apart (only the log can).
        assertThat(revoked.getMessage()).isEqualTo(unknown.getMessage()).doesNotContain(key.getKey().substring(0, 12));
        assertThat(payflow.rest("GET", "/api/v1/wallets", key.getKey(), null).body().get("message"))
                .isEqualTo(payflow.rest("GET", "/api/v1/wallets", neverIssued, null).body().get("message"));
    }

    @Test
    void theAdminTokenOnAPartnerPathIsInvalidApiKey() {
        assertGrpcError(() -> payflow.wallets(TestServer.ADMIN_TOKEN).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", TestServer.ADMIN_TOKEN, null), 401, "INVALID_API_KEY");
        assertRestError(payflow.rest("POST", "/api/v1/wallets", TestServer.ADMIN_TOKEN, walletJson("admin")), 401, "INVALID_API_KEY");
    }

    // --- Partner status ----------------------------------------------------------------------

    @Test
    void aPendingPartnersKeysArePartnerNotActive() {
        TestServer.PartnerKeys pending = payflow.onboard(Partner.Status.pending);

        assertGrpcError(() -> payflow.wallets(pending.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED, "PARTNER_NOT_ACTIVE");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", pending.sandboxKey(), null), 403, "PARTNER_NOT_ACTIVE");
        assertRestError(payflow.rest("POST", "/api/v1/wallets", pending.productionKey(), walletJson("pending-live")), 403, "PARTNER_NOT_ACTIVE");
    }

    @Test
    void anApprovedPartnersSandboxKeyWorksButItsLiveKeyIsPartnerNotActive() {
        TestServer.PartnerKeys approved = payflow.onboard(Partner.Status.approved);

        Wallet sandbox = payflow.wallets(approved.sandboxKey()).createWallet(walletRequest("approved-sandbox"));
        TestServer.Rest listed = payflow.rest("GET", "/api/v1/wallets", approved.sandboxKey(), null);

        assertThat(sandbox.getLivemode()).isFalse();
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body().getAsJsonArray("wallets")).hasSize(1);
        assertGrpcError(() -> payflow.wallets(approved.productionKey()).createWallet(walletRequest("approved-live")),
                Status.Code.PERMISSION_DENIED, "PARTNER_NOT_ACTIVE");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", approved.productionKey(), null), 403, "PARTNER_NOT_ACTIVE");
    }

    @Test
    void anActivePartnersSandboxAndLiveKeysBothWork() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);

        Wallet sandbox = payflow.wallets(partner.sandboxKey()).createWallet(walletRequest("active-sandbox"));
        TestServer.Rest production = payflow.rest("POST", "/api/v1/wallets", partner.productionKey(), walletJson("active-live"));

        assertThat(sandbox.getLivemode()).isFalse();
        assertThat(production.status()).as("HTTP status of %s", production.body()).isEqualTo(200);
        assertThat(production.body().get("livemode").getAsBoolean()).isTrue();
        assertThat(payflow.wallets(partner.productionKey()).listWallets(ListWalletsRequest.getDefaultInstance()).getWalletsList())
                .extracting(Wallet::getExternalWalletId).containsExactly("active-live");
    }

    @Test
    void aSuspendedPartnersKeysAllFailWithPartnerSuspendedUntilItIsReactivated() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String readOnly = payflow.issueKey(partner.partnerId(), ApiKey.Environment.sandbox, "wallets:read");
        Wallet wallet = payflow.wallets(partner.sandboxKey()).createWallet(walletRequest("before-suspension"));

        payflow.changeStatus(partner.partnerId(), Partner.Status.suspended);

        for (String key : List.of(partner.sandboxKey(), partner.productionKey(), readOnly)) {
            assertGrpcError(() -> payflow.wallets(key).listWallets(ListWalletsRequest.getDefaultInstance()),
                    Status.Code.PERMISSION_DENIED, "PARTNER_SUSPENDED");
            assertRestError(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId(), key, null), 403, "PARTNER_SUSPENDED");
        }
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(walletRequest("during-suspension")),
                Status.Code.PERMISSION_DENIED, "PARTNER_SUSPENDED");

        payflow.changeStatus(partner.partnerId(), Partner.Status.active);

        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build()).getId())
                .isEqualTo(wallet.getId());
        assertThat(payflow.rest("GET", "/api/v1/wallets", partner.productionKey(), null).status()).isEqualTo(200);
        assertThat(payflow.rest("GET", "/api/v1/wallets", readOnly, null).status()).isEqualTo(200);
    }

    @Test
    void aPartnerSuspendedStraightFromApprovedIsPartnerSuspendedToo() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.approved);
        payflow.changeStatus(partner.partnerId(), Partner.Status.suspended);

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED, "PARTNER_SUSPENDED");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", partner.productionKey(), null), 403, "PARTNER_SUSPENDED");
    }

    @Test
    void aRejectedPartnersKeysArePartnerNotActive() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.approved);
        assertThat(payflow.rest("GET", "/api/v1/wallets", partner.sandboxKey(), null).status()).isEqualTo(200);

        payflow.changeStatus(partner.partnerId(), Partner.Status.rejected);

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED, "PARTNER_NOT_ACTIVE");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", partner.productionKey(), null), 403, "PARTNER_NOT_ACTIVE");
    }

    // --- Permissions -------------------------------------------------------------------------

    @Test
    void aKeyWithOnlyWalletsReadCanListButNotCreateAndTheRefusalNamesThePermission() {
        String readOnly = payflow.issueKey(active.partnerId(), ApiKey.Environment.sandbox, "wallets:read");

        com.google.rpc.Status refused = assertGrpcError(() -> payflow.wallets(readOnly).createWallet(walletRequest("read-only")),
                Status.Code.PERMISSION_DENIED, "MISSING_PERMISSION");
        TestServer.Rest refusedOverRest = payflow.rest("POST", "/api/v1/wallets", readOnly, walletJson("read-only"));

        assertThat(refused.getMessage()).contains("wallets:write");
        assertRestError(refusedOverRest, 403, "MISSING_PERMISSION");
        assertThat(refusedOverRest.body().get("message").getAsString()).contains("wallets:write");
        assertThat(payflow.wallets(readOnly).listWallets(ListWalletsRequest.getDefaultInstance()).getWalletsList())
                .extracting(Wallet::getExternalWalletId).doesNotContain("read-only");
        assertThat(payflow.rest("GET", "/api/v1/wallets", readOnly, null).status()).isEqualTo(200);
    }

    @Test
    void aKeyWithOnlyWalletsWriteCannotReadAndNoWalletPermissionMovesMoney() {
        String writeOnly = payflow.issueKey(active.partnerId(), ApiKey.Environment.sandbox, "wallets:write");
        Wallet wallet = payflow.wallets(writeOnly).createWallet(walletRequest("write-only"));

        com.google.rpc.Status noRead = assertGrpcError(() -> payflow.wallets(writeOnly).getWallet(GetWalletRequest.newBuilder()
                .setId(wallet.getId()).build()), Status.Code.PERMISSION_DENIED, "MISSING_PERMISSION");
        assertThat(noRead.getMessage()).contains("wallets:read");
        assertGrpcError(() -> payflow.wallets(writeOnly).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId(wallet.getId()).build()),
                Status.Code.PERMISSION_DENIED, "MISSING_PERMISSION");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", writeOnly, null), 403, "MISSING_PERMISSION");
        com.google.rpc.Status noMoney = assertGrpcError(() -> payflow.wallets(writeOnly).creditWallet(CreditWalletRequest.newBuilder()
                .setWalletId(wallet.getId()).setAmount("1.00").setCurrency("USD").setIdempotencyKey(UUID.randomUUID().toString()).build()),
                Status.Code.PERMISSION_DENIED, "MISSING_PERMISSION");
        assertThat(noMoney.getMessage()).contains("transactions:write");
        assertThat(payflow.wallets(active.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build()).getBalance())
                .isEqualTo("0.00");
    }

    // --- Request ids -------------------------------------------------------------------------

    @Test
    void everySuccessfulResponseCarriesAGeneratedRequestIdOverBothDoors() {
        TestServer.Rest listed = payflow.rest("GET", "/api/v1/wallets", active.sandboxKey(), null);
        Captured grpc = new Captured();
        grpc.stub(active.sandboxKey(), null).listWallets(ListWalletsRequest.getDefaultInstance());

        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).matches(GENERATED_REQUEST_ID));
        assertThat(grpc.requestIdHeader()).matches(GENERATED_REQUEST_ID);
        assertThat(payflow.rest("GET", "/api/v1/wallets", active.sandboxKey(), null).headers().firstValue("x-request-id"))
                .as("a new id per request").isNotEqualTo(listed.headers().firstValue("x-request-id"));
    }

    @Test
    void everyErrorCarriesItsRequestIdInTheHeaderAndInItsDetailsOverBothDoors() {
        TestServer.Rest unauthenticated = payflow.rest("GET", "/api/v1/wallets", null, null);
        TestServer.Rest notFound = payflow.rest("GET", "/api/v1/wallets/wal_" + "0".repeat(26), active.sandboxKey(), null);
        TestServer.Rest malformed = payflow.rest("POST", "/api/v1/wallets", active.sandboxKey(), "{\"name\":");
        TestServer.Rest noRoute = payflow.rest("GET", "/api/v1/purses", active.sandboxKey(), null);

        assertRestError(unauthenticated, 401, "MISSING_CREDENTIALS");
        assertRestError(notFound, 404, "WALLET_NOT_FOUND");
        assertRestError(malformed, 400, "MALFORMED_REQUEST");
        assertRestError(noRoute, 404, "ROUTE_NOT_FOUND");
        for (TestServer.Rest error : List.of(unauthenticated, notFound, malformed, noRoute)) {
            String requestId = error.headers().firstValue("x-request-id").orElseThrow();
            assertThat(requestId).matches(GENERATED_REQUEST_ID);
            assertThat(restRequestInfo(error.body())).as("RequestInfo in %s", error.body()).isEqualTo(requestId);
        }

        Captured refused = new Captured();
        com.google.rpc.Status status = assertGrpcError(() -> refused.stub(null, null).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "MISSING_CREDENTIALS");
        assertThat(refused.requestIdHeader()).matches(GENERATED_REQUEST_ID);
        assertThat(errorInfo(status).getMetadataOrThrow("requestId")).isEqualTo(refused.requestIdHeader());
        Captured missing = new Captured();
        StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class, () -> missing.stub(active.sandboxKey(), null)
                .getWallet(GetWalletRequest.newBuilder().setId("wal_" + "0".repeat(26)).build()));
        com.google.rpc.Status details = StatusProto.fromThrowable(failure);
        assertThat(errorInfo(details).getReason()).isEqualTo("WALLET_NOT_FOUND");
        assertThat(errorInfo(details).getMetadataOrThrow("requestId")).isEqualTo(missing.requestIdHeader()).matches(GENERATED_REQUEST_ID);
        assertThat(grpcRequestInfo(details)).isEqualTo(missing.requestIdHeader());
    }

    @Test
    void aCallersRequestIdIsEchoedAndNamedInTheErrorOverBothDoors() {
        String ours = "ticket-4711_retry.2:" + UUID.randomUUID();

        TestServer.Rest ok = payflow.rest("GET", "/api/v1/wallets", active.sandboxKey(), null, Map.of("x-request-id", ours));
        TestServer.Rest error = payflow.rest("GET", "/api/v1/wallets/wal_" + "0".repeat(26), active.sandboxKey(), null,
                Map.of("X-Request-Id", ours));
        TestServer.Rest unauthenticated = payflow.rest("GET", "/api/v1/wallets", "sk_test_nope", null, Map.of("x-request-id", ours));

        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.headers().allValues("x-request-id")).containsExactly(ours);
        assertRestError(error, 404, "WALLET_NOT_FOUND");
        assertThat(error.headers().allValues("x-request-id")).containsExactly(ours);
        assertRestError(unauthenticated, 401, "INVALID_API_KEY");
        assertThat(unauthenticated.headers().allValues("x-request-id")).containsExactly(ours);

        Captured grpcOk = new Captured();
        grpcOk.stub(active.sandboxKey(), ours).listWallets(ListWalletsRequest.getDefaultInstance());
        assertThat(grpcOk.requestIdHeader()).isEqualTo(ours);
        Captured grpcError = new Captured();
        com.google.rpc.Status status = assertGrpcError(() -> grpcError.stub(active.sandboxKey(), ours)
                .getWallet(GetWalletRequest.newBuilder().setId("wal_" + "0".repeat(26)).build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertThat(errorInfo(status).getMetadataOrThrow("requestId")).isEqualTo(ours);
        assertThat(grpcError.requestIdHeader()).isEqualTo(ours);
    }

    @Test
    void aRequestIdOfExactly128AllowedCharactersIsKept() {
        String longest = "a".repeat(128);

        TestServer.Rest ok = payflow.rest("GET", "/api/v1/wallets", active.sandboxKey(), null, Map.of("x-request-id", longest));

        assertThat(ok.headers().firstValue("x-request-id")).hasValue(longest);
    }

    @ParameterizedTest
    @ValueSource(strings = {"has spaces in it", "semi;colon", "quote\"d", "slash/ed", "<script>"})
    void anInvalidCallersRequestIdIsReplacedByAGeneratedOne(String invalid) {
        TestServer.Rest ok = payflow.rest("GET", "/api/v1/wallets", active.sandboxKey(), null, Map.of("x-request-id", invalid));
        TestServer.Rest error = payflow.rest("GET", "/api/v1/wallets", null, null, Map.of("x-request-id", invalid));
        Captured grpc = new Captured();
        com.google.rpc.Status status = assertGrpcError(() -> grpc.stub(null, invalid).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "MISSING_CREDENTIALS");

        assertThat(ok.headers().allValues("x-request-id")).hasSize(1);
        assertThat(ok.headers().allValues("x-request-id").get(0)).matches(GENERATED_REQUEST_ID);
        assertRestError(error, 401, "MISSING_CREDENTIALS");
        assertThat(error.headers().firstValue("x-request-id").orElseThrow()).matches(GENERATED_REQUEST_ID);
        assertThat(grpc.requestIdHeader()).matches(GENERATED_REQUEST_ID);
        assertThat(errorInfo(status).getMetadataOrThrow("requestId")).isEqualTo(grpc.requestIdHeader());
    }

    @Test
    void aRequestIdOf129Or200CharactersIsReplacedByAGeneratedOne() {
        for (String tooLong : List.of("b".repeat(129), "c".repeat(200))) {
            TestServer.Rest ok = payflow.rest("GET", "/api/v1/wallets", active.sandboxKey(), null, Map.of("x-request-id", tooLong));
            Captured grpc = new Captured();
            grpc.stub(active.sandboxKey(), tooLong).listWallets(ListWalletsRequest.getDefaultInstance());

            assertThat(ok.headers().firstValue("x-request-id").orElseThrow()).matches(GENERATED_REQUEST_ID);
            assertThat(grpc.requestIdHeader()).matches(GENERATED_REQUEST_ID);
        }
    }

    // --- Helpers -----------------------------------------------------------------------------

    /** A wallet stub that sends an optional key and request id and keeps the response headers and trailers. */
    private static final class Captured {
        private final AtomicReference<Metadata> headers = new AtomicReference<>();
        private final AtomicReference<Metadata> trailers = new AtomicReference<>();

        WalletServiceGrpc.WalletServiceBlockingStub stub(String key, String requestId) {
            Metadata sent = new Metadata();
            if (key != null) {
                sent.put(AUTHORIZATION, "Bearer " + key);
            }
            if (requestId != null) {
                sent.put(REQUEST_ID, requestId);
            }
            return WalletServiceGrpc.newBlockingStub(payflow.channel())
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
                            MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                    .withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        /** The x-request-id the server sent, in the headers or (for an error without headers) the trailers; all copies agree. */
        String requestIdHeader() {
            String fromHeaders = headers.get() == null ? null : headers.get().get(REQUEST_ID);
            String fromTrailers = trailers.get() == null ? null : trailers.get().get(REQUEST_ID);
            assertThat(fromHeaders != null || fromTrailers != null).as("x-request-id in headers or trailers").isTrue();
            if (fromHeaders != null && fromTrailers != null) {
                assertThat(fromTrailers).isEqualTo(fromHeaders);
            }
            return fromHeaders != null ? fromHeaders : fromTrailers;
        }
    }

    private static String restRequestInfo(JsonObject body) {
        for (JsonElement detail : body.getAsJsonArray("details")) {
            if (detail.getAsJsonObject().get("@type").getAsString().endsWith("google.rpc.RequestInfo")) {
                return detail.getAsJsonObject().get("requestId").getAsString();
            }
        }
        return null;
    }

    private static String grpcRequestInfo(com.google.rpc.Status status) {
        return status.getDetailsList().stream().filter(d -> d.is(RequestInfo.class)).findFirst().map(d -> {
            try {
                return d.unpack(RequestInfo.class).getRequestId();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }).orElse(null);
    }

    private static CreateWalletRequest walletRequest(String externalWalletId) {
        return CreateWalletRequest.newBuilder().setExternalUserId("user-1").setExternalWalletId(externalWalletId)
                .setName("Wallet " + externalWalletId).setCurrency("USD").build();
    }

    private static String walletJson(String externalWalletId) {
        JsonObject body = new JsonObject();
        body.addProperty("externalUserId", "user-1");
        body.addProperty("externalWalletId", externalWalletId);
        body.addProperty("name", "Wallet " + externalWalletId);
        body.addProperty("currency", "USD");
        return body.toString();
    }
}
