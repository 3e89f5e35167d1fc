package dev.payflow.core.api;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.proto.v1.CancelPayoutRequest;
import dev.payflow.proto.v1.CreatePayoutRequest;
import dev.payflow.proto.v1.GetPayoutRequest;
import dev.payflow.proto.v1.ListPayoutsRequest;
import dev.payflow.proto.v1.ListPayoutsResponse;
import dev.payflow.proto.v1.Payout;
import dev.payflow.proto.v1.PayoutServiceGrpc;
import io.grpc.stub.StreamObserver;

/**
 * Parts of the contract that are specified but not built yet (payouts). They answer UNIMPLEMENTED with reason NOT_IMPLEMENTED, after the
 * same authentication as every other call, and the README lists them.
 */
final class NotBuiltYet {
    private NotBuiltYet() {
    }

    static PayflowException notBuilt(String what) {
        return PayflowException.of(ErrorReason.NOT_IMPLEMENTED, "%s are not available yet", what);
    }

    static final class Payouts extends PayoutServiceGrpc.PayoutServiceImplBase {
        @Override
        public void createPayout(CreatePayoutRequest request, StreamObserver<Payout> response) {
            throw notBuilt("payouts");
        }

        @Override
        public void listPayouts(ListPayoutsRequest request, StreamObserver<ListPayoutsResponse> response) {
            throw notBuilt("payouts");
        }

        @Override
        public void getPayout(GetPayoutRequest request, StreamObserver<Payout> response) {
            throw notBuilt("payouts");
        }

        @Override
        public void cancelPayout(CancelPayoutRequest request, StreamObserver<Payout> response) {
            throw notBuilt("payouts");
        }
    }

}
