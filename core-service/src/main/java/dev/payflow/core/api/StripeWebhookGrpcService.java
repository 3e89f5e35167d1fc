package dev.payflow.core.api;

import com.google.api.HttpBody;
import com.google.protobuf.Empty;
import dev.payflow.core.app.StripeWebhooks;
import dev.payflow.proto.v1.StripeWebhookServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.StripeWebhookService: the raw body and the Stripe-Signature header, handed to the use case untouched. */
final class StripeWebhookGrpcService extends StripeWebhookServiceGrpc.StripeWebhookServiceImplBase {
    private final StripeWebhooks webhooks;

    StripeWebhookGrpcService(StripeWebhooks webhooks) {
        this.webhooks = webhooks;
    }

    @Override
    public void handleStripeEvent(HttpBody request, StreamObserver<Empty> response) {
        webhooks.receive(request.getData().toByteArray(), Optional.ofNullable(CallContext.STRIPE_SIGNATURE.get()));
        WalletGrpcService.reply(response, Empty.getDefaultInstance());
    }
}
