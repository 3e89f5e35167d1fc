package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.BatchCreateTransfersRequest;
import dev.payflow.proto.v1.BatchCreateTransfersResponse;
import dev.payflow.proto.v1.BatchTransferResult;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BatchCreateTransfers over both doors: independent members each with their own answer, atomic
 * batches all or none under their own key, keys repeated inside a batch, the size bound, partner
 * isolation, and the books balanced after every test.
 */
class BatchTransferTest {
    /** A well-formed wallet id that no wallet has. */
    private static final String UNKNOWN_WALLET_ID = "wal_" + "0".repeat(26);
    private static final Metadata.Key<String> IDEMPOTENCY_KEY_HEADER = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
    }

    @AfterEach
    void theBooksStillBalance() {
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Independent members -------------------------------------------------------------------------

    @Test
    void anIndependentBatchAnswersEachMemberOnItsOwnAndAFailureInTheMiddleDoesNotFailItsNeighbours() {
        Wallet rich = funded("100.00");
        Wallet poor = funded("1.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        CreateTransferRequest earlier = transfer(rich, to, "5.00");
        Transaction earlierTransaction = transfers().createTransfer(earlier);
        CreateTransferRequest tooMuch = transfer(poor, to, "2.00");
        CreateTransferRequest badAmount = transfer(rich, to, "1.001");

        BatchCreateTransfersResponse answer = transfers().batchCreateTransfers(batch(false,
                transfer(rich, to, "10.00"), earlier, tooMuch, badAmount, transfer(rich, to, "20.00")));

        assertThat(answer.getCommitted()).isTrue();
        assertThat(answer.getFailedIndex()).isEqualTo(-1);
        assertThat(answer.getResultsList()).extracting(BatchTransferResult::getIndex).containsExactly(0, 1, 2, 3, 4);
        assertThat(answer.getResultsList()).extracting(BatchTransferResult::getStatus).containsExactly(BatchTransferResult.Status.created,
                BatchTransferResult.Status.replayed, BatchTransferResult.Status.failed, BatchTransferResult.Status.failed,
                BatchTransferResult.Status.created);
        assertThat(answer.getResults(1).getTransaction().getId()).as("the replay answers the original").isEqualTo(earlierTransaction.getId());
        assertThat(answer.getResults(2).getError().getReason()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(answer.getResults(2).getError().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
        assertThat(answer.getResults(3).getError().getReason()).isEqualTo("INVALID_AMOUNT");
        assertThat(answer.getResults(3).getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(answer.getResults(3).hasTransaction()).isFalse();
        assertThat(answer.getResults(0).getTransaction().getAmount()).isEqualTo("10.00");
        assertThat(answer.getResults(4).getTransaction().getType()).isEqualTo(Transaction.Type.transfer);
        assertThat(balanceOf(rich)).isEqualTo("65.00");
        assertThat(balanceOf(poor)).isEqualTo("1.00");
        assertThat(balanceOf(to)).isEqualTo("35.00");

        // A ledger rule consumed the refused member's key, as with CreateTransfer; validation did not consume the other's.
        assertGrpcError(() -> transfers().createTransfer(tooMuch), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        Transaction later = transfers().createTransfer(badAmount.toBuilder().setAmount("1.00").build());
        assertThat(later.getIdempotencyKey()).isEqualTo(badAmount.getIdempotencyKey());
    }

    @Test
    void retryingAnIndependentBatchReplaysEveryMemberAndMovesNoMoney() {
        Wallet from = funded("50.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        BatchCreateTransfersRequest request = batch(false, transfer(from, to, "1.00"), transfer(from, to, "2.00"), transfer(from, to, "3.00"));

        BatchCreateTransfersResponse first = transfers().batchCreateTransfers(request);
        BatchCreateTransfersResponse again = transfers().batchCreateTransfers(request);

        assertThat(first.getResultsList()).extracting(BatchTransferResult::getStatus).containsOnly(BatchTransferResult.Status.created);
        assertThat(again.getResultsList()).extracting(BatchTransferResult::getStatus).containsOnly(BatchTransferResult.Status.replayed);
        assertThat(again.getResultsList()).extracting(r -> r.getTransaction().getId())
                .containsExactlyElementsOf(first.getResultsList().stream().map(r -> r.getTransaction().getId()).toList());
        assertThat(balanceOf(from)).isEqualTo("44.00");
    }

    @Test
    void aBatchLargerThanOneTransactionBooksEveryMemberOnce() {
        // 120 members: two of the engine's transactions of at most 100 (LedgerEngine.EACH_CHUNK_SIZE_MAX).
        List<Wallet> wallets = IntStream.range(0, 4).mapToObj(i -> funded("10.00")).toList();
        List<CreateTransferRequest> members = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            members.add(transfer(wallets.get(i % 4), wallets.get((i + 1) % 4), "0.01"));
        }

        BatchCreateTransfersResponse answer = transfers().batchCreateTransfers(BatchCreateTransfersRequest.newBuilder()
                .addAllTransfers(members).build());

        assertThat(answer.getResultsList()).hasSize(120);
        assertThat(answer.getResultsList()).extracting(BatchTransferResult::getStatus).containsOnly(BatchTransferResult.Status.created);
        assertThat(answer.getResultsList()).extracting(r -> r.getTransaction().getIdempotencyKey())
                .containsExactlyElementsOf(members.stream().map(CreateTransferRequest::getIdempotencyKey).toList());
        assertThat(answer.getResultsList()).extracting(r -> r.getTransaction().getId()).doesNotHaveDuplicates();
        // Each wallet sent and received thirty cents: every balance is back where it started.
        assertThat(wallets).extracting(BatchTransferTest::balanceOf).containsOnly("10.00");
    }

    // --- Keys repeated inside one batch -------------------------------------------------------------

    @Test
    void aKeyRepeatedWithTheSameParametersIsOneTransferAnsweredTwiceInBothKindsOfBatch() {
        Wallet from = funded("20.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        CreateTransferRequest once = transfer(from, to, "3.00");
        CreateTransferRequest atomicOnce = transfer(from, to, "4.00");

        BatchCreateTransfersResponse independent = transfers().batchCreateTransfers(batch(false, once, once));
        BatchCreateTransfersResponse atomic = transfers().batchCreateTransfers(batch(true, atomicOnce, atomicOnce));

        for (BatchCreateTransfersResponse answer : List.of(independent, atomic)) {
            assertThat(answer.getCommitted()).isTrue();
            assertThat(answer.getResultsList()).extracting(BatchTransferResult::getStatus)
                    .containsExactly(BatchTransferResult.Status.created, BatchTransferResult.Status.replayed);
            assertThat(answer.getResults(1).getTransaction().getId()).isEqualTo(answer.getResults(0).getTransaction().getId());
        }
        assertThat(balanceOf(from)).as("3.00 and 4.00 moved once each").isEqualTo("13.00");
    }

    @Test
    void aKeyRepeatedWithOtherParametersIsRefusedAsReusedForTheLaterMember() {
        Wallet from = funded("20.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        CreateTransferRequest first = transfer(from, to, "3.00");
        CreateTransferRequest other = first.toBuilder().setAmount("5.00").build();

        BatchCreateTransfersResponse independent = transfers().batchCreateTransfers(batch(false, first, other));
        CreateTransferRequest atomicFirst = transfer(from, to, "1.00");
        BatchCreateTransfersResponse atomic = transfers().batchCreateTransfers(batch(true, atomicFirst,
                atomicFirst.toBuilder().setAmount("2.00").build()));

        assertThat(independent.getResultsList()).extracting(BatchTransferResult::getStatus)
                .containsExactly(BatchTransferResult.Status.created, BatchTransferResult.Status.failed);
        assertThat(independent.getResults(1).getError().getReason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(atomic.getCommitted()).isFalse();
        assertThat(atomic.getFailedIndex()).isEqualTo(1);
        assertThat(atomic.getResults(1).getError().getReason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(atomic.getResults(0).getStatus()).isEqualTo(BatchTransferResult.Status.not_applied);
        assertThat(balanceOf(from)).as("only the independent batch's first member moved money").isEqualTo("17.00");
    }

    // --- Atomic batches ------------------------------------------------------------------------------

    @Test
    void anAtomicBatchBooksEveryMemberInTheOrderSentAndItsReplayAnswersTheSame() {
        Wallet a = funded("10.00");
        Wallet b = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet c = payflow.newWallet(partner.sandboxKey(), "USD");
        // The second member spends what the first brings: only the order sent makes it possible.
        BatchCreateTransfersRequest request = batch(true, transfer(a, b, "10.00"), transfer(b, c, "10.00"));

        BatchCreateTransfersResponse answer = transfers().batchCreateTransfers(request);
        BatchCreateTransfersResponse replay = transfers().batchCreateTransfers(request);

        assertThat(answer.getCommitted()).isTrue();
        assertThat(answer.getFailedIndex()).isEqualTo(-1);
        assertThat(answer.getResultsList()).extracting(BatchTransferResult::getStatus).containsOnly(BatchTransferResult.Status.created);
        assertThat(replay).as("the batch key answers as the batch did").isEqualTo(answer);
        assertThat(List.of(balanceOf(a), balanceOf(b), balanceOf(c))).containsExactly("0.00", "0.00", "10.00");
    }

    @Test
    void anAtomicBatchWithOneRefusedMemberBooksNothingClaimsNoMemberKeyAndSaysWhichFailed() {
        Wallet from = funded("10.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        CreateTransferRequest fine = transfer(from, to, "4.00");
        CreateTransferRequest tooMuch = transfer(from, to, "7.00");
        CreateTransferRequest last = transfer(from, to, "1.00");
        BatchCreateTransfersRequest request = batch(true, fine, tooMuch, last);

        BatchCreateTransfersResponse answer = transfers().batchCreateTransfers(request);

        assertThat(answer.getCommitted()).isFalse();
        assertThat(answer.getFailedIndex()).isEqualTo(1);
        assertThat(answer.getResultsList()).extracting(BatchTransferResult::getStatus).containsExactly(BatchTransferResult.Status.not_applied,
                BatchTransferResult.Status.failed, BatchTransferResult.Status.not_applied);
        assertThat(answer.getResults(1).getError().getReason()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(answer.getResults(1).getError().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
        assertThat(answer.getResults(1).getError().getMessage()).isNotBlank();
        assertThat(balanceOf(from)).isEqualTo("10.00");
        assertThat(balanceOf(to)).isEqualTo("0.00");

        // The batch key recorded the failure: funded now, the replay still answers as the batch did.
        payflow.credit(partner.sandboxKey(), from.getId(), "100.00", "USD");
        assertThat(transfers().batchCreateTransfers(request)).isEqualTo(answer);
        assertThat(balanceOf(from)).isEqualTo("110.00");
        // No member key was consumed: each still books as a transfer of its own.
        assertThat(List.of(fine, tooMuch, last)).allSatisfy(member ->
                assertThat(transfers().createTransfer(member).getIdempotencyKey()).isEqualTo(member.getIdempotencyKey()));
        assertThat(balanceOf(from)).isEqualTo("98.00");
    }

    @Test
    void anAtomicBatchWithAnInvalidMemberConsumesNeitherItsKeyNorAnyMembers() {
        Wallet from = funded("10.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        CreateTransferRequest fine = transfer(from, to, "1.00");
        CreateTransferRequest noKey = transfer(from, to, "1.00").toBuilder().clearIdempotencyKey().build();
        String batchKey = newIdempotencyKey();

        BatchCreateTransfersResponse refused = transfers().batchCreateTransfers(batch(true, fine, noKey).toBuilder()
                .setIdempotencyKey(batchKey).build());
        BatchCreateTransfersResponse corrected = transfers().batchCreateTransfers(batch(true, fine, transfer(from, to, "2.00")).toBuilder()
                .setIdempotencyKey(batchKey).build());

        assertThat(refused.getCommitted()).isFalse();
        assertThat(refused.getFailedIndex()).isEqualTo(1);
        assertThat(refused.getResults(1).getError().getReason()).isEqualTo("IDEMPOTENCY_KEY_MISSING");
        assertThat(corrected.getCommitted()).as("the batch key was not consumed by a refusal before anything was recorded").isTrue();
        assertThat(balanceOf(from)).isEqualTo("7.00");
    }

    @Test
    void theBatchKeyWithOtherMembersIsReusedAndMayComeInTheHeader() {
        Wallet from = funded("10.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        String batchKey = newIdempotencyKey();
        Metadata header = new Metadata();
        header.put(IDEMPOTENCY_KEY_HEADER, batchKey);
        TransferServiceGrpc.TransferServiceBlockingStub withHeader = transfers().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(header));

        BatchCreateTransfersResponse booked = withHeader.batchCreateTransfers(batch(true, transfer(from, to, "1.00")).toBuilder()
                .clearIdempotencyKey().build());

        assertThat(booked.getCommitted()).isTrue();
        assertGrpcError(() -> withHeader.batchCreateTransfers(batch(true, transfer(from, to, "2.00")).toBuilder().clearIdempotencyKey().build()),
                Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED");
        assertThat(balanceOf(from)).isEqualTo("9.00");
    }

    @Test
    void anAtomicBatchNeedsAKeyOfItsOwnAndAnIndependentOneRecordsNone() {
        Wallet from = funded("10.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        String ignored = newIdempotencyKey();

        assertGrpcError(() -> transfers().batchCreateTransfers(batch(true, transfer(from, to, "1.00")).toBuilder().clearIdempotencyKey().build()),
                Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_MISSING");
        BatchCreateTransfersResponse first = transfers().batchCreateTransfers(batch(false, transfer(from, to, "1.00")).toBuilder()
                .setIdempotencyKey(ignored).build());
        BatchCreateTransfersResponse second = transfers().batchCreateTransfers(batch(false, transfer(from, to, "2.00")).toBuilder()
                .setIdempotencyKey(ignored).build());

        assertThat(List.of(first, second)).extracting(answer -> answer.getResults(0).getStatus()).containsOnly(BatchTransferResult.Status.created);
        assertThat(balanceOf(from)).as("the same batch key on other members is no reuse: it was not recorded").isEqualTo("7.00");
    }

    // --- Bounds --------------------------------------------------------------------------------------

    @Test
    void aBatchOfAThousandIsAnsweredMemberByMember() {
        Wallet from = funded("10.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        BatchCreateTransfersRequest.Builder thousand = BatchCreateTransfersRequest.newBuilder();
        // Refused by validation, so the test is about the bound, not the booking (aBatchLargerThanOneTransaction... books).
        for (int i = 0; i < 1_000; i++) {
            thousand.addTransfers(transfer(from, to, "0.001"));
        }

        BatchCreateTransfersResponse answer = transfers().batchCreateTransfers(thousand.build());

        assertThat(answer.getResultsList()).hasSize(1_000);
        assertThat(answer.getResultsList()).extracting(r -> r.getError().getReason()).containsOnly("INVALID_AMOUNT");
        assertThat(answer.getResults(999).getIndex()).isEqualTo(999);
        assertThat(balanceOf(from)).isEqualTo("10.00");
    }

    @Test
    void aBatchOfMoreThanAThousandOrOfNoneIsRefusedOverBothDoors() {
        Wallet from = funded("10.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        BatchCreateTransfersRequest.Builder tooMany = BatchCreateTransfersRequest.newBuilder();
        JsonArray tooManyJson = new JsonArray();
        for (int i = 0; i < 1_001; i++) {
            CreateTransferRequest member = transfer(from, to, "0.01");
            tooMany.addTransfers(member);
            tooManyJson.add(json(member));
        }
        JsonObject body = new JsonObject();
        body.add("transfers", tooManyJson);

        assertGrpcError(() -> transfers().batchCreateTransfers(tooMany.build()), Status.Code.INVALID_ARGUMENT, "BATCH_TOO_LARGE");
        assertRestError(payflow.rest("POST", "/api/v1/transfers/batch", partner.sandboxKey(), body.toString()), 400, "BATCH_TOO_LARGE");
        assertGrpcError(() -> transfers().batchCreateTransfers(BatchCreateTransfersRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertThat(balanceOf(from)).isEqualTo("10.00");
    }

    // --- Partner isolation ---------------------------------------------------------------------------

    @Test
    void anotherPartnersWalletInABatchIsAnsweredExactlyLikeAWalletThatDoesNotExist() {
        Wallet mine = funded("10.00");
        Wallet theirs = payflow.newWallet(otherPartner.sandboxKey(), "USD");
        payflow.credit(otherPartner.sandboxKey(), theirs.getId(), "10.00", "USD");

        BatchCreateTransfersResponse independent = transfers().batchCreateTransfers(batch(false, transfer(mine, theirs, "1.00"),
                transfer(mine, UNKNOWN_WALLET_ID, "1.00"), transfer(theirs.getId(), mine.getId(), "1.00")));
        BatchCreateTransfersResponse atomic = transfers().batchCreateTransfers(batch(true, transfer(mine, theirs, "1.00")));

        assertThat(independent.getResultsList()).extracting(r -> r.getError().getReason()).containsOnly("WALLET_NOT_FOUND");
        assertThat(independent.getResultsList()).extracting(r -> r.getError().getCode()).containsOnly(Status.Code.NOT_FOUND.value());
        assertThat(independent.getResults(0).getError().getMessage().replace(theirs.getId(), "<id>"))
                .isEqualTo(independent.getResults(1).getError().getMessage().replace(UNKNOWN_WALLET_ID, "<id>"));
        assertThat(atomic.getCommitted()).isFalse();
        assertThat(atomic.getResults(0).getError().getReason()).isEqualTo("WALLET_NOT_FOUND");
        assertThat(balanceOf(mine)).isEqualTo("10.00");
        assertThat(payflow.balanceOf(otherPartner.sandboxKey(), theirs.getId())).isEqualTo("10.00");
    }

    // --- REST ----------------------------------------------------------------------------------------

    @Test
    void overRestABatchAnswersEachMemberWithItsStatusWordAndItsErrorAsStatusFields() {
        Wallet from = funded("10.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        JsonArray members = new JsonArray();
        members.add(json(transfer(from, to, "2.00")));
        members.add(json(transfer(from, to, "50.00")));
        JsonObject body = new JsonObject();
        body.add("transfers", members);

        TestServer.Rest answer = payflow.rest("POST", "/api/v1/transfers/batch", partner.sandboxKey(), body.toString());

        assertThat(answer.status()).as("HTTP status of %s", answer.body()).isEqualTo(200);
        assertThat(answer.body().get("committed").getAsBoolean()).isTrue();
        JsonArray results = answer.body().getAsJsonArray("results");
        assertThat(results.get(0).getAsJsonObject().get("status").getAsString()).isEqualTo("created");
        assertThat(results.get(0).getAsJsonObject().getAsJsonObject("transaction").get("amount").getAsString()).isEqualTo("2.00");
        JsonObject refused = results.get(1).getAsJsonObject();
        assertThat(refused.get("status").getAsString()).isEqualTo("failed");
        assertThat(refused.get("index").getAsInt()).isEqualTo(1);
        assertThat(refused.getAsJsonObject("error").get("code").getAsInt()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
        assertThat(refused.getAsJsonObject("error").get("reason").getAsString()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(balanceOf(from)).isEqualTo("8.00");
    }

    // --- Helpers -------------------------------------------------------------------------------------

    private static BatchCreateTransfersRequest batch(boolean atomic, CreateTransferRequest... members) {
        BatchCreateTransfersRequest.Builder batch = BatchCreateTransfersRequest.newBuilder().setAtomic(atomic).addAllTransfers(List.of(members));
        if (atomic) {
            batch.setIdempotencyKey(newIdempotencyKey());
        }
        return batch.build();
    }

    private static CreateTransferRequest transfer(Wallet from, Wallet to, String amount) {
        return transfer(from.getId(), to.getId(), amount);
    }

    private static CreateTransferRequest transfer(Wallet from, String toWalletId, String amount) {
        return transfer(from.getId(), toWalletId, amount);
    }

    private static CreateTransferRequest transfer(String fromWalletId, String toWalletId, String amount) {
        return CreateTransferRequest.newBuilder().setFromWalletId(fromWalletId).setToWalletId(toWalletId).setAmount(amount)
                .setCurrency("USD").setIdempotencyKey(newIdempotencyKey()).build();
    }

    private static JsonObject json(CreateTransferRequest member) {
        JsonObject object = new JsonObject();
        Map.of("fromWalletId", member.getFromWalletId(), "toWalletId", member.getToWalletId(), "amount", member.getAmount(),
                "currency", member.getCurrency(), "idempotencyKey", member.getIdempotencyKey()).forEach(object::addProperty);
        return object;
    }

    private static Wallet funded(String amount) {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), amount, "USD");
        return wallet;
    }

    private static TransferServiceGrpc.TransferServiceBlockingStub transfers() {
        return payflow.transfers(partner.sandboxKey());
    }

    private static String balanceOf(Wallet wallet) {
        return payflow.balanceOf(partner.sandboxKey(), wallet.getId());
    }
}
