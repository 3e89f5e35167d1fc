package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.Payouts;
import dev.payflow.core.domain.AcrossPartners;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.Payout;
import dev.payflow.core.domain.PayoutStatus;
import dev.payflow.proto.v1.ListAllPayoutsRequest;
import dev.payflow.proto.v1.ListAllPayoutsResponse;
import dev.payflow.proto.v1.LookupPayoutRequest;
import dev.payflow.proto.v1.PartnerPayout;
import dev.payflow.proto.v1.PayoutAdminServiceGrpc;
import io.grpc.stub.StreamObserver;

/** payflow.v1.PayoutAdminService: operators read any partner's payouts. */
final class PayoutAdminGrpcService extends PayoutAdminServiceGrpc.PayoutAdminServiceImplBase {
    private final Payouts payouts;
    private final PartnerAdministration partners;

    PayoutAdminGrpcService(Payouts payouts, PartnerAdministration partners) {
        this.payouts = payouts;
        this.partners = partners;
    }

    @Override
    public void listAllPayouts(ListAllPayoutsRequest request, StreamObserver<ListAllPayoutsResponse> response) {
        AcrossPartners across = new AcrossPartners(PaymentAdminGrpcService.partner(partners, request.getPartnerId()),
                AcrossPartners.livemode(request.getEnvironment()),
                ProtoMapping.instant(request.hasCreatedFrom(), request.getCreatedFrom(), "createdFrom"),
                ProtoMapping.instant(request.hasCreatedTo(), request.getCreatedTo(), "createdTo"));
        Page<Payout> page = payouts.listAcrossPartners(across, ProtoMapping.domainEnum(request.getStatus(), PayoutStatus.class, "status"),
                AcrossPartners.provider(request.getProvider()), request.getPageSize(), request.getPageToken());
        reply(response, ListAllPayoutsResponse.newBuilder()
                .addAllPayouts(page.items().stream().map(PayoutAdminGrpcService::mapped).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void lookupPayout(LookupPayoutRequest request, StreamObserver<PartnerPayout> response) {
        reply(response, mapped(payouts.getOfAnyPartner(request.getId())));
    }

    private static PartnerPayout mapped(Payout payout) {
        return PartnerPayout.newBuilder().setPartnerId(payout.scope().partnerId()).setPayout(PayoutMapping.payout(payout)).build();
    }
}
