package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.Payments;
import dev.payflow.core.domain.AcrossPartners;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PaymentStatus;
import dev.payflow.proto.v1.ListAllPaymentsRequest;
import dev.payflow.proto.v1.ListAllPaymentsResponse;
import dev.payflow.proto.v1.LookupPaymentRequest;
import dev.payflow.proto.v1.PartnerPayment;
import dev.payflow.proto.v1.PaymentAdminServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.PaymentAdminService: operators read any partner's payments. */
final class PaymentAdminGrpcService extends PaymentAdminServiceGrpc.PaymentAdminServiceImplBase {
    private final Payments payments;
    private final PartnerAdministration partners;

    PaymentAdminGrpcService(Payments payments, PartnerAdministration partners) {
        this.payments = payments;
        this.partners = partners;
    }

    @Override
    public void listAllPayments(ListAllPaymentsRequest request, StreamObserver<ListAllPaymentsResponse> response) {
        AcrossPartners across = new AcrossPartners(partner(partners, request.getPartnerId()), AcrossPartners.livemode(request.getEnvironment()),
                ProtoMapping.instant(request.hasCreatedFrom(), request.getCreatedFrom(), "createdFrom"),
                ProtoMapping.instant(request.hasCreatedTo(), request.getCreatedTo(), "createdTo"));
        Optional<PaymentStatus> status = request.getStatus().isEmpty() ? Optional.empty() : Optional.of(PaymentGrpcService.status(request.getStatus()));
        Page<Payment> page = payments.listAcrossPartners(across, status, AcrossPartners.provider(request.getProvider()), request.getPageSize(),
                request.getPageToken());
        reply(response, ListAllPaymentsResponse.newBuilder()
                .addAllPayments(page.items().stream().map(this::mapped).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void lookupPayment(LookupPaymentRequest request, StreamObserver<PartnerPayment> response) {
        reply(response, mapped(payments.getOfAnyPartner(request.getId())));
    }

    private PartnerPayment mapped(Payment payment) {
        return PartnerPayment.newBuilder().setPartnerId(payment.scope().partnerId()).setPayment(PaymentGrpcService.mapped(payments, payment)).build();
    }

    /** An optional partner filter, which must name a partner (PARTNER_NOT_FOUND, INVALID_ID), so an empty list never hides a typo. */
    static Optional<String> partner(PartnerAdministration partners, String partnerId) {
        return partnerId.isEmpty() ? Optional.empty() : Optional.of(partners.get(partnerId).id());
    }
}
