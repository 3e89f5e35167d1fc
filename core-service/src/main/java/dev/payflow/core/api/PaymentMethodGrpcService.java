package dev.payflow.core.api;

import dev.payflow.core.app.PaymentMethods;
import dev.payflow.core.domain.Page;
import dev.payflow.proto.v1.BillingDetails;
import dev.payflow.proto.v1.CreatePaymentMethodRequest;
import dev.payflow.proto.v1.DeletePaymentMethodRequest;
import dev.payflow.proto.v1.GetPaymentMethodRequest;
import dev.payflow.proto.v1.ListPaymentMethodsRequest;
import dev.payflow.proto.v1.ListPaymentMethodsResponse;
import dev.payflow.proto.v1.PaymentMethod;
import dev.payflow.proto.v1.PaymentMethodServiceGrpc;
import dev.payflow.proto.v1.UpdatePaymentMethodRequest;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.PaymentMethodService: a partner's users' provider tokens. */
final class PaymentMethodGrpcService extends PaymentMethodServiceGrpc.PaymentMethodServiceImplBase {
    private final PaymentMethods methods;

    PaymentMethodGrpcService(PaymentMethods methods) {
        this.methods = methods;
    }

    @Override
    public void createPaymentMethod(CreatePaymentMethodRequest request, StreamObserver<PaymentMethod> response) {
        PaymentMethods.AttachTerms terms = PaymentMethods.AttachTerms.of(request.getProvider(), request.getProviderToken(),
                request.getCustomer(), request.getExternalUserId(), billingDetails(request.getBillingDetails()),
                ProtoMapping.metadata(request.getMetadata()));
        WalletGrpcService.reply(response, paymentMethod(methods.attach(CallContext.scope(), terms)));
    }

    @Override
    public void getPaymentMethod(GetPaymentMethodRequest request, StreamObserver<PaymentMethod> response) {
        WalletGrpcService.reply(response, paymentMethod(methods.get(CallContext.scope(), request.getId())));
    }

    @Override
    public void listPaymentMethods(ListPaymentMethodsRequest request, StreamObserver<ListPaymentMethodsResponse> response) {
        Page<dev.payflow.core.domain.PaymentMethod> page = methods.list(CallContext.scope(), request.getExternalUserId(), request.getType(),
                request.getPageSize(), request.getPageToken());
        WalletGrpcService.reply(response, ListPaymentMethodsResponse.newBuilder()
                .addAllPaymentMethods(page.items().stream().map(PaymentMethodGrpcService::paymentMethod).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void updatePaymentMethod(UpdatePaymentMethodRequest request, StreamObserver<PaymentMethod> response) {
        WalletGrpcService.reply(response, paymentMethod(methods.update(CallContext.scope(), request.getId(),
                request.hasBillingDetails() ? Optional.of(billingDetails(request.getBillingDetails())) : Optional.empty(),
                request.hasMetadata() ? Optional.of(ProtoMapping.metadata(request.getMetadata())) : Optional.empty())));
    }

    @Override
    public void deletePaymentMethod(DeletePaymentMethodRequest request, StreamObserver<PaymentMethod> response) {
        WalletGrpcService.reply(response, paymentMethod(methods.detach(CallContext.scope(), request.getId())));
    }

    /** The details as sent; validated by the use case, in its order of precedence. */
    private static dev.payflow.core.domain.PaymentMethod.BillingDetails billingDetails(BillingDetails details) {
        return new dev.payflow.core.domain.PaymentMethod.BillingDetails(details.getName(), details.getEmail(), details.getPhone(),
                details.getPostalCode(), details.getCountry());
    }

    static PaymentMethod paymentMethod(dev.payflow.core.domain.PaymentMethod m) {
        PaymentMethod.Builder out = PaymentMethod.newBuilder()
                .setId(m.id())
                .setType(m.type())
                .setVerification(m.verification())
                .setProvider(m.provider())
                .setCustomer(m.customer().orElse(""))
                .setExternalUserId(m.externalUserId().orElse(""))
                .setStatus(m.status().wireName())
                .setBillingDetails(BillingDetails.newBuilder().setName(m.billingDetails().name()).setEmail(m.billingDetails().email())
                        .setPhone(m.billingDetails().phone()).setPostalCode(m.billingDetails().postalCode())
                        .setCountry(m.billingDetails().country()))
                .setMetadata(ProtoMapping.struct(m.metadataJson()))
                .setLivemode(m.scope().livemode())
                .setCreatedAt(ProtoMapping.timestamp(m.createdAt()))
                .setUpdatedAt(ProtoMapping.timestamp(m.updatedAt()));
        m.card().ifPresent(card -> out.setCard(PaymentMethod.Card.newBuilder().setBrand(card.brand()).setLast4(card.last4())
                .setExpMonth(card.expMonth()).setExpYear(card.expYear())));
        return out.build();
    }
}
