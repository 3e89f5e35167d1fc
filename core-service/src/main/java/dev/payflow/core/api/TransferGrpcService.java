package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.app.MoneyMovement;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.GetTransferRequest;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import io.grpc.stub.StreamObserver;

/** payflow.v1.TransferService. */
final class TransferGrpcService extends TransferServiceGrpc.TransferServiceImplBase {
    private final MoneyMovement money;
    private final LedgerQueries ledger;

    TransferGrpcService(MoneyMovement money, LedgerQueries ledger) {
        this.money = money;
        this.ledger = ledger;
    }

    @Override
    public void createTransfer(CreateTransferRequest request, StreamObserver<Transaction> response) {
        reply(response, ProtoMapping.transaction(money.transfer(CallContext.scope(), new MoneyMovement.Transfer(
                request.getFromWalletId(), request.getToWalletId(), request.getAmount(), request.getCurrency(), request.getDescription(),
                request.getIdempotencyKey(), CallContext.idempotencyKeyHeader(), ProtoMapping.metadata(request.getMetadata())))));
    }

    @Override
    public void getTransfer(GetTransferRequest request, StreamObserver<Transaction> response) {
        reply(response, ProtoMapping.transaction(ledger.transfer(CallContext.scope(), request.getId())));
    }
}
