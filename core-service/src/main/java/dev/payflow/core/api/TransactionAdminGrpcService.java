package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.proto.v1.ListPartnerTransactionsRequest;
import dev.payflow.proto.v1.ListPartnerTransactionsResponse;
import dev.payflow.proto.v1.LookupTransactionRequest;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransactionAdminServiceGrpc;
import io.grpc.stub.StreamObserver;

/** payflow.v1.TransactionAdminService: operators read any partner's transactions. */
final class TransactionAdminGrpcService extends TransactionAdminServiceGrpc.TransactionAdminServiceImplBase {
    private final LedgerQueries ledger;
    private final PartnerAdministration partners;

    TransactionAdminGrpcService(LedgerQueries ledger, PartnerAdministration partners) {
        this.ledger = ledger;
        this.partners = partners;
    }

    @Override
    public void lookupTransaction(LookupTransactionRequest request, StreamObserver<Transaction> response) {
        reply(response, ProtoMapping.transaction(ledger.transactionOfAnyPartner(request.getId())));
    }

    @Override
    public void listPartnerTransactions(ListPartnerTransactionsRequest request, StreamObserver<ListPartnerTransactionsResponse> response) {
        // The partner must exist (PARTNER_NOT_FOUND, INVALID_ID), so an empty list never hides a typo.
        String partnerId = partners.get(request.getPartnerId()).id();
        Page<LedgerTransaction> page = ledger.partnerTransactions(new PartnerScope(partnerId, request.getLivemode()), request.getWalletId(),
                ProtoMapping.domainEnum(request.getType(), TransactionType.class, "type"),
                ProtoMapping.domainEnum(request.getStatus(), TransactionStatus.class, "status"), request.getPageSize(), request.getPageToken());
        reply(response, ListPartnerTransactionsResponse.newBuilder()
                .addAllTransactions(page.items().stream().map(ProtoMapping::transaction).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }
}
