package dev.payflow.core.console;

import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.payflow.core.testing.ConsoleSessions;
import dev.payflow.core.testing.ConsoleSessions.Session;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Four-eyes adjustments: proposed by one operator, approved or rejected by another, booked through the ledger. */
class AdjustmentTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static Session proposer;
    private static Session approver;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        String proposerEmail = "proposer-" + UUID.randomUUID() + "@payflow.test";
        String approverEmail = "approver-" + UUID.randomUUID() + "@payflow.test";
        ConsoleSessions.createOperator(payflow, proposerEmail, "operator", PASSWORD);
        ConsoleSessions.createOperator(payflow, approverEmail, "operator", PASSWORD);
        proposer = ConsoleSessions.signIn(payflow, proposerEmail, PASSWORD);
        approver = ConsoleSessions.signIn(payflow, approverEmail, PASSWORD);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    private static String proposal(String walletId, String amount, String direction, String key) {
        return "{\"walletId\": \"" + walletId + "\", \"amount\": \"" + amount + "\", \"currency\": \"USD\", \"direction\": \"" + direction
                + "\", \"reason\": \"duplicate charge refunded by hand\", \"idempotencyKey\": \"" + key + "\"}";
    }

    private static JsonObject propose(String walletId, String amount, String direction) {
        TestServer.Rest proposed = proposer.call(payflow, "POST", "/api/admin/adjustments", proposal(walletId, amount, direction,
                UUID.randomUUID().toString()));
        assertThat(proposed.status()).as(proposed.body().toString()).isEqualTo(200);
        return proposed.body();
    }

    @Test
    void anApprovedCreditIsBookedAsAnAdjustmentThatThePartnerSeesInTheWalletsStatement() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        JsonObject proposed = propose(wallet.getId(), "12.50", "credit");
        assertThat(proposed.get("status").getAsString()).isEqualTo("proposed");
        assertThat(proposed.get("proposedBy").getAsString()).isEqualTo(proposer.operatorId());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).as("nothing moves on a proposal").isEqualTo("0.00");

        TestServer.Rest approved = approver.call(payflow, "POST", "/api/admin/adjustments/" + proposed.get("id").getAsString() + "/approve",
                "{}");

        assertThat(approved.status()).as(approved.body().toString()).isEqualTo(200);
        assertThat(approved.body().get("status").getAsString()).isEqualTo("booked");
        assertThat(approved.body().get("decidedBy").getAsString()).isEqualTo(approver.operatorId());
        String transactionId = approved.body().get("transactionId").getAsString();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("12.50");
        TestServer.Rest statement = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/transactions", partner.sandboxKey(), null);
        JsonObject transaction = statement.body().getAsJsonArray("transactions").get(0).getAsJsonObject();
        assertThat(transaction.get("id").getAsString()).isEqualTo(transactionId);
        assertThat(transaction.get("type").getAsString()).isEqualTo("adjustment");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void theProposerCannotApproveOrRejectItsOwnAdjustment() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String id = propose(wallet.getId(), "1.00", "credit").get("id").getAsString();

        assertRestError(proposer.call(payflow, "POST", "/api/admin/adjustments/" + id + "/approve", "{}"), 403, "FOUR_EYES_REQUIRED");
        assertRestError(proposer.call(payflow, "POST", "/api/admin/adjustments/" + id + "/reject", "{\"reason\": \"mine\"}"), 403,
                "FOUR_EYES_REQUIRED");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aDebitBeyondTheBalanceFailsWithTheLedgersReasonAndMovesNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "5.00", "USD");
        String id = propose(wallet.getId(), "8.00", "debit").get("id").getAsString();

        TestServer.Rest approved = approver.call(payflow, "POST", "/api/admin/adjustments/" + id + "/approve", "{}");

        assertThat(approved.body().get("status").getAsString()).isEqualTo("failed");
        assertThat(approved.body().get("failureReason").getAsString()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(approved.body().get("transactionId").getAsString()).isEmpty();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("5.00");
        // Approving again answers the same, and books nothing.
        assertThat(approver.call(payflow, "POST", "/api/admin/adjustments/" + id + "/approve", "{}").body().get("status").getAsString())
                .isEqualTo("failed");
    }

    @Test
    void approvingTwiceBooksOnce() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String id = propose(wallet.getId(), "3.00", "credit").get("id").getAsString();

        String first = approver.call(payflow, "POST", "/api/admin/adjustments/" + id + "/approve", "{}").body().get("transactionId").getAsString();
        String second = payflow.rest("POST", "/api/admin/adjustments/" + id + "/approve", TestServer.ADMIN_TOKEN, "{}").body()
                .get("transactionId").getAsString();

        assertThat(second).isEqualTo(first);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("3.00");
    }

    @Test
    void theSameProposalKeyReturnsTheSameAdjustmentAndOtherTermsAreRefused() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = UUID.randomUUID().toString();
        String first = proposer.call(payflow, "POST", "/api/admin/adjustments", proposal(wallet.getId(), "2.00", "credit", key)).body()
                .get("id").getAsString();

        assertThat(proposer.call(payflow, "POST", "/api/admin/adjustments", proposal(wallet.getId(), "2.00", "credit", key)).body()
                .get("id").getAsString()).isEqualTo(first);
        assertRestError(proposer.call(payflow, "POST", "/api/admin/adjustments", proposal(wallet.getId(), "9.00", "credit", key)), 400,
                "IDEMPOTENCY_KEY_REUSED");
    }

    @Test
    void aRejectedAdjustmentBooksNothingAndCannotBeApprovedLater() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String id = propose(wallet.getId(), "4.00", "credit").get("id").getAsString();

        TestServer.Rest rejected = approver.call(payflow, "POST", "/api/admin/adjustments/" + id + "/reject", "{\"reason\": \"no evidence\"}");

        assertThat(rejected.body().get("status").getAsString()).isEqualTo("rejected");
        assertRestError(approver.call(payflow, "POST", "/api/admin/adjustments/" + id + "/approve", "{}"), 400, "INVALID_STATUS_TRANSITION");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void anOperatorFreezesAndUnfreezesAnyPartnersWalletWithAReasonAndMoneyStopsMeanwhile() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String path = "/api/admin/wallets/" + wallet.getId();
        assertThat(approver.call(payflow, "GET", path, null).body().get("partnerId").getAsString()).isEqualTo(partner.partnerId());
        assertRestError(approver.call(payflow, "PATCH", path + "/status", "{\"status\": \"frozen\"}"), 400, "MISSING_FIELD");
        assertRestError(approver.call(payflow, "PATCH", path + "/status", "{\"status\": \"closed\", \"reason\": \"r\"}"), 400, "INVALID_FIELD");

        TestServer.Rest frozen = approver.call(payflow, "PATCH", path + "/status", "{\"status\": \"frozen\", \"reason\": \"court order 12\"}");

        assertThat(frozen.body().get("status").getAsString()).isEqualTo("frozen");
        TestServer.Rest credit = payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                "{\"amount\": \"1.00\", \"currency\": \"USD\", \"idempotencyKey\": \"" + UUID.randomUUID() + "\"}");
        assertRestError(credit, 400, "WALLET_FROZEN");
        assertThat(approver.call(payflow, "PATCH", path + "/status", "{\"status\": \"active\", \"reason\": \"order lifted\"}").body()
                .get("status").getAsString()).isEqualTo("active");
        JsonObject record = payflow.rest("GET", "/api/admin/audit-log?target=" + wallet.getId(), TestServer.ADMIN_TOKEN, null).body()
                .getAsJsonArray("records").get(1).getAsJsonObject();
        assertThat(record.get("reason").getAsString()).isEqualTo("court order 12");
        assertThat(record.get("before").getAsString()).contains("\"status\":\"active\"");
        assertThat(record.get("after").getAsString()).contains("\"status\":\"frozen\"");
        assertRestError(payflow.rest("GET", "/api/admin/wallets/wal_" + "0".repeat(26), TestServer.ADMIN_TOKEN, null), 404, "WALLET_NOT_FOUND");
    }

    @Test
    void bothOperatorsAreInTheAuditTrailAndAViewerCannotPropose() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String id = propose(wallet.getId(), "6.00", "credit").get("id").getAsString();
        approver.call(payflow, "POST", "/api/admin/adjustments/" + id + "/approve", "{\"reason\": \"ticket 4711\"}");

        TestServer.Rest trail = payflow.rest("GET", "/api/admin/audit-log?target=" + id, TestServer.ADMIN_TOKEN, null);
        assertThat(trail.body().getAsJsonArray("records")).hasSize(2);
        JsonObject approval = trail.body().getAsJsonArray("records").get(0).getAsJsonObject();
        JsonObject proposal = trail.body().getAsJsonArray("records").get(1).getAsJsonObject();
        assertThat(approval.get("actorId").getAsString()).isEqualTo(approver.operatorId());
        assertThat(approval.get("reason").getAsString()).isEqualTo("ticket 4711");
        assertThat(approval.get("before").getAsString()).contains("\"status\":\"proposed\"");
        assertThat(approval.get("after").getAsString()).contains("\"status\":\"booked\"");
        assertThat(proposal.get("actorId").getAsString()).isEqualTo(proposer.operatorId());
        assertThat(proposal.get("action").getAsString()).isEqualTo("AdjustmentService.ProposeAdjustment");

        String viewerEmail = "viewer-" + UUID.randomUUID() + "@payflow.test";
        ConsoleSessions.createOperator(payflow, viewerEmail, "viewer", PASSWORD);
        Session viewer = ConsoleSessions.signIn(payflow, viewerEmail, PASSWORD);
        assertRestError(viewer.call(payflow, "POST", "/api/admin/adjustments", proposal(wallet.getId(), "1.00", "credit", "v-1")), 403,
                "MISSING_PERMISSION");
    }
}
