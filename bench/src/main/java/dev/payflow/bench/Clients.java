package dev.payflow.bench;

import com.google.rpc.ErrorInfo;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import dev.payflow.proto.v1.BatchCreateTransfersRequest;
import dev.payflow.proto.v1.BatchCreateTransfersResponse;
import dev.payflow.proto.v1.BatchTransferResult;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.LedgerServiceGrpc;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workloads' calls, over gRPC (one shared channel) and over REST (one shared HTTP/1.1 client with its own connection pool:
 * Armeria's {@code WebClient} on Netty, the I/O stack the gRPC channel runs on, or with {@code bench.restClient=jdk} the JDK's
 * {@code HttpClient}, which costs the shared machine more CPU per call; BENCHMARKS.md, run 19).
 */
final class Clients {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** A call slower than this is an error in this harness, not a latency. */
    private static final long DEADLINE_MS = 30_000;
    private static final Pattern REASON = Pattern.compile("\"reason\"\\s*:\\s*\"([A-Z_]+)\"");
    /** A batch member's status word other than created, in a REST answer. */
    private static final Pattern MEMBER_NOT_CREATED = Pattern.compile("\"status\"\\s*:\\s*\"(replayed|failed|not_applied)\"");

    /** A call answered with an error: its ErrorInfo reason (or status code, without one). */
    static final class Refused extends Exception {
        final String reason;

        Refused(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    private final WalletServiceGrpc.WalletServiceBlockingStub wallets;
    private final TransferServiceGrpc.TransferServiceBlockingStub transfers;
    private final LedgerServiceGrpc.LedgerServiceBlockingStub ledger;
    private final Http http;
    private final String bearer;
    private final List<String> walletIds;
    private final int batchSize;

    Clients(Channel channel, int httpPort, String restClient, String apiKey, List<String> walletIds, int batchSize) {
        this.batchSize = batchSize;
        this.wallets = withBearer(WalletServiceGrpc.newBlockingStub(channel), apiKey);
        this.transfers = withBearer(TransferServiceGrpc.newBlockingStub(channel), apiKey);
        this.ledger = withBearer(LedgerServiceGrpc.newBlockingStub(channel), apiKey);
        this.http = restClient.equals("jdk") ? new JdkHttp("http://127.0.0.1:" + httpPort) : new ArmeriaHttp("h1c://127.0.0.1:" + httpPort);
        this.bearer = "Bearer " + apiKey;
        this.walletIds = walletIds;
    }

    static <S extends AbstractStub<S>> S withBearer(S stub, String credential) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + credential);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    Driver.Operation operation(String workload, String transport) {
        boolean grpc = transport.equals("grpc");
        return switch (workload) {
            // Random pairs of all the wallets.
            case "transfer-uniform" -> client -> {
                int from = random(walletIds.size());
                transfer(grpc, from, (from + 1 + random(walletIds.size() - 1)) % walletIds.size());
            };
            // Every transfer pays into wallet 0.
            case "transfer-hot" -> client -> transfer(grpc, 1 + random(walletIds.size() - 1), 0);
            // Credits to random wallets: every one posts to the partner's one gateway-clearing account.
            case "credit-many" -> client -> credit(grpc, random(walletIds.size()));
            // Two reads (a balance, a statement page) beside each transfer.
            case "read-mix" -> client -> {
                int pick = random(3);
                int wallet = random(walletIds.size());
                if (pick == 0) {
                    transfer(grpc, wallet, (wallet + 1) % walletIds.size());
                } else if (pick == 1) {
                    getWallet(grpc, wallet);
                } else {
                    statement(grpc, wallet);
                }
            };
            // BatchCreateTransfers of batchSize transfers between random pairs, not atomic; the row counts transfers.
            case "transfer-batch" -> client -> batch(grpc);
            default -> throw new IllegalArgumentException("workload: " + workload);
        };
    }

    private static int random(int bound) {
        return ThreadLocalRandom.current().nextInt(bound);
    }

    private void transfer(boolean grpc, int from, int to) throws Refused, Exception {
        String key = UUID.randomUUID().toString();
        if (grpc) {
            call(() -> transfers.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).createTransfer(CreateTransferRequest.newBuilder()
                    .setFromWalletId(walletIds.get(from)).setToWalletId(walletIds.get(to)).setAmount("0.01").setCurrency("USD")
                    .setIdempotencyKey(key).build()));
        } else {
            post("/api/v1/transfers", "{\"fromWalletId\":\"" + walletIds.get(from) + "\",\"toWalletId\":\"" + walletIds.get(to)
                    + "\",\"amount\":\"0.01\",\"currency\":\"USD\",\"idempotencyKey\":\"" + key + "\"}");
        }
    }

    /** One batch call; a member that failed makes the call count as refused, by the member's reason. */
    private void batch(boolean grpc) throws Refused, Exception {
        int[][] pairs = new int[batchSize][];
        for (int i = 0; i < batchSize; i++) {
            int from = random(walletIds.size());
            pairs[i] = new int[] {from, (from + 1 + random(walletIds.size() - 1)) % walletIds.size()};
        }
        if (grpc) {
            BatchCreateTransfersRequest.Builder request = BatchCreateTransfersRequest.newBuilder();
            for (int[] pair : pairs) {
                request.addTransfers(CreateTransferRequest.newBuilder().setFromWalletId(walletIds.get(pair[0])).setToWalletId(walletIds.get(pair[1]))
                        .setAmount("0.01").setCurrency("USD").setIdempotencyKey(UUID.randomUUID().toString()));
            }
            BatchCreateTransfersResponse[] answer = new BatchCreateTransfersResponse[1];
            call(() -> answer[0] = transfers.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).batchCreateTransfers(request.build()));
            for (BatchTransferResult result : answer[0].getResultsList()) {
                if (result.getStatus() != BatchTransferResult.Status.created) {
                    throw new Refused("member " + result.getStatus() + " " + result.getError().getReason());
                }
            }
        } else {
            StringBuilder json = new StringBuilder("{\"transfers\":[");
            for (int i = 0; i < pairs.length; i++) {
                json.append(i == 0 ? "" : ",").append("{\"fromWalletId\":\"").append(walletIds.get(pairs[i][0])).append("\",\"toWalletId\":\"")
                        .append(walletIds.get(pairs[i][1])).append("\",\"amount\":\"0.01\",\"currency\":\"USD\",\"idempotencyKey\":\"")
                        .append(UUID.randomUUID()).append("\"}");
            }
            String body = post("/api/v1/transfers/batch", json.append("]}").toString());
            Matcher failed = MEMBER_NOT_CREATED.matcher(body);
            if (failed.find()) {
                Matcher reason = REASON.matcher(body);
                throw new Refused("member " + failed.group(1) + " " + (reason.find() ? reason.group(1) : ""));
            }
        }
    }

    private void credit(boolean grpc, int wallet) throws Refused, Exception {
        String key = UUID.randomUUID().toString();
        if (grpc) {
            call(() -> wallets.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).creditWallet(CreditWalletRequest.newBuilder()
                    .setWalletId(walletIds.get(wallet)).setAmount("0.01").setCurrency("USD").setIdempotencyKey(key).build()));
        } else {
            post("/api/v1/wallets/" + walletIds.get(wallet) + "/credit", "{\"amount\":\"0.01\",\"currency\":\"USD\",\"idempotencyKey\":\"" + key + "\"}");
        }
    }

    private void getWallet(boolean grpc, int wallet) throws Refused, Exception {
        if (grpc) {
            call(() -> wallets.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).getWallet(GetWalletRequest.newBuilder()
                    .setId(walletIds.get(wallet)).build()));
        } else {
            get("/api/v1/wallets/" + walletIds.get(wallet));
        }
    }

    private void statement(boolean grpc, int wallet) throws Refused, Exception {
        if (grpc) {
            call(() -> ledger.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).listWalletTransactions(ListWalletTransactionsRequest.newBuilder()
                    .setWalletId(walletIds.get(wallet)).setPageSize(20).build()));
        } else {
            get("/api/v1/wallets/" + walletIds.get(wallet) + "/transactions?pageSize=20");
        }
    }

    private static void call(Runnable rpc) throws Refused {
        try {
            rpc.run();
        } catch (StatusRuntimeException e) {
            com.google.rpc.Status status = StatusProto.fromThrowable(e);
            if (status != null) {
                for (com.google.protobuf.Any detail : status.getDetailsList()) {
                    if (detail.is(ErrorInfo.class)) {
                        try {
                            throw new Refused(detail.unpack(ErrorInfo.class).getReason());
                        } catch (com.google.protobuf.InvalidProtocolBufferException unreadable) {
                            break;
                        }
                    }
                }
            }
            throw new Refused(e.getStatus().getCode().name());
        }
    }

    private String post(String path, String json) throws Refused, Exception {
        return answer(http.send(HttpMethod.POST, path, bearer, json));
    }

    private void get(String path) throws Refused, Exception {
        answer(http.send(HttpMethod.GET, path, bearer, null));
    }

    private static String answer(Answer response) throws Refused {
        if (response.status() != 200) {
            Matcher reason = REASON.matcher(response.body());
            throw new Refused(reason.find() ? reason.group(1) : "HTTP_" + response.status());
        }
        return response.body();
    }

    /** An HTTP status and body. */
    record Answer(int status, String body) {
    }

    /** One REST call, waited for: a JSON body for POST, none for GET. */
    interface Http {
        Answer send(HttpMethod method, String path, String authorization, String json) throws Exception;
    }

    /** Armeria's client over HTTP/1.1 without an upgrade ({@code h1c}), its connections pooled per event loop. */
    static final class ArmeriaHttp implements Http {
        private final WebClient client;

        ArmeriaHttp(String base) {
            this.client = WebClient.builder(base).responseTimeoutMillis(DEADLINE_MS).build();
        }

        @Override
        public Answer send(HttpMethod method, String path, String authorization, String json) {
            RequestHeaders headers = json == null
                    ? RequestHeaders.of(method, path, HttpHeaderNames.AUTHORIZATION, authorization)
                    : RequestHeaders.of(method, path, HttpHeaderNames.AUTHORIZATION, authorization, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON_UTF_8);
            AggregatedHttpResponse response = (json == null ? client.execute(headers) : client.execute(headers, json)).aggregate().join();
            return new Answer(response.status().code(), response.contentUtf8());
        }
    }

    /** The JDK's client over HTTP/1.1. */
    static final class JdkHttp implements Http {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        private final String base;

        JdkHttp(String base) {
            this.base = base;
        }

        @Override
        public Answer send(HttpMethod method, String path, String authorization, String json) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMillis(DEADLINE_MS))
                    .header("Authorization", authorization);
            if (json != null) {
                request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
            }
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        }
    }
}
