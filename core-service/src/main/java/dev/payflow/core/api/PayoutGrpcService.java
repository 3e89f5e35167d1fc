package dev.payflow.core.api;

import dev.payflow.core.app.Payouts;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PayoutStatus;
import dev.payflow.proto.v1.CancelPayoutRequest;
import dev.payflow.proto.v1.CreatePayoutRequest;
import dev.payflow.proto.v1.GetPayoutRequest;
import dev.payflow.proto.v1.ListPayoutsRequest;
import dev.payflow.proto.v1.ListPayoutsResponse;
import dev.payflow.proto.v1.Payout;
import dev.payflow.proto.v1.PayoutServiceGrpc;
import io.grpc.stub.StreamObserver;

/** payflow.v1.PayoutService. */
final class PayoutGrpcService extends PayoutServiceGrpc.PayoutServiceImplBase {
    private final Payouts payouts;

    PayoutGrpcService(Payouts payouts) {
        this.payouts = payouts;
    }

    @Override
    public void createPayout(CreatePayoutRequest request, StreamObserver<Payout> response) {
        Payouts.CreateTerms terms = Payouts.CreateTerms.of(request.getWalletId(), request.getAmount(), request.getCurrency(),
                request.getDescription(), request.hasDestination(), request.getDestination().getConnectedAccountId(),
                request.getDestination().getExternalUserId(), ProtoMapping.metadata(request.getMetadata()));
        WalletGrpcService.reply(response, PayoutMapping.payout(payouts.create(CallContext.scope(), terms,
                IdempotencyKeys.resolve(request.getIdempotencyKey()), PaymentGrpcService.requestId())));
    }

    @Override
    public void listPayouts(ListPayoutsRequest request, StreamObserver<ListPayoutsResponse> response) {
        Page<dev.payflow.core.domain.Payout> page = payouts.list(CallContext.scope(),
                ProtoMapping.domainEnum(request.getStatus(), PayoutStatus.class, "status"), request.getWalletId(),
                ProtoMapping.instant(request.hasCreatedFrom(), request.getCreatedFrom(), "createdFrom"),
                ProtoMapping.instant(request.hasCreatedTo(), request.getCreatedTo(), "createdTo"), request.getPageSize(), request.getPageToken());
        WalletGrpcService.reply(response, ListPayoutsResponse.newBuilder()
                .addAllPayouts(page.items().stream().map(PayoutMapping::payout).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void getPayout(GetPayoutRequest request, StreamObserver<Payout> response) {
        WalletGrpcService.reply(response, PayoutMapping.payout(payouts.get(CallContext.scope(), request.getId())));
    }

    @Override
    public void cancelPayout(CancelPayoutRequest request, StreamObserver<Payout> response) {
        WalletGrpcService.reply(response, PayoutMapping.payout(payouts.cancel(CallContext.scope(), request.getId(),
                PaymentGrpcService.requestId())));
    }
}
