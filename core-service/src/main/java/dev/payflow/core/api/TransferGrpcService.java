package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.app.MovementTerms;
import dev.payflow.core.app.Transfers;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.GetTransferRequest;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import io.grpc.stub.StreamObserver;

/** payflow.v1.TransferService. */
final class TransferGrpcService extends TransferServiceGrpc.TransferServiceImplBase {
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
}
