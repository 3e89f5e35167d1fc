package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.proto.v1.ApiKeyServiceGrpc;
import dev.payflow.proto.v1.RollApiKeyResponse;
import dev.payflow.proto.v1.RollOwnApiKeyResponse;
import dev.payflow.proto.v1.RollOwnApiKeyRequest;
import io.grpc.stub.StreamObserver;
import java.util.OptionalInt;

/** payflow.v1.ApiKeyService: a partner rolls the key it calls with, and no other. */
final class ApiKeyGrpcService extends ApiKeyServiceGrpc.ApiKeyServiceImplBase {
    private final ApiKeyAdministration apiKeys;

    ApiKeyGrpcService(ApiKeyAdministration apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public void rollOwnApiKey(RollOwnApiKeyRequest request, StreamObserver<RollOwnApiKeyResponse> response) {
        // The key is the caller's own, as authenticated: no id in the request, so no other key can be named.
        String ownKeyId = CallContext.PRINCIPAL.get().apiKeyId();
        RollApiKeyResponse rolled = PartnerAdminGrpcService.rolled(apiKeys.roll(ownKeyId,
                request.hasExpiresInHours() ? OptionalInt.of(request.getExpiresInHours()) : OptionalInt.empty()));
        reply(response, RollOwnApiKeyResponse.newBuilder().setApiKey(rolled.getApiKey()).setPreviousApiKey(rolled.getPreviousApiKey()).build());
    }
}
