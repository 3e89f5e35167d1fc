package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePartnerRequest;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Card numbers are refused in every free-text field a partner writes (names, descriptions,
 * metadata) and as a payment's token, with CARD_DATA_NOT_ACCEPTED, before anything is recorded
 * (the idempotency key stays unused), and the number reaches neither the answer nor the log.
 */
class CardDataRefusalTest {
    /** Stripe's test Visa, written as people write it. */
    private static final String CARD = "4242 4242 4242 4242";
    private static final String CARD_DIGITS = "4242424242424242";
    private static final String REASON = "CARD_DATA_NOT_ACCEPTED";

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static Wallet wallet;
    private static Wallet other;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream standardError;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        other = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "10.00", "USD");
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    /** The service logs to standard error (slf4j-simple): keep printing it, and keep a copy to search. */
    @BeforeEach
    void copyTheLog() {
        standardError = System.err;
        System.setErr(new PrintStream(new TeeStream(standardError, log), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreTheLogAndCheckItHoldsNoCardNumber() {
        System.setErr(standardError);
        assertThat(log.toString(StandardCharsets.UTF_8)).as("the log").doesNotContain(CARD).doesNotContain(CARD_DIGITS);
    }

    @Test
    void aWalletNamedWithACardNumberIsRefusedAndNotCreated() {
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("card-user")
                .setExternalWalletId("w").setName("Card " + CARD).setCurrency("USD").build()), Status.Code.INVALID_ARGUMENT, REASON);
        assertRestError(payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(),
                "{\"externalUserId\": \"card-user\", \"externalWalletId\": \"w\", \"name\": \"" + CARD_DIGITS + "\", \"currency\": \"USD\"}"),
                400, REASON);

        assertThat(payflow.allWallets(partner.sandboxKey(), "card-user")).as("nothing was stored").isEmpty();
    }

    @Test
    void renamingAWalletToACardNumberOrPuttingOneInItsMetadataIsRefused() {
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(wallet.getId())
                .setName(CARD_DIGITS).build()), Status.Code.INVALID_ARGUMENT, REASON);
        assertRestError(payflow.rest("PATCH", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(),
                "{\"metadata\": {\"backup\": {\"pan\": \"" + CARD + "\"}}}"), 400, REASON);

        Wallet unchanged = payflow.wallets(partner.sandboxKey()).getWallet(dev.payflow.proto.v1.GetWalletRequest.newBuilder()
                .setId(wallet.getId()).build());
        assertThat(unchanged.getName()).isEqualTo(wallet.getName());
        assertThat(unchanged.getMetadata()).isEqualTo(wallet.getMetadata());
    }

    @Test
    void aCreditWithACardNumberInItsDescriptionOrMetadataIsRefusedWithoutUsingItsKey() {
        String key = newIdempotencyKey();
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("1.00").setCurrency("USD").setDescription("paid with " + CARD).setIdempotencyKey(key).build()),
                Status.Code.INVALID_ARGUMENT, REASON);
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("1.00").setCurrency("USD").setMetadata(metadata("card", CARD_DIGITS)).setIdempotencyKey(key).build()),
                Status.Code.INVALID_ARGUMENT, REASON);

        payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("1.00")
                .setCurrency("USD").setDescription("order 4242").setIdempotencyKey(key).build());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).as("the refused credits left the key unused").isEqualTo("11.00");
    }

    @Test
    void aTransferDescribedWithACardNumberIsRefused() {
        assertRestError(payflow.rest("POST", "/api/v1/transfers", partner.sandboxKey(), "{\"fromWalletId\": \"" + wallet.getId()
                + "\", \"toWalletId\": \"" + other.getId() + "\", \"amount\": \"1.00\", \"currency\": \"USD\", \"description\": \"" + CARD
                + "\", \"idempotencyKey\": \"" + newIdempotencyKey() + "\"}"), 400, REASON);
        assertGrpcError(() -> payflow.transfers(partner.sandboxKey()).createTransfer(CreateTransferRequest.newBuilder()
                .setFromWalletId(wallet.getId()).setToWalletId(other.getId()).setAmount("1.00").setCurrency("USD")
                .setMetadata(metadata("n", CARD)).setIdempotencyKey(newIdempotencyKey()).build()), Status.Code.INVALID_ARGUMENT, REASON);

        assertThat(payflow.balanceOf(partner.sandboxKey(), other.getId())).isEqualTo("0.00");
    }

    @Test
    void aCardNumberGivenAsAPaymentMethodOrInAPaymentsDescriptionIsRefusedWithoutUsingTheKey() {
        String key = newIdempotencyKey();
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(payment(key).setPaymentMethod(CARD_DIGITS).build()),
                Status.Code.INVALID_ARGUMENT, REASON);
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(payment(key).setDescription(CARD).build()),
                Status.Code.INVALID_ARGUMENT, REASON);
        assertRestError(payflow.rest("POST", "/api/v1/payments", partner.sandboxKey(), "{\"amount\": \"5.00\", \"currency\": \"USD\", "
                + "\"paymentMethod\": \"pm_card_visa\", \"metadata\": {\"cardNumber\": \"" + CARD + "\"}, \"idempotencyKey\": \"" + key + "\"}"),
                400, REASON);

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(payment(key).build());
        assertThat(payment.getStatus()).as("the key was still free").isEqualTo(Payment.Status.succeeded);
    }

    @Test
    void aPartnerNamedWithACardNumberIsRefusedByTheAdminApi() {
        assertGrpcError(() -> payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("Card " + CARD).setCompanyName("C Inc")
                .setEmail("card@partner.example").build()), Status.Code.INVALID_ARGUMENT, REASON);
    }

    @Test
    void idsAmountsAndNumbersThatAreNoCardNumbersPass() {
        Wallet wallet = payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder()
                .setExternalUserId(CARD_DIGITS).setExternalWalletId("4242424242424241").setName("Order 4242 4242 4242 4241")
                .setCurrency("USD").setMetadata(metadata("order", "12345678901234567890")).build());

        assertThat(wallet.getExternalUserId()).as("ids are not scanned").isEqualTo(CARD_DIGITS);
        assertThat(wallet.getName()).as("not Luhn-valid").isEqualTo("Order 4242 4242 4242 4241");
    }

    private static CreatePaymentRequest.Builder payment(String key) {
        return CreatePaymentRequest.newBuilder().setAmount("5.00").setCurrency("USD").setPaymentMethod("pm_card_visa").setIdempotencyKey(key);
    }

    private static Struct metadata(String key, String value) {
        return Struct.newBuilder().putFields(key, Value.newBuilder().setStringValue(value).build()).build();
    }

    /** Writes to two streams. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        TeeStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            first.write(bytes, offset, length);
            second.write(bytes, offset, length);
        }
    }
}
