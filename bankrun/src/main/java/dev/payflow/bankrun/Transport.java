package dev.payflow.bankrun;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.Hold;
import dev.payflow.proto.v1.HoldServiceGrpc;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.VoidHoldRequest;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Sends one attempt of a call over gRPC or REST and sorts the answer: success, refusal, or retry. */
final class Transport {
    /** The answer to one attempt that the client accepts as final. */
    sealed interface Answer permits Success, Refusal {
    }

    /** The id is the transaction's (movements, captures) or the hold's (placements, voids). */
    record Success(String id, long amountMinor, String transactionId, String holdStatus) implements Answer {
    }

    record Refusal(String reason, String message) implements Answer {
    }

    /** No trustworthy answer: the client retries with the same key. */
    static final class RetryableFailure extends Exception {
        final String why;

        RetryableFailure(String cause) {
            super(cause, null, false, false);
            this.why = cause;
        }
    }

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String DESCRIPTION = "bank run";

    private final WalletServiceGrpc.WalletServiceBlockingStub wallets;
    private final TransferServiceGrpc.TransferServiceBlockingStub transfers;
    private final HoldServiceGrpc.HoldServiceBlockingStub holds;
    private final HttpClient http;
    private final String restBase;
    private final String bearer;
    private final long deadlineMs;
    /** The last connection failure in full, for the log (the retry causes count only its class). */
    volatile String lastIoFailure;

    Transport(Channel channel, HttpClient http, int httpPort, String apiKey, long deadlineMs) {
        this.wallets = withBearer(WalletServiceGrpc.newBlockingStub(channel), apiKey);
        this.transfers = withBearer(TransferServiceGrpc.newBlockingStub(channel), apiKey);
        this.holds = withBearer(HoldServiceGrpc.newBlockingStub(channel), apiKey);
        this.http = http;
        this.restBase = "http://127.0.0.1:" + httpPort;
        this.bearer = "Bearer " + apiKey;
        this.deadlineMs = deadlineMs;
    }

    static <S extends AbstractStub<S>> S withBearer(S stub, String credential) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + credential);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    Answer send(Call call) throws RetryableFailure {
        return call.rest ? sendRest(call) : sendGrpc(call);
    }

    private Answer sendGrpc(Call call) throws RetryableFailure {
        Call.Wallet wallet = call.wallet;
        String amount = wallet.format(call.amountMinor);
        try {
            switch (call.kind) {
                case CREDIT -> {
                    return transaction(wallet, wallets.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).creditWallet(CreditWalletRequest.newBuilder()
                            .setWalletId(wallet.id()).setAmount(amount).setCurrency(wallet.currency()).setDescription(DESCRIPTION)
                            .setIdempotencyKey(call.key).build()));
                }
                case DEBIT -> {
                    return transaction(wallet, wallets.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).debitWallet(DebitWalletRequest.newBuilder()
                            .setWalletId(wallet.id()).setAmount(amount).setCurrency(wallet.currency()).setDescription(DESCRIPTION)
                            .setIdempotencyKey(call.key).build()));
                }
                case TRANSFER -> {
                    return transaction(wallet, transfers.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).createTransfer(CreateTransferRequest.newBuilder()
                            .setFromWalletId(wallet.id()).setToWalletId(call.targetWallet.id()).setAmount(amount)
                            .setCurrency(wallet.currency()).setDescription(DESCRIPTION).setIdempotencyKey(call.key).build()));
                }
                case PLACE_HOLD -> {
                    return hold(wallet, holds.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).createHold(CreateHoldRequest.newBuilder()
                            .setWalletId(wallet.id()).setAmount(amount).setCurrency(wallet.currency()).setDescription(DESCRIPTION)
                            .setIdempotencyKey(call.key).build()));
                }
                case CAPTURE_HOLD -> {
                    CaptureHoldRequest.Builder request = CaptureHoldRequest.newBuilder().setId(call.holdId()).setAmount(amount)
                            .setDescription(DESCRIPTION).setIdempotencyKey(call.key);
                    if (call.targetWallet != null) {
                        request.setToWalletId(call.targetWallet.id());
                    }
                    return hold(wallet, holds.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).captureHold(request.build()));
                }
                case VOID_HOLD -> {
                    return hold(wallet, holds.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).voidHold(VoidHoldRequest.newBuilder()
                            .setId(call.holdId()).setIdempotencyKey(call.key).build()));
                }
                default -> throw new IllegalStateException("kind: " + call.kind);
            }
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            String reason = reason(e);
            // Codes that say "no answer you can trust": the outcome is unknown or the call never ran. A partner
            // with an idempotency key retries them; a refusal by a business rule is final.
            switch (code) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED, CANCELLED ->
                        throw new RetryableFailure("gRPC " + code + (reason == null ? "" : " " + reason));
                default -> {
                    return new Refusal(reason == null ? "gRPC " + code : reason, e.getStatus().getDescription());
                }
            }
        }
    }

    private static Success transaction(Call.Wallet wallet, Transaction transaction) {
        return new Success(transaction.getId(), wallet.parse(transaction.getAmount()), transaction.getId(), null);
    }

    private static Success hold(Call.Wallet wallet, Hold hold) {
        String captured = hold.getCapturedAmount();
        long amount = hold.getStatus() == Hold.Status.captured && !captured.isEmpty() ? wallet.parse(captured) : wallet.parse(hold.getAmount());
        return new Success(hold.getId(), amount, hold.getTransactionId().isEmpty() ? null : hold.getTransactionId(), hold.getStatus().name());
    }

    private static String reason(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status == null) {
            return null;
        }
        for (com.google.protobuf.Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return detail.unpack(ErrorInfo.class).getReason();
                } catch (InvalidProtocolBufferException ignored) {
                    return null;
                }
            }
        }
        return null;
    }

    private Answer sendRest(Call call) throws RetryableFailure {
        Call.Wallet wallet = call.wallet;
        JsonObject body = new JsonObject();
        body.addProperty("idempotencyKey", call.key);
        String path;
        switch (call.kind) {
            case CREDIT, DEBIT -> {
                path = "/api/v1/wallets/" + wallet.id() + (call.kind == Call.Kind.CREDIT ? "/credit" : "/debit");
                body.addProperty("amount", wallet.format(call.amountMinor));
                body.addProperty("currency", wallet.currency());
                body.addProperty("description", DESCRIPTION);
            }
            case TRANSFER -> {
                path = "/api/v1/transfers";
                body.addProperty("fromWalletId", wallet.id());
                body.addProperty("toWalletId", call.targetWallet.id());
                body.addProperty("amount", wallet.format(call.amountMinor));
                body.addProperty("currency", wallet.currency());
                body.addProperty("description", DESCRIPTION);
            }
            case PLACE_HOLD -> {
                path = "/api/v1/wallets/" + wallet.id() + "/holds";
                body.addProperty("amount", wallet.format(call.amountMinor));
                body.addProperty("currency", wallet.currency());
                body.addProperty("description", DESCRIPTION);
            }
            case CAPTURE_HOLD -> {
                path = "/api/v1/holds/" + call.holdId() + "/capture";
                body.addProperty("amount", wallet.format(call.amountMinor));
                body.addProperty("description", DESCRIPTION);
                if (call.targetWallet != null) {
                    body.addProperty("toWalletId", call.targetWallet.id());
                }
            }
            case VOID_HOLD -> path = "/api/v1/holds/" + call.holdId() + "/void";
            default -> throw new IllegalStateException("kind: " + call.kind);
        }
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(restBase + path)).timeout(Duration.ofMillis(deadlineMs))
                    .header("Authorization", bearer).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            lastIoFailure = e.toString();
            throw new RetryableFailure("REST " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableFailure("REST interrupted");
        }
        int statusCode = response.statusCode();
        JsonObject json;
        try {
            json = JsonParser.parseString(response.body()).getAsJsonObject();
        } catch (RuntimeException e) {
            if (statusCode >= 500 || statusCode == 409 || statusCode == 429) {
                throw new RetryableFailure("REST " + statusCode);
            }
            return new Refusal("REST " + statusCode + " without a JSON body", response.body());
        }
        if (statusCode == 200) {
            return switch (call.kind) {
                case CREDIT, DEBIT, TRANSFER -> new Success(string(json, "id"), wallet.parse(string(json, "amount")), string(json, "id"), null);
                case PLACE_HOLD, CAPTURE_HOLD, VOID_HOLD -> {
                    String status = string(json, "status");
                    String captured = string(json, "capturedAmount");
                    long amount = "captured".equals(status) && captured != null ? wallet.parse(captured) : wallet.parse(string(json, "amount"));
                    String transactionId = string(json, "transactionId");
                    yield new Success(string(json, "id"), amount, transactionId == null || transactionId.isEmpty() ? null : transactionId, status);
                }
            };
        }
        String reason = restReason(json);
        // As over gRPC: 5xx, 409 (IDEMPOTENCY_KEY_IN_USE) and 429 mean "try again with the same key".
        if (statusCode >= 500 || statusCode == 409 || statusCode == 429) {
            throw new RetryableFailure("REST " + statusCode + (reason == null ? "" : " " + reason));
        }
        return new Refusal(reason == null ? "REST " + statusCode : reason, string(json, "message"));
    }

    private static String string(JsonObject json, String field) {
        JsonElement element = json.get(field);
        return element == null || element.isJsonNull() ? null : element.getAsString();
    }

    private static String restReason(JsonObject json) {
        JsonElement details = json.get("details");
        if (details == null || !details.isJsonArray()) {
            return null;
        }
        for (JsonElement detail : details.getAsJsonArray()) {
            if (detail.isJsonObject() && String.valueOf(string(detail.getAsJsonObject(), "@type")).endsWith("google.rpc.ErrorInfo")) {
                return string(detail.getAsJsonObject(), "reason");
            }
        }
        return null;
    }
}
