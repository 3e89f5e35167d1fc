package dev.payflow.core.api;

import com.google.api.HttpBody;
import com.google.protobuf.Empty;
import dev.payflow.core.app.PayPalWebhooks;
import dev.payflow.proto.v1.PayPalWebhookServiceGrpc;
import io.grpc.stub.StreamObserver;

/** payflow.v1.PayPalWebhookService: the raw body and PayPal's transmission headers, handed to the use case untouched. */
final class PayPalWebhookGrpcService extends PayPalWebhookServiceGrpc.PayPalWebhookServiceImplBase {
    private final PayPalWebhooks webhooks;

    PayPalWebhookGrpcService(PayPalWebhooks webhooks) {
        this.webhooks = webhooks;
    }

    @Override
    public void handlePayPalEvent(HttpBody request, StreamObserver<Empty> response) {
        webhooks.receive(request.getData().toByteArray(), CallContext.PAYPAL_TRANSMISSION.get());
        WalletGrpcService.reply(response, Empty.getDefaultInstance());
    }
}
