package dev.payflow.core.api;

import dev.payflow.core.app.Credits;
import dev.payflow.core.app.Debits;
import dev.payflow.core.app.MovementTerms;
import dev.payflow.core.app.Payments;
import dev.payflow.core.app.WalletManagement;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletByExternalIdRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.ListWalletsResponse;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletBalance;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.WalletService: maps requests to use-case commands and results back. */
final class WalletGrpcService extends WalletServiceGrpc.WalletServiceImplBase {
    private final WalletManagement wallets;
    private final Credits credits;
    private final Debits debits;
    private final Payments payments;

    WalletGrpcService(WalletManagement wallets, Credits credits, Debits debits, Payments payments) {
        this.wallets = wallets;
        this.credits = credits;
        this.debits = debits;
        this.payments = payments;
    }

    @Override
    public void createWallet(CreateWalletRequest request, StreamObserver<Wallet> response) {
        dev.payflow.core.domain.Wallet created = wallets.create(CallContext.scope(), new WalletManagement.CreateWallet(
                request.getExternalUserId(), request.getExternalWalletId(), request.getName(), request.getCurrency(),
                ProtoMapping.metadata(request.getMetadata())));
        reply(response, ProtoMapping.wallet(created));
    }

    @Override
    public void listWallets(ListWalletsRequest request, StreamObserver<ListWalletsResponse> response) {
        Optional<String> externalUserId = request.getExternalUserId().isEmpty() ? Optional.empty() : Optional.of(request.getExternalUserId());
        Page<dev.payflow.core.domain.Wallet> page = wallets.list(CallContext.scope(), request.getPageSize(), request.getPageToken(),
                externalUserId, ProtoMapping.domainEnum(request.getStatus(), WalletStatus.class, "status"));
        reply(response, ListWalletsResponse.newBuilder()
                .addAllWallets(page.items().stream().map(ProtoMapping::wallet).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void getWallet(GetWalletRequest request, StreamObserver<Wallet> response) {
        reply(response, ProtoMapping.wallet(wallets.get(CallContext.scope(), request.getId())));
    }

    @Override
    public void updateWallet(UpdateWalletRequest request, StreamObserver<Wallet> response) {
        dev.payflow.core.domain.Wallet updated = wallets.update(CallContext.scope(), new WalletManagement.UpdateWallet(
                request.getId(),
                request.hasName() ? Optional.of(request.getName()) : Optional.empty(),
                request.hasMetadata() ? Optional.of(ProtoMapping.metadata(request.getMetadata())) : Optional.empty(),
                request.hasStatus() ? ProtoMapping.domainEnum(request.getStatus(), WalletStatus.class, "status") : Optional.empty()));
        reply(response, ProtoMapping.wallet(updated));
    }

    @Override
    public void getWalletByExternalId(GetWalletByExternalIdRequest request, StreamObserver<Wallet> response) {
        reply(response, ProtoMapping.wallet(wallets.getByExternalId(CallContext.scope(), request.getExternalId())));
    }

    @Override
    public void getWalletBalance(GetWalletBalanceRequest request, StreamObserver<WalletBalance> response) {
        reply(response, ProtoMapping.balance(wallets.balance(CallContext.scope(), request.getId(),
                ProtoMapping.instant(request.hasAsOf(), request.getAsOf(), "asOf"))));
    }

    // The terms are built (and validated) before the key is resolved: key errors rank below field errors.

    @Override
    public void creditWallet(CreditWalletRequest request, StreamObserver<Transaction> response) {
        MovementTerms.OnWallet terms = new MovementTerms.OnWallet(request.getWalletId(), request.getAmount(), request.getCurrency(),
                request.getDescription(), ProtoMapping.metadata(request.getMetadata()));
        if (!request.getPaymentMethod().isEmpty()) {
            // A credit with a payment method is a payment that funds this wallet.
            Payments.CreateTerms payment = Payments.CreateTerms.forCredit(terms, request.getPaymentMethod());
            dev.payflow.core.domain.Payment created = payments.create(CallContext.scope(), payment,
                    IdempotencyKeys.resolve(request.getIdempotencyKey()), PaymentGrpcService.requestId());
            reply(response, ProtoMapping.creditThroughPayment(created, payments.bookedTransaction(created)));
            return;
        }
        reply(response, ProtoMapping.transaction(credits.credit(CallContext.scope(), terms, IdempotencyKeys.resolve(request.getIdempotencyKey()))));
    }

    @Override
    public void debitWallet(DebitWalletRequest request, StreamObserver<Transaction> response) {
        MovementTerms.OnWallet terms = new MovementTerms.OnWallet(request.getWalletId(), request.getAmount(), request.getCurrency(),
                request.getDescription(), ProtoMapping.metadata(request.getMetadata()));
        reply(response, ProtoMapping.transaction(debits.debit(CallContext.scope(), terms, IdempotencyKeys.resolve(request.getIdempotencyKey()))));
    }

    static <T> void reply(StreamObserver<T> response, T message) {
        response.onNext(message);
        response.onCompleted();
    }
}
