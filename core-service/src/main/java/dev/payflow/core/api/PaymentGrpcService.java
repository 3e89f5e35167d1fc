package dev.payflow.core.api;

import dev.payflow.core.app.Payments;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PaymentStatus;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.proto.v1.CancelPaymentRequest;
import dev.payflow.proto.v1.CapturePaymentRequest;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.GetPaymentConfigRequest;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.ListPaymentsRequest;
import dev.payflow.proto.v1.ListPaymentsResponse;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.PaymentConfig;
import dev.payflow.proto.v1.PaymentServiceGrpc;
import dev.payflow.proto.v1.Refund;
import dev.payflow.proto.v1.RefundPaymentRequest;
import io.grpc.stub.StreamObserver;

/** payflow.v1.PaymentService. Capture, cancel and refund are in the contract and not built yet. */
final class PaymentGrpcService extends PaymentServiceGrpc.PaymentServiceImplBase {
    private final Payments payments;
    private final dev.payflow.core.app.PaymentMethods paymentMethods;

    PaymentGrpcService(Payments payments, dev.payflow.core.app.PaymentMethods paymentMethods) {
        this.payments = payments;
        this.paymentMethods = paymentMethods;
    }

    @Override
    public void createPayment(CreatePaymentRequest request, StreamObserver<Payment> response) {
        String paymentMethod = request.getPaymentMethod();
        String customer = request.getCustomer();
        String provider = request.getProvider();
        if (!request.getPaymentMethodId().isEmpty()) {
            // Our payment method stands for its token and customer.
            if (!paymentMethod.isEmpty()) {
                throw dev.payflow.core.domain.PayflowException.of(dev.payflow.core.domain.ErrorReason.INVALID_FIELD,
                        "paymentMethod and paymentMethodId: name one of them, not both");
            }
            dev.payflow.core.domain.PaymentMethod method = paymentMethods.usable(CallContext.scope(), request.getPaymentMethodId());
            paymentMethod = method.providerToken();
            customer = customer.isEmpty() ? method.customer().orElse("") : customer;
            if (!provider.isEmpty() && !provider.equals(method.provider())) {
                // A token is charged only by the provider that keeps it.
                throw dev.payflow.core.domain.PayflowException.of(dev.payflow.core.domain.ErrorReason.INVALID_FIELD,
                        "provider: %s, but payment method %s is kept by %s", provider, method.id(), method.provider());
            }
            if (provider.isEmpty() && method.provider().equals("paypal")) {
                // Not named, a Stripe method goes to the mode's default as it always did (the fingerprint unchanged); a PayPal one to PayPal.
                provider = method.provider();
            }
        }
        Payments.CreateTerms terms = Payments.CreateTerms.of(request.getAmount(), request.getCurrency(), paymentMethod,
                customer, request.getReturnUrl(), request.getDescription(), request.getWalletId(),
                !request.hasCapture() || request.getCapture(), ProtoMapping.metadata(request.getMetadata()), request.getConnectedAccountId()).withProvider(provider);
        reply(response, payments.create(CallContext.scope(), terms, IdempotencyKeys.resolve(request.getIdempotencyKey()), requestId()));
    }

    @Override
    public void getPaymentConfig(GetPaymentConfigRequest request, StreamObserver<PaymentConfig> response) {
        PartnerScope scope = CallContext.scope();
        Payments.ProviderConfig config = payments.config(scope);
        WalletGrpcService.reply(response, PaymentConfig.newBuilder().setProvider(config.provider()).setPublishableKey(config.publishableKey())
                .setLivemode(scope.livemode()).build());
    }

    @Override
    public void getPayment(GetPaymentRequest request, StreamObserver<Payment> response) {
        reply(response, payments.get(CallContext.scope(), request.getId()));
    }

    @Override
    public void listPayments(ListPaymentsRequest request, StreamObserver<ListPaymentsResponse> response) {
        java.util.Optional<PaymentStatus> status = request.getStatus().isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(status(request.getStatus()));
        Page<dev.payflow.core.domain.Payment> page = payments.list(CallContext.scope(), status, request.getWalletId(), request.getPageSize(),
                request.getPageToken());
        WalletGrpcService.reply(response, ListPaymentsResponse.newBuilder()
                .addAllPayments(page.items().stream().map(this::mapped).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void capturePayment(CapturePaymentRequest request, StreamObserver<Payment> response) {
        String id = dev.payflow.core.domain.Ids.require(request.getId(), dev.payflow.core.domain.IdPrefix.PAYMENT, "id");
        if (!request.getAmount().isEmpty()) {
            throw dev.payflow.core.domain.PayflowException.of(dev.payflow.core.domain.ErrorReason.INVALID_FIELD,
                    "amount: partial captures are not supported yet; leave it out to capture the whole payment");
        }
        reply(response, payments.capture(CallContext.scope(), id, IdempotencyKeys.resolve(request.getIdempotencyKey()), requestId()));
    }

    @Override
    public void cancelPayment(CancelPaymentRequest request, StreamObserver<Payment> response) {
        String id = dev.payflow.core.domain.Ids.require(request.getId(), dev.payflow.core.domain.IdPrefix.PAYMENT, "id");
        reply(response, payments.cancel(CallContext.scope(), id, IdempotencyKeys.resolve(request.getIdempotencyKey()), requestId()));
    }

    @Override
    public void refundPayment(RefundPaymentRequest request, StreamObserver<Refund> response) {
        String id = dev.payflow.core.domain.Ids.require(request.getId(), dev.payflow.core.domain.IdPrefix.PAYMENT, "id");
        WalletGrpcService.reply(response, ProtoMapping.refund(payments.refund(CallContext.scope(), id, request.getAmount(), request.getReason(),
                IdempotencyKeys.resolve(request.getIdempotencyKey()), requestId())));
    }

    /** A payment as partners see it: with its refunds. */
    private void reply(StreamObserver<Payment> response, dev.payflow.core.domain.Payment payment) {
        WalletGrpcService.reply(response, mapped(payment));
    }

    /** A payment with its refunds, disputes and, if it is routed, its connected account and the platform's fee. */
    private Payment mapped(dev.payflow.core.domain.Payment payment) {
        return mapped(payments, payment);
    }

    /** As {@link #mapped(dev.payflow.core.domain.Payment)}, for the operators' service too. */
    static Payment mapped(Payments payments, dev.payflow.core.domain.Payment payment) {
        Payment mapped = ProtoMapping.payment(payment, payments.refundsOf(payment), payments.disputesOf(payment));
        return payments.routeOf(payment).map(route -> mapped.toBuilder().setConnectedAccountId(route.connectedAccountId())
                .setPlatformFee(route.platformFee().format()).build()).orElse(mapped);
    }

    static PaymentStatus status(String text) {
        for (PaymentStatus status : PaymentStatus.values()) {
            if (status.wireName().equals(text)) {
                return status;
            }
        }
        throw dev.payflow.core.domain.PayflowException.of(dev.payflow.core.domain.ErrorReason.INVALID_FIELD,
                "status: unknown value (expected one of pending, requires_action, requires_capture, processing, succeeded, failed, cancelled, "
                        + "refunded, partially_refunded)");
    }

    static String requestId() {
        String id = CallContext.REQUEST_ID.get();
        return id == null ? "" : id;
    }
}
