package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import com.google.api.HttpBody;
import com.google.protobuf.ByteString;
import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Page;
import dev.payflow.proto.v1.ExportServiceGrpc;
import dev.payflow.proto.v1.ExportTransactionsRequest;
import dev.payflow.proto.v1.ExportTransactionsResponseLine;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;

/**
 * payflow.v1.ExportService: a partner's transactions as JSON lines. Both transcoders serve an
 * HttpBody answer as its bytes with its own content type, so REST and gRPC carry the same lines;
 * the page token travels in the body's last line, where both doors see it alike.
 */
final class ExportGrpcService extends ExportServiceGrpc.ExportServiceImplBase {
    /** The content type of JSON lines, as partners' tools (jq, pandas, BigQuery) take them. */
    static final String CONTENT_TYPE = "application/x-ndjson";

    private final LedgerQueries ledger;

    ExportGrpcService(LedgerQueries ledger) {
        this.ledger = ledger;
    }

    @Override
    public void exportTransactions(ExportTransactionsRequest request, StreamObserver<HttpBody> response) {
        Page<LedgerTransaction> page = ledger.export(CallContext.scope(), ProtoMapping.instant(request.hasFrom(), request.getFrom(), "from"),
                ProtoMapping.instant(request.hasTo(), request.getTo(), "to"), request.getPageSize(), request.getPageToken());
        StringBuilder lines = new StringBuilder();
        for (LedgerTransaction transaction : page.items()) {
            // The same message GET /api/v1/transactions/{id} answers, printed on one line.
            lines.append(LedgerEventJson.print(ProtoMapping.transaction(transaction))).append('\n');
        }
        lines.append(LedgerEventJson.print(ExportTransactionsResponseLine.newBuilder().setNextPageToken(page.nextPageToken()))).append('\n');
        reply(response, HttpBody.newBuilder()
                .setContentType(CONTENT_TYPE)
                .setData(ByteString.copyFrom(lines.toString(), StandardCharsets.UTF_8))
                .build());
    }
}
