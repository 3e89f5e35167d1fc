package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.HttpBody;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Timestamp;
import dev.payflow.core.app.Credits;
import dev.payflow.core.app.MovementTerms;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.gateway.GatewayRegistry;
import dev.payflow.core.gateway.SimulatedGateway;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.SystemAccountRepository;
import dev.payflow.core.persistence.WalletRepository;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.ExportServiceGrpc;
import dev.payflow.proto.v1.ExportTransactionsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v1/exports/transactions: a partner's own transactions of one mode in [from, to), as
 * JSON lines, a page at a time. Partner A makes five sandbox movements a minute apart and one live
 * credit; partner B makes one sandbox credit in the same minutes.
 */
class ExportTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration STEP = Duration.ofMinutes(1);

    private static TestServer payflow;
    private static TestServer.PartnerKeys partnerA;
    private static TestServer.PartnerKeys partnerB;
    /** Partner A's sandbox transactions, oldest first. */
    private static final List<Transaction> sandboxMovements = new ArrayList<>();
    /** When each of {@link #sandboxMovements} was booked. */
    private static final List<Instant> bookedAt = new ArrayList<>();
    private static String liveCreditId;
    private static String otherPartnersCreditId;

    @BeforeAll
    static void start() {
        payflow = TestServer.start(TestClock.frozenAt(START));
        partnerA = payflow.onboard(Partner.Status.active);
        partnerB = payflow.onboard(Partner.Status.active);
        Wallet first = payflow.newWallet(partnerA.sandboxKey(), "USD");
        Wallet second = payflow.newWallet(partnerA.sandboxKey(), "USD");
        book(() -> payflow.credit(partnerA.sandboxKey(), first.getId(), "100.00", "USD"));
        book(() -> payflow.debit(partnerA.sandboxKey(), first.getId(), "30.00", "USD"));
        book(() -> payflow.transfer(partnerA.sandboxKey(), first.getId(), second.getId(), "20.00", "USD"));
        otherPartnersCreditId = payflow.credit(partnerB.sandboxKey(), payflow.newWallet(partnerB.sandboxKey(), "USD").getId(), "7.00", "USD")
                .getId();
        book(() -> payflow.credit(partnerA.sandboxKey(), second.getId(), "5.50", "USD"));
        book(() -> payflow.debit(partnerA.sandboxKey(), second.getId(), "0.50", "USD"));
        // Live wallets cannot be funded through the API without a live gateway: booked in-process with the simulated one.
        Wallet live = payflow.newWallet(partnerA.productionKey(), "USD");
        LedgerEngine engine = new LedgerEngine(payflow.server().database(), payflow.clock(), new Ids(payflow.clock(), new SecureRandom()),
                new WalletRepository(), new LedgerRepository(), new HoldRepository(), new IdempotencyRepository(), new SystemAccountRepository());
        liveCreditId = new Credits(engine, new GatewayRegistry(new SimulatedGateway(), Optional.of(new SimulatedGateway())))
                .credit(new PartnerScope(partnerA.partnerId(), true),
                        new MovementTerms.OnWallet(live.getId(), "9.00", "USD", "live funding", Metadata.EMPTY),
                        IdempotencyKey.fromPartner(TestServer.newIdempotencyKey())).id();
        payflow.clock().advance(STEP);
    }

    private static void book(java.util.function.Supplier<Transaction> movement) {
        bookedAt.add(payflow.clock().instant());
        sandboxMovements.add(movement.get());
        payflow.clock().advance(STEP);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    private static String window(Instant from, Instant to) {
        return "/api/v1/exports/transactions?from=" + from + "&to=" + to;
    }

    private static List<JsonObject> lines(TestServer.Rest answer) {
        assertThat(answer.status()).as("HTTP status of %s", answer.body()).isEqualTo(200);
        List<JsonObject> lines = new ArrayList<>();
        for (JsonElement line : answer.body().getAsJsonArray("lines")) {
            lines.add(line.getAsJsonObject());
        }
        return lines;
    }

    private static List<String> idsOf(List<JsonObject> lines) {
        return lines.stream().filter(l -> l.has("id")).map(l -> l.get("id").getAsString()).toList();
    }

    private static List<String> sandboxIds() {
        return sandboxMovements.stream().map(Transaction::getId).toList();
    }

    @Test
    void theExportIsJsonLinesOfEachTransactionAsGetAnswersItEndingWithTheNextPageToken() {
        TestServer.Rest answer = payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))), partnerA.sandboxKey(), null);

        assertThat(answer.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/x-ndjson"));
        List<JsonObject> lines = lines(answer);
        assertThat(idsOf(lines)).containsExactlyElementsOf(sandboxIds());
        assertThat(lines.get(lines.size() - 1).keySet()).containsExactly("nextPageToken");
        assertThat(lines.get(lines.size() - 1).get("nextPageToken").getAsString()).isEmpty();
        JsonObject transfer = lines.get(2);
        JsonObject asGetAnswersIt = payflow.rest("GET", "/api/v1/transactions/" + sandboxMovements.get(2).getId(), partnerA.sandboxKey(), null).body();
        assertThat(transfer).isEqualTo(asGetAnswersIt);
        assertThat(transfer.get("type").getAsString()).isEqualTo("transfer");
        assertThat(transfer.get("status").getAsString()).isEqualTo("completed");
        assertThat(transfer.get("amount").getAsString()).isEqualTo("20.00");
        assertThat(transfer.get("currency").getAsString()).isEqualTo("USD");
        assertThat(transfer.get("livemode").getAsBoolean()).isFalse();
        assertThat(transfer.getAsJsonArray("entries")).hasSize(2);
        assertThat(transfer.get("createdAt").getAsString()).isEqualTo(bookedAt.get(2).toString());
    }

    @Test
    void pagingTwoAtATimeVisitsEveryTransactionOnceOldestFirstOverRestAndGrpcAlike() {
        List<String> overRest = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String token = "";
        do {
            List<JsonObject> lines = lines(payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))) + "&pageSize=2&pageToken=" + token,
                    partnerA.sandboxKey(), null));
            overRest.addAll(idsOf(lines));
            pageSizes.add(idsOf(lines).size());
            token = lines.get(lines.size() - 1).get("nextPageToken").getAsString();
        } while (!token.isEmpty() && pageSizes.size() < 10);

        assertThat(pageSizes).containsExactly(2, 2, 1);
        assertThat(overRest).containsExactlyElementsOf(sandboxIds());

        List<String> overGrpc = new ArrayList<>();
        token = "";
        do {
            HttpBody page = exports(partnerA.sandboxKey()).exportTransactions(request(START, START.plus(Duration.ofHours(1))).setPageSize(2)
                    .setPageToken(token).build());
            assertThat(page.getContentType()).isEqualTo("application/x-ndjson");
            List<String> lines = page.getData().toStringUtf8().lines().toList();
            for (String line : lines.subList(0, lines.size() - 1)) {
                overGrpc.add(JsonParser.parseString(line).getAsJsonObject().get("id").getAsString());
            }
            token = JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject().get("nextPageToken").getAsString();
        } while (!token.isEmpty() && overGrpc.size() < 20);
        assertThat(overGrpc).containsExactlyElementsOf(sandboxIds());
    }

    @Test
    void integralMetadataNumbersPrintAsIntegersOnTheLinesAsTheRestFacadePrintsThem() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Transaction credit = payflow.wallets(partner.sandboxKey()).creditWallet(dev.payflow.proto.v1.CreditWalletRequest.newBuilder()
                .setWalletId(wallet.getId()).setAmount("4.00").setCurrency("USD").setIdempotencyKey(TestServer.newIdempotencyKey())
                .setMetadata(com.google.protobuf.Struct.newBuilder()
                        .putFields("week", com.google.protobuf.Value.newBuilder().setNumberValue(12).build())
                        .putFields("share", com.google.protobuf.Value.newBuilder().setNumberValue(0.25).build()))
                .build());

        String lines = exports(partner.sandboxKey()).exportTransactions(request(START, START.plus(Duration.ofHours(1))).build())
                .getData().toStringUtf8();

        String line = lines.lines().filter(l -> l.contains(credit.getId())).findFirst().orElseThrow();
        assertThat(line).contains("\"week\":12").contains("\"share\":0.25").doesNotContain("12.0");
        assertThat(lines.lines().toList()).as("still one JSON object per line").hasSize(2);
    }

    @Test
    void theWindowIncludesItsStartAndExcludesItsEnd() {
        // From the second movement's instant up to (not including) the fifth's: the second, third and fourth.
        List<JsonObject> lines = lines(payflow.rest("GET", window(bookedAt.get(1), bookedAt.get(4)), partnerA.sandboxKey(), null));

        assertThat(idsOf(lines)).containsExactlyElementsOf(sandboxIds().subList(1, 4));
        assertThat(idsOf(lines(payflow.rest("GET", window(START.minus(Duration.ofDays(1)), START), partnerA.sandboxKey(), null)))).isEmpty();
    }

    @Test
    void anotherPartnersTransactionsNeverAppearAndItsOwnDo() {
        List<String> ofB = idsOf(lines(payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))), partnerB.sandboxKey(), null)));

        assertThat(ofB).containsExactly(otherPartnersCreditId);
        assertThat(idsOf(lines(payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))), partnerA.sandboxKey(), null))))
                .doesNotContain(otherPartnersCreditId);
    }

    @Test
    void aLiveKeyExportsOnlyLiveTransactionsAndASandboxKeyOnlySandboxOnes() {
        List<JsonObject> live = lines(payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))), partnerA.productionKey(), null));

        assertThat(idsOf(live)).containsExactly(liveCreditId);
        assertThat(live.get(0).get("livemode").getAsBoolean()).isTrue();
        assertThat(idsOf(lines(payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))), partnerA.sandboxKey(), null))))
                .doesNotContain(liveCreditId);
    }

    @Test
    void aKeyWithoutExportsReadIsRefusedOverRestAndGrpc() {
        String readOnly = payflow.issueKey(partnerA.partnerId(), ApiKey.Environment.sandbox, "transactions:read");

        assertRestError(payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))), readOnly, null), 403, "MISSING_PERMISSION");
        assertGrpcError(() -> exports(readOnly).exportTransactions(request(START, START.plus(Duration.ofHours(1))).build()),
                Status.Code.PERMISSION_DENIED, "MISSING_PERMISSION");
        String exporter = payflow.issueKey(partnerA.partnerId(), ApiKey.Environment.sandbox, "exports:read");
        assertThat(idsOf(lines(payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))), exporter, null))))
                .containsExactlyElementsOf(sandboxIds());
    }

    @Test
    void aWindowWithoutBothEndsOrWithItsEndFirstIsRefused() {
        assertRestError(payflow.rest("GET", "/api/v1/exports/transactions?from=" + START, partnerA.sandboxKey(), null), 400, "MISSING_FIELD");
        assertRestError(payflow.rest("GET", "/api/v1/exports/transactions?to=" + START, partnerA.sandboxKey(), null), 400, "MISSING_FIELD");
        assertRestError(payflow.rest("GET", window(START, START), partnerA.sandboxKey(), null), 400, "INVALID_FIELD");
        assertGrpcError(() -> exports(partnerA.sandboxKey()).exportTransactions(request(START.plusSeconds(1), START).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    @Test
    void aPageTokenOfAnotherWindowIsRefused() {
        List<JsonObject> first = lines(payflow.rest("GET", window(START, START.plus(Duration.ofHours(1))) + "&pageSize=2", partnerA.sandboxKey(), null));
        String token = first.get(first.size() - 1).get("nextPageToken").getAsString();

        assertThat(token).isNotEmpty();
        assertRestError(payflow.rest("GET", window(START, START.plus(Duration.ofHours(2))) + "&pageSize=2&pageToken=" + token,
                partnerA.sandboxKey(), null), 400, "INVALID_PAGE_TOKEN");
    }

    private static ExportTransactionsRequest.Builder request(Instant from, Instant to) {
        return ExportTransactionsRequest.newBuilder().setFrom(timestamp(from)).setTo(timestamp(to));
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static ExportServiceGrpc.ExportServiceBlockingStub exports(String key) {
        return TestServer.withBearer(ExportServiceGrpc.newBlockingStub(payflow.channel()), key);
    }
}
