package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.app.MovementTerms;
import dev.payflow.core.app.TransferBatches;
import dev.payflow.core.app.Transfers;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.proto.v1.BatchCreateTransfersRequest;
import dev.payflow.proto.v1.BatchCreateTransfersResponse;
import dev.payflow.proto.v1.BatchTransferError;
import dev.payflow.proto.v1.BatchTransferResult;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.GetTransferRequest;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** payflow.v1.TransferService. */
final class TransferGrpcService extends TransferServiceGrpc.TransferServiceImplBase {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TransferGrpcService.class);
    private final Transfers transfers;
    private final LedgerQueries ledger;

    TransferGrpcService(Transfers transfers, LedgerQueries ledger) {
        this.transfers = transfers;
        this.ledger = ledger;
    }

    @Override
    public void createTransfer(CreateTransferRequest request, StreamObserver<Transaction> response) {
        MovementTerms.Between terms = new MovementTerms.Between(request.getFromWalletId(), request.getToWalletId(), request.getAmount(),
                request.getCurrency(), request.getDescription(), ProtoMapping.metadata(request.getMetadata()));
        reply(response, ProtoMapping.transaction(transfers.transfer(CallContext.scope(), terms, IdempotencyKeys.resolve(request.getIdempotencyKey()))));
    }

    @Override
    public void getTransfer(GetTransferRequest request, StreamObserver<Transaction> response) {
        reply(response, ProtoMapping.transaction(ledger.transfer(CallContext.scope(), request.getId())));
    }

    @Override
    public void batchCreateTransfers(BatchCreateTransfersRequest request, StreamObserver<BatchCreateTransfersResponse> response) {
        TransferBatches.requireSize(request.getTransfersCount());
        List<TransferBatches.Member> members = request.getTransfersList().stream().map(TransferGrpcService::member).toList();
        TransferBatches.Answer answer = request.getAtomic()
                ? transfers.batches().atomic(CallContext.scope(), IdempotencyKeys.resolve(request.getIdempotencyKey()), members)
                // A batch key on an independent batch is not recorded (the SDKs send one with every money-moving call): the
                // members' own keys already make a retry of the whole batch safe, each member then answering as replayed.
                : transfers.batches().independent(CallContext.scope(), members);
        reply(response, batchResponse(answer));
    }

    private static TransferBatches.Member member(CreateTransferRequest transfer) {
        return new TransferBatches.Member(transfer.getFromWalletId(), transfer.getToWalletId(), transfer.getAmount(), transfer.getCurrency(),
                transfer.getDescription(), ProtoMapping.metadata(transfer.getMetadata()), transfer.getIdempotencyKey());
    }

    private static BatchCreateTransfersResponse batchResponse(TransferBatches.Answer answer) {
        BatchCreateTransfersResponse.Builder built = BatchCreateTransfersResponse.newBuilder()
                .setCommitted(answer.committed())
                .setFailedIndex(answer.failedIndex());
        for (TransferBatches.MemberResult result : answer.results()) {
            BatchTransferResult.Builder member = BatchTransferResult.newBuilder()
                    .setIndex(result.index())
                    .setStatus(switch (result.status()) {
                        case CREATED -> BatchTransferResult.Status.created;
                        case REPLAYED -> BatchTransferResult.Status.replayed;
                        case FAILED -> BatchTransferResult.Status.failed;
                        case NOT_APPLIED -> BatchTransferResult.Status.not_applied;
                    });
            result.transaction().ifPresent(t -> member.setTransaction(ProtoMapping.transaction(t)));
            result.error().ifPresent(e -> member.setError(error(e)));
            built.addResults(member);
        }
        return built.build();
    }

    /** A member's failure as the caller would see it alone: the code and reason of its google.rpc.Status, never internals. */
    private static BatchTransferError error(RuntimeException failure) {
        PayflowException classified = ErrorStatuses.classify(failure);
        if (classified != failure) {
            // Logged once here, as the interceptor would for a call of its own; the caller sees no internals.
            LOG.warn("a member of BatchCreateTransfers failed (request {})", CallContext.REQUEST_ID.get(), failure);
        }
        return BatchTransferError.newBuilder()
                .setCode(ErrorStatuses.code(classified.reason()).value())
                .setReason(classified.reason().name())
                .setMessage(classified.getMessage())
                .build();
    }
}
