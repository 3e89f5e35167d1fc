package dev.payflow.core.api;

import dev.payflow.core.app.ConnectAccounts;
import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.proto.v1.ConnectServiceGrpc;
import dev.payflow.proto.v1.ConnectedAccountBalance;
import dev.payflow.proto.v1.CreateConnectedAccountRequest;
import dev.payflow.proto.v1.CreateOnboardingLinkRequest;
import dev.payflow.proto.v1.DeleteConnectedAccountRequest;
import dev.payflow.proto.v1.GetConnectedAccountBalanceRequest;
import dev.payflow.proto.v1.GetConnectedAccountRequest;
import dev.payflow.proto.v1.ListConnectedAccountsRequest;
import dev.payflow.proto.v1.ListConnectedAccountsResponse;
import dev.payflow.proto.v1.OnboardingLink;
import dev.payflow.proto.v1.UpdateConnectedAccountRequest;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.ConnectService. */
final class ConnectGrpcService extends ConnectServiceGrpc.ConnectServiceImplBase {
    private final ConnectAccounts accounts;

    ConnectGrpcService(ConnectAccounts accounts) {
        this.accounts = accounts;
    }

    @Override
    public void createConnectedAccount(CreateConnectedAccountRequest request, StreamObserver<dev.payflow.proto.v1.ConnectedAccount> response) {
        ConnectAccounts.CreateTerms terms = ConnectAccounts.CreateTerms.of(request.getExternalUserId(), request.getCountry(), request.getEmail(),
                request.getBusinessType(), request.getRefreshUrl(), request.getReturnUrl(), ProtoMapping.metadata(request.getMetadata()));
        ConnectAccounts.Created created = accounts.create(CallContext.scope(), terms);
        WalletGrpcService.reply(response, ConnectMapping.account(created.account()).toBuilder()
                .setOnboardingUrl(created.onboardingUrl().orElse("")).build());
    }

    @Override
    public void createOnboardingLink(CreateOnboardingLinkRequest request, StreamObserver<OnboardingLink> response) {
        dev.payflow.core.domain.OnboardingLink link = accounts.onboardingLink(CallContext.scope(), request.getId(), request.getRefreshUrl(), request.getReturnUrl());
        WalletGrpcService.reply(response, OnboardingLink.newBuilder().setAccountId(request.getId()).setUrl(link.url())
                .setExpiresAt(ProtoMapping.timestamp(link.expiresAt())).build());
    }

    @Override
    public void getConnectedAccount(GetConnectedAccountRequest request, StreamObserver<dev.payflow.proto.v1.ConnectedAccount> response) {
        WalletGrpcService.reply(response, ConnectMapping.account(accounts.get(CallContext.scope(), request.getId())));
    }

    @Override
    public void listConnectedAccounts(ListConnectedAccountsRequest request, StreamObserver<ListConnectedAccountsResponse> response) {
        Page<ConnectedAccount> page = accounts.list(CallContext.scope(), request.getExternalUserId(), request.getStatus(), request.getPageSize(),
                request.getPageToken());
        WalletGrpcService.reply(response, ListConnectedAccountsResponse.newBuilder()
                .addAllAccounts(page.items().stream().map(ConnectMapping::account).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void updateConnectedAccount(UpdateConnectedAccountRequest request, StreamObserver<dev.payflow.proto.v1.ConnectedAccount> response) {
        dev.payflow.proto.v1.BusinessProfile profile = request.getBusinessProfile();
        ConnectAccounts.UpdateTerms terms = ConnectAccounts.UpdateTerms.of(
                request.hasMetadata() ? Optional.of(ProtoMapping.metadata(request.getMetadata())) : Optional.empty(),
                request.hasEmail() ? Optional.of(request.getEmail()) : Optional.empty(),
                profile.hasName() ? Optional.of(profile.getName()) : Optional.empty(),
                profile.hasUrl() ? Optional.of(profile.getUrl()) : Optional.empty(),
                profile.hasProductDescription() ? Optional.of(profile.getProductDescription()) : Optional.empty(),
                profile.hasSupportEmail() ? Optional.of(profile.getSupportEmail()) : Optional.empty());
        WalletGrpcService.reply(response, ConnectMapping.account(accounts.update(CallContext.scope(), request.getId(), terms)));
    }

    @Override
    public void deleteConnectedAccount(DeleteConnectedAccountRequest request, StreamObserver<dev.payflow.proto.v1.ConnectedAccount> response) {
        WalletGrpcService.reply(response, ConnectMapping.account(accounts.disconnect(CallContext.scope(), request.getId())));
    }

    @Override
    public void getConnectedAccountBalance(GetConnectedAccountBalanceRequest request, StreamObserver<ConnectedAccountBalance> response) {
        PartnerScope scope = CallContext.scope();
        dev.payflow.core.domain.ConnectedAccountBalance balance = accounts.balance(scope, request.getId());
        WalletGrpcService.reply(response, ConnectMapping.balance(request.getId(), scope.livemode(), balance));
    }

    @Override
    public void createConnectOAuthUrl(dev.payflow.proto.v1.CreateConnectOAuthUrlRequest request,
            StreamObserver<dev.payflow.proto.v1.ConnectOAuthUrl> response) {
        dev.payflow.core.app.ConnectOAuth.AuthorizeUrl url = accounts.oauth().authorizeUrl(CallContext.scope(), request.getRedirectUri(),
                request.getExternalUserId());
        WalletGrpcService.reply(response, dev.payflow.proto.v1.ConnectOAuthUrl.newBuilder().setUrl(url.url()).setState(url.state())
                .setExpiresAt(ProtoMapping.timestamp(url.expiresAt())).build());
    }

    @Override
    public void completeConnectOAuth(dev.payflow.proto.v1.CompleteConnectOAuthRequest request,
            StreamObserver<dev.payflow.proto.v1.ConnectedAccount> response) {
        WalletGrpcService.reply(response, ConnectMapping.account(accounts.oauth().complete(request.getCode(), request.getState())));
    }
}
