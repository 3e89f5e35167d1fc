package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.WalletSupervision;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.proto.v1.LookupWalletRequest;
import dev.payflow.proto.v1.SetWalletStatusRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletAdminServiceGrpc;
import io.grpc.stub.StreamObserver;

/** payflow.v1.WalletAdminService: operators look up, freeze and unfreeze any partner's wallet. */
final class WalletAdminGrpcService extends WalletAdminServiceGrpc.WalletAdminServiceImplBase {
    private final WalletSupervision wallets;

    WalletAdminGrpcService(WalletSupervision wallets) {
        this.wallets = wallets;
    }

    @Override
    public void lookupWallet(LookupWalletRequest request, StreamObserver<Wallet> response) {
        reply(response, ProtoMapping.wallet(wallets.lookup(request.getId())));
    }

    @Override
    public void setWalletStatus(SetWalletStatusRequest request, StreamObserver<Wallet> response) {
        reply(response, ProtoMapping.wallet(wallets.setStatus(request.getId(),
                ProtoMapping.domainEnum(request.getStatus(), WalletStatus.class, "status"), request.getReason())));
    }
}
