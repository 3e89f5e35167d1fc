package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.SystemStatistics;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Partner;
import dev.payflow.core.domain.PartnerSettings;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.domain.Strings;
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
import dev.payflow.proto.v1.UpdatePartnerRequest;
import dev.payflow.proto.v1.UpdatePartnerStatusRequest;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** payflow.v1.PartnerAdminService, for PayFlow's operators. */
final class PartnerAdminGrpcService extends PartnerAdminServiceGrpc.PartnerAdminServiceImplBase {
    private final PartnerAdministration partners;
    private final ApiKeyAdministration apiKeys;
    private final SystemStatistics statistics;
    /** Each key's request count and last use, shown in the key list. */
    private final dev.payflow.core.app.KeyUsage keyUsage;

    /** Told of each new partner (its onboarding webhookUrl becomes its sandbox endpoint). */
    private final java.util.function.Consumer<dev.payflow.core.domain.Partner> created;

    PartnerAdminGrpcService(PartnerAdministration partners, ApiKeyAdministration apiKeys, SystemStatistics statistics) {
        this(partners, apiKeys, statistics, partner -> {
        });
    }

    PartnerAdminGrpcService(PartnerAdministration partners, ApiKeyAdministration apiKeys, SystemStatistics statistics,
            java.util.function.Consumer<dev.payflow.core.domain.Partner> created) {
        this(partners, apiKeys, statistics, created, dev.payflow.core.app.KeyUsage.NONE);
    }

    PartnerAdminGrpcService(PartnerAdministration partners, ApiKeyAdministration apiKeys, SystemStatistics statistics,
            java.util.function.Consumer<dev.payflow.core.domain.Partner> created, dev.payflow.core.app.KeyUsage keyUsage) {
        this.keyUsage = keyUsage;
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
    public void updatePartner(UpdatePartnerRequest request, StreamObserver<dev.payflow.proto.v1.Partner> response) {
        Set<String> masked = new HashSet<>();
        for (String path : request.getUpdateMask().getPathsList()) {
            String field = UPDATABLE.get(path);
            if (field == null) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "updateMask: %s (expected any of: platformFeeBasisPoints, "
                        + "rateLimitPerSecond, rateLimitBurst, enabledProviders, defaultProvider, fallbackProvider)", Strings.forMessage(path));
            }
            masked.add(field);
        }
        boolean all = masked.isEmpty();
        PartnerAdministration.SettingsChange change = new PartnerAdministration.SettingsChange(
                changed(all, masked, "platform_fee_basis_points", request.hasPlatformFeeBasisPoints(),
                        request.getPlatformFeeBasisPoints(), PartnerSettings.PLATFORM_FEE_BASIS_POINTS_DEFAULT),
                changed(all, masked, "rate_limit_per_second", request.hasRateLimitPerSecond(), request.getRateLimitPerSecond(), 0),
                changed(all, masked, "rate_limit_burst", request.hasRateLimitBurst(), request.getRateLimitBurst(), 0),
                changedList(all, masked, "enabled_providers", request.getEnabledProvidersList(), PartnerSettings.ENABLED_PROVIDERS_DEFAULT),
                changedText(all, masked, "default_provider", request.hasDefaultProvider(), request.getDefaultProvider())
                        .map(name -> name.isEmpty() ? PartnerSettings.DEFAULT_PROVIDER_DEFAULT : name),
                changedText(all, masked, "fallback_provider", request.hasFallbackProvider(), request.getFallbackProvider())
                        .map(name -> name.isEmpty() ? Optional.<String>empty() : Optional.of(name)));
        reply(response, ProtoMapping.partner(partners.updateSettings(request.getId(), change)));
    }

    /** Mask paths, in the proto's and in JSON's spelling, to the field they name. */
    private static final Map<String, String> UPDATABLE = maskPaths("platform_fee_basis_points", "rate_limit_per_second",
            "rate_limit_burst", "enabled_providers", "default_provider", "fallback_provider");

    private static Map<String, String> maskPaths(String... fields) {
        Map<String, String> paths = new java.util.HashMap<>();
        for (String field : fields) {
            paths.put(field, field);
            paths.put(com.google.protobuf.util.FieldMaskUtil.toJsonString(
                    com.google.protobuf.FieldMask.newBuilder().addPaths(field).build()), field);
        }
        return Map.copyOf(paths);
    }

    /** A repeated field has no presence: without a mask it changes when not empty; named in the mask but empty, it takes its default. */
    private static Optional<java.util.List<String>> changedList(boolean all, Set<String> masked, String field, java.util.List<String> value,
            java.util.List<String> unsetValue) {
        if (all) {
            return value.isEmpty() ? Optional.empty() : Optional.of(value);
        }
        if (!masked.contains(field)) {
            return Optional.empty();
        }
        return Optional.of(value.isEmpty() ? unsetValue : value);
    }

    /** As {@link #changed}, for an optional string: named in the mask but unset, it is {@code ""} (its default). */
    private static Optional<String> changedText(boolean all, Set<String> masked, String field, boolean set, String value) {
        if (all) {
            return set ? Optional.of(value) : Optional.empty();
        }
        if (!masked.contains(field)) {
            return Optional.empty();
        }
        return Optional.of(set ? value : "");
    }

    /** Without a mask a field changes when it is set; with one, when it is named (and then, unset, takes its default). */
    private static OptionalInt changed(boolean all, Set<String> masked, String field, boolean set, int value, int unsetValue) {
        if (all) {
            return set ? OptionalInt.of(value) : OptionalInt.empty();
        }
        if (!masked.contains(field)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(set ? value : unsetValue);
    }

    @Override
    public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
        java.util.List<dev.payflow.core.domain.ApiKey> keys = apiKeys.list(request.getPartnerId());
        java.util.Map<String, dev.payflow.core.app.KeyUsage.Totals> usage = keyUsage.totalsOf(
                keys.stream().map(dev.payflow.core.domain.ApiKey::id).toList());
        reply(response, ListApiKeysResponse.newBuilder()
                .addAllApiKeys(keys.stream().map(k -> withUsage(ProtoMapping.apiKey(k, ""), usage.get(k.id()))).toList())
                .build());
    }

    private static ApiKey withUsage(ApiKey key, dev.payflow.core.app.KeyUsage.Totals usage) {
        if (usage == null) {
            return key;
        }
        return key.toBuilder().setRequestCount(usage.requestCount()).setLastUsedAt(ProtoMapping.timestamp(usage.lastUsedAt())).build();
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
        Optional<dev.payflow.core.domain.KeyRateLimit> rateLimit = dev.payflow.core.domain.KeyRateLimit.of(
                request.hasRateLimitPerSecond() ? java.util.OptionalInt.of(request.getRateLimitPerSecond()) : java.util.OptionalInt.empty(),
                request.hasRateLimitBurst() ? java.util.OptionalInt.of(request.getRateLimitBurst()) : java.util.OptionalInt.empty());
        ApiKeyAdministration.IssuedKey issued = apiKeys.issue(request.getPartnerId(), livemode, request.getName(),
                ProtoMapping.permissions(request.getPermissionsList()), request.getReason(), rateLimit);
        reply(response, ProtoMapping.apiKey(issued.key(), issued.secret()));
    }

    @Override
    public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<ApiKey> response) {
        reply(response, ProtoMapping.apiKey(apiKeys.revoke(request.getKeyId()), ""));
    }

    @Override
    public void rollApiKey(dev.payflow.proto.v1.RollApiKeyRequest request, StreamObserver<dev.payflow.proto.v1.RollApiKeyResponse> response) {
        reply(response, rolled(apiKeys.roll(request.getKeyId(),
                request.hasExpiresInHours() ? OptionalInt.of(request.getExpiresInHours()) : OptionalInt.empty())));
    }

    static dev.payflow.proto.v1.RollApiKeyResponse rolled(ApiKeyAdministration.RolledKey rolled) {
        return dev.payflow.proto.v1.RollApiKeyResponse.newBuilder()
                .setApiKey(ProtoMapping.apiKey(rolled.successor().key(), rolled.successor().secret()))
                .setPreviousApiKey(ProtoMapping.apiKey(rolled.previous(), ""))
                .build();
    }

    @Override
    public void getSystemStats(GetSystemStatsRequest request, StreamObserver<SystemStats> response) {
        reply(response, ProtoMapping.stats(statistics.collect()));
    }
}
