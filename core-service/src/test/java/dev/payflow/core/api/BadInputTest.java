package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePartnerRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Input that used to get past validation and fail inside the database, answering 500 after the
 * idempotency key was claimed and the wallets locked. Each is refused up front now, with
 * INVALID_FIELD, and consumes nothing.
 */
class BadInputTest {
    /** The first second of the year 10000: PostgreSQL and RFC 3339 stop at 9999-12-31. */
    private static final long YEAR_10000_SECONDS = 253_402_300_800L;

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static Wallet wallet;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        wallet = payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                .setExternalWalletId("w").setName("w").setCurrency("USD").build());
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void metadataWithANulCharacterIsRefusedBeforeTheKeyIsClaimed() {
        String key = "nul-" + UUID.randomUUID();
        Struct nul = Struct.newBuilder().putFields("note", Value.newBuilder().setStringValue("a\u0000b").build()).build();

        assertGrpcError(() -> credit(key, nul), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                "{\"amount\": \"1.00\", \"currency\": \"USD\", \"idempotencyKey\": \"" + key + "\", \"metadata\": {\"note\": \"a\\u0000b\"}}"),
                400, "INVALID_FIELD");

        credit(key, Struct.getDefaultInstance());
        assertThat(balance()).as("the refused requests left the key unused").isEqualTo("1.00");
    }

    @Test
    void aNulCharacterInAMetadataKeyOfAWalletOrPartnerIsRefused() {
        Struct nulKey = Struct.newBuilder().putFields("a\u0000", Value.newBuilder().setBoolValue(true).build()).build();

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                .setExternalWalletId("nul-key").setName("n").setCurrency("USD").setMetadata(nulKey).build()), Status.Code.INVALID_ARGUMENT,
                "INVALID_FIELD");
        assertGrpcError(() -> payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("N").setCompanyName("N Inc")
                .setEmail("nul@partner.example").setMetadata(nulKey).build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    @Test
    void aMetadataNumberThatIsNotFiniteIsRefused() {
        for (double notFinite : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            Struct metadata = Struct.newBuilder().putFields("n", Value.newBuilder().setNumberValue(notFinite).build()).build();

            assertGrpcError(() -> credit("nan-" + UUID.randomUUID(), metadata), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        }
    }

    @Test
    void aTimestampOutsideTheYears1To9999IsRefused() {
        Timestamp tooLate = Timestamp.newBuilder().setSeconds(YEAR_10000_SECONDS).build();
        Timestamp badNanos = Timestamp.newBuilder().setSeconds(0).setNanos(-1).build();

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder()
                .setId(wallet.getId()).setAsOf(tooLate).build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder()
                .setWalletId(wallet.getId()).setCreatedAfter(tooLate).build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder()
                .setWalletId(wallet.getId()).setCreatedBefore(badNanos).build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    private static void credit(String key, Struct metadata) {
        payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("1.00")
                .setCurrency("USD").setIdempotencyKey(key).setMetadata(metadata).build());
    }

    private static String balance() {
        return payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build()).getBalance();
    }
}
