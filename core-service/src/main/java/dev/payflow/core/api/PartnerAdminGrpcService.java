package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.SystemStatistics;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Partner;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.CreatePartnerRequest;
import dev.payflow.proto.v1.GetPartnerRequest;
import dev.payflow.proto.v1.GetSystemStatsRequest;
import dev.payflow.proto.v1.ListApiKeysRequest;
import dev.payflow.proto.v1.ListApiKeysResponse;
import dev.payflow.proto.v1.ListPartnersRequest;
import dev.payflow.proto.v1.ListPartnersResponse;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.RevokeApiKeyRequest;
import dev.payflow.proto.v1.SystemStats;
import dev.payflow.proto.v1.UpdatePartnerStatusRequest;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.PartnerAdminService, for PayFlow's operators. */
final class PartnerAdminGrpcService extends PartnerAdminServiceGrpc.PartnerAdminServiceImplBase {
    private final PartnerAdministration partners;
    private final ApiKeyAdministration apiKeys;
    private final SystemStatistics statistics;

    /** Told of each new partner (its onboarding webhookUrl becomes its sandbox endpoint). */
    private final java.util.function.Consumer<dev.payflow.core.domain.Partner> created;

    PartnerAdminGrpcService(PartnerAdministration partners, ApiKeyAdministration apiKeys, SystemStatistics statistics) {
        this(partners, apiKeys, statistics, partner -> {
        });
    }

    PartnerAdminGrpcService(PartnerAdministration partners, ApiKeyAdministration apiKeys, SystemStatistics statistics,
            java.util.function.Consumer<dev.payflow.core.domain.Partner> created) {
        this.created = created;
        this.partners = partners;
        this.apiKeys = apiKeys;
        this.statistics = statistics;
    }

    @Override
    public void listPartners(ListPartnersRequest request, StreamObserver<ListPartnersResponse> response) {
        Page<Partner> page = partners.list(request.getPageSize(), request.getPageToken(),
                ProtoMapping.domainEnum(request.getStatus(), PartnerStatus.class, "status"));
        reply(response, ListPartnersResponse.newBuilder()
                .addAllPartners(page.items().stream().map(ProtoMapping::partner).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void createPartner(CreatePartnerRequest request, StreamObserver<dev.payflow.proto.v1.Partner> response) {
        dev.payflow.core.domain.Partner partner = partners.create(new PartnerAdministration.CreatePartner(request.getName(),
                request.getCompanyName(), request.getEmail(), request.getContactPerson(), request.getBusinessType(),
                request.getWebhookUrl(), ProtoMapping.metadata(request.getMetadata()).validated().json()));
        created.accept(partner);
        reply(response, ProtoMapping.partner(partner));
    }

    @Override
    public void getPartner(GetPartnerRequest request, StreamObserver<dev.payflow.proto.v1.Partner> response) {
        reply(response, ProtoMapping.partner(partners.get(request.getId())));
    }

    @Override
    public void updatePartnerStatus(UpdatePartnerStatusRequest request, StreamObserver<dev.payflow.proto.v1.Partner> response) {
        reply(response, ProtoMapping.partner(partners.changeStatus(request.getId(),
                ProtoMapping.domainEnum(request.getStatus(), PartnerStatus.class, "status").orElse(null), request.getReason())));
    }

    @Override
    public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
        reply(response, ListApiKeysResponse.newBuilder()
                .addAllApiKeys(apiKeys.list(request.getPartnerId()).stream().map(k -> ProtoMapping.apiKey(k, "")).toList())
                .build());
    }

    @Override
    public void createApiKey(CreateApiKeyRequest request, StreamObserver<ApiKey> response) {
        Optional<Boolean> livemode = switch (request.getEnvironment()) {
            case sandbox -> Optional.of(false);
            case production -> Optional.of(true);
            case environment_unspecified -> Optional.empty();
            case UNRECOGNIZED -> throw PayflowException.of(ErrorReason.INVALID_FIELD,
                    "environment: unknown value (expected one of: sandbox, production)");
        };
        ApiKeyAdministration.IssuedKey issued = apiKeys.issue(request.getPartnerId(), livemode, request.getName(),
                ProtoMapping.permissions(request.getPermissionsList()), request.getReason());
        reply(response, ProtoMapping.apiKey(issued.key(), issued.secret()));
    }

    @Override
    public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<ApiKey> response) {
        reply(response, ProtoMapping.apiKey(apiKeys.revoke(request.getKeyId()), ""));
    }

    @Override
    public void getSystemStats(GetSystemStatsRequest request, StreamObserver<SystemStats> response) {
        reply(response, ProtoMapping.stats(statistics.collect()));
    }
}
