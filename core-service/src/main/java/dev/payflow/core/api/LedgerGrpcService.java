package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.proto.v1.GetTransactionRequest;
import dev.payflow.proto.v1.LedgerServiceGrpc;
import dev.payflow.proto.v1.ListLedgerEntriesRequest;
import dev.payflow.proto.v1.ListLedgerEntriesResponse;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.ListWalletTransactionsResponse;
import dev.payflow.proto.v1.Transaction;
import io.grpc.stub.StreamObserver;

/** payflow.v1.LedgerService. */
final class LedgerGrpcService extends LedgerServiceGrpc.LedgerServiceImplBase {
    private final LedgerQueries ledger;

    LedgerGrpcService(LedgerQueries ledger) {
        this.ledger = ledger;
    }

    @Override
    public void listWalletTransactions(ListWalletTransactionsRequest request, StreamObserver<ListWalletTransactionsResponse> response) {
        LedgerRepository.TransactionFilter filter = new LedgerRepository.TransactionFilter(
                ProtoMapping.domainEnum(request.getType(), TransactionType.class, "type"),
                ProtoMapping.domainEnum(request.getStatus(), TransactionStatus.class, "status"),
                ProtoMapping.instant(request.hasCreatedAfter(), request.getCreatedAfter(), "createdAfter"),
                ProtoMapping.instant(request.hasCreatedBefore(), request.getCreatedBefore(), "createdBefore"));
        Page<LedgerTransaction> page = ledger.walletTransactions(CallContext.scope(), request.getWalletId(), filter, request.getPageSize(),
                request.getPageToken());
        reply(response, ListWalletTransactionsResponse.newBuilder()
                .addAllTransactions(page.items().stream().map(ProtoMapping::transaction).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void getTransaction(GetTransactionRequest request, StreamObserver<Transaction> response) {
        reply(response, ProtoMapping.transaction(ledger.transaction(CallContext.scope(), request.getId())));
    }

    @Override
    public void listLedgerEntries(ListLedgerEntriesRequest request, StreamObserver<ListLedgerEntriesResponse> response) {
        Page<LedgerTransaction.WalletEntry> page = ledger.walletEntries(CallContext.scope(), request.getWalletId(), request.getPageSize(),
                request.getPageToken());
        reply(response, ListLedgerEntriesResponse.newBuilder()
                .addAllLedgerEntries(page.items().stream().map(ProtoMapping::ledgerEntry).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }
}
