package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Timestamp;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.LedgerEntry;
import dev.payflow.proto.v1.ListLedgerEntriesRequest;
import dev.payflow.proto.v1.ListLedgerEntriesResponse;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletBalance;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A wallet's statement, transaction list and past balances after a known series of movements:
 * credit 100.00, debit 30.00, transfer out 20.00, credit 5.50, transfer in 10.00, debit 0.50.
 */
class StatementTest {
    /** How far the server's clock moves around each moment: consecutive movements get distinct timestamps and id prefixes. */
    private static final Duration PAUSE = Duration.ofMillis(15);

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;
    private static Wallet wallet;
    private static Wallet counterpart;
    /** The movements of {@link #wallet}, oldest first. */
    private static final List<Transaction> movements = new ArrayList<>();
    /** {@code moments.get(i)} lies after movement i-1 and before movement i; the last one after all of them. */
    private static final List<Instant> moments = new ArrayList<>();
    /** The wallet's balance right after each movement, oldest first. */
    private static final List<String> balancesAfter = List.of("100.00", "70.00", "50.00", "55.50", "65.50", "65.00");

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
        wallet = newWallet("USD");
        counterpart = newWallet("USD");
        credit(counterpart.getId(), "50.00");

        moment();
        movements.add(credit(wallet.getId(), "100.00"));
        moment();
        movements.add(payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("30.00").setCurrency("USD").setDescription("debit").setIdempotencyKey(newIdempotencyKey()).build()));
        moment();
        movements.add(transfer(wallet.getId(), counterpart.getId(), "20.00"));
        moment();
        movements.add(credit(wallet.getId(), "5.50"));
        moment();
        movements.add(transfer(counterpart.getId(), wallet.getId(), "10.00"));
        moment();
        movements.add(payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("0.50").setCurrency("USD").setDescription("debit").setIdempotencyKey(newIdempotencyKey()).build()));
        moment();
        // Balances as of these moments are final once the moments are long enough ago.
        payflow.clock().advance(Limits.BALANCE_SETTLED_AFTER);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Ledger entries --------------------------------------------------------------------------------

    @Test
    void ledgerEntriesListTheEntriesNewestFirstEachWithTypeAmountAndRunningBalance() {
        TestServer.Rest statement = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/ledger-entries", partner.sandboxKey(), null);

        assertThat(statement.status()).as("HTTP status of %s", statement.body()).isEqualTo(200);
        List<JsonObject> entries = objects(statement.body().getAsJsonArray("ledgerEntries"));
        assertThat(entries).extracting(e -> e.get("type").getAsString(), e -> e.get("amount").getAsString(), e -> e.get("balance").getAsString())
                .containsExactly(
                        tuple("debit", "0.50", "65.00"),
                        tuple("credit", "10.00", "65.50"),
                        tuple("credit", "5.50", "55.50"),
                        tuple("debit", "20.00", "50.00"),
                        tuple("debit", "30.00", "70.00"),
                        tuple("credit", "100.00", "100.00"));
        assertThat(entries).extracting(e -> e.get("transactionId").getAsString())
                .containsExactlyElementsOf(reversed(movements.stream().map(Transaction::getId).toList()));
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.get("walletId").getAsString()).isEqualTo(wallet.getId());
            assertThat(e.get("currency").getAsString()).isEqualTo("USD");
        });
        assertThat(statement.body().get("nextPageToken").getAsString()).isEmpty();
        assertThat(entries.get(0).get("balance").getAsString()).isEqualTo(balanceNow());
    }

    @Test
    void pagingThroughTheStatementTwoEntriesAtATimeVisitsEveryEntryOnceWithConsistentRunningBalances() {
        List<LedgerEntry> visited = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String token = "";
        do {
            ListLedgerEntriesResponse page = payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder()
                    .setWalletId(wallet.getId()).setPageSize(2).setPageToken(token).build());
            visited.addAll(page.getLedgerEntriesList());
            pageSizes.add(page.getLedgerEntriesCount());
            token = page.getNextPageToken();
        } while (!token.isEmpty() && pageSizes.size() < 10);

        assertThat(pageSizes).containsExactly(2, 2, 2);
        assertThat(visited).extracting(LedgerEntry::getId).doesNotHaveDuplicates().hasSize(6);
        assertThat(visited.get(0).getBalance()).isEqualTo(balanceNow());
        // Oldest first (the reverse of the newest-first statement): each balance is the previous one plus a credit or minus a debit, starting from zero.
        long previous = 0;
        for (LedgerEntry entry : reversed(visited)) {
            long amount = minor(entry.getAmount());
            long expected = entry.getType() == LedgerEntry.Type.credit ? previous + amount : previous - amount;
            assertThat(minor(entry.getBalance())).as("balance after entry %s", entry.getId()).isEqualTo(expected);
            previous = expected;
        }
    }

    @Test
    void pagingOverRestFollowsNextPageTokenToTheSameEntries() {
        List<String> ids = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            TestServer.Rest page = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/ledger-entries?pageSize=2"
                    + (token.isEmpty() ? "" : "&pageToken=" + token), partner.sandboxKey(), null);
            assertThat(page.status()).as("HTTP status of %s", page.body()).isEqualTo(200);
            objects(page.body().getAsJsonArray("ledgerEntries")).forEach(e -> ids.add(e.get("id").getAsString()));
            token = page.body().get("nextPageToken").getAsString();
            pages++;
        } while (!token.isEmpty() && pages < 10);

        assertThat(pages).isEqualTo(3);
        List<String> all = payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder().setWalletId(wallet.getId())
                .build()).getLedgerEntriesList().stream().map(LedgerEntry::getId).toList();
        assertThat(ids).containsExactlyElementsOf(all);
    }

    // --- Transactions ----------------------------------------------------------------------------------

    @Test
    void transactionsAreListedNewestFirstAndPaginateWithoutGapsOrRepeats() {
        List<String> ids = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            TestServer.Rest page = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/transactions?pageSize=2"
                    + (token.isEmpty() ? "" : "&pageToken=" + token), partner.sandboxKey(), null);
            assertThat(page.status()).as("HTTP status of %s", page.body()).isEqualTo(200);
            objects(page.body().getAsJsonArray("transactions")).forEach(t -> ids.add(t.get("id").getAsString()));
            token = page.body().get("nextPageToken").getAsString();
            pages++;
        } while (!token.isEmpty() && pages < 10);

        assertThat(pages).isEqualTo(3);
        assertThat(ids).containsExactlyElementsOf(reversed(movements.stream().map(Transaction::getId).toList()));
    }

    @Test
    void transactionsFilterByType() {
        assertThat(listTransactions("type=transfer")).containsExactly(id(4), id(2));
        assertThat(listTransactions("type=credit")).containsExactly(id(3), id(0));
        assertThat(listTransactions("type=debit")).containsExactly(id(5), id(1));
        assertThat(payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder().setWalletId(wallet.getId())
                .setType(Transaction.Type.transfer).build()).getTransactionsList()).extracting(Transaction::getId).containsExactly(id(4), id(2));
    }

    @Test
    void transactionsFilterByStatus() {
        assertThat(listTransactions("status=completed")).hasSize(6);
        assertThat(listTransactions("status=failed")).isEmpty();
        assertThat(listTransactions("status=completed&type=debit")).containsExactly(id(5), id(1));
    }

    @Test
    void anUnknownTypeOrStatusFilterIsInvalidField() {
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/transactions?type=bonus", partner.sandboxKey(), null),
                400, "INVALID_FIELD");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/transactions?status=done", partner.sandboxKey(), null),
                400, "INVALID_FIELD");
    }

    @Test
    void transactionsFilterByACreatedAtRangeGivenInRfc3339() {
        // moments.get(i) lies just before movement i.
        assertThat(listTransactions("createdAfter=" + moments.get(2) + "&createdBefore=" + moments.get(4))).containsExactly(id(3), id(2));
        assertThat(listTransactions("createdAfter=" + moments.get(4))).containsExactly(id(5), id(4));
        assertThat(listTransactions("createdBefore=" + moments.get(1))).containsExactly(id(0));
        assertThat(listTransactions("createdAfter=" + moments.get(6))).isEmpty();
        assertThat(payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder().setWalletId(wallet.getId())
                .setCreatedAfter(timestamp(moments.get(1))).setCreatedBefore(timestamp(moments.get(3))).build()).getTransactionsList())
                .extracting(Transaction::getId).containsExactly(id(2), id(1));
    }

    @Test
    void aCreatedAtRangeThatIsEmptyOrReversedIsInvalidField() {
        String path = "/api/v1/wallets/" + wallet.getId() + "/transactions?createdAfter=";
        assertRestError(payflow.rest("GET", path + moments.get(3) + "&createdBefore=" + moments.get(3), partner.sandboxKey(), null), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("GET", path + moments.get(4) + "&createdBefore=" + moments.get(2), partner.sandboxKey(), null), 400, "INVALID_FIELD");
        assertGrpcError(() -> payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder()
                .setWalletId(wallet.getId()).setCreatedAfter(timestamp(moments.get(4))).setCreatedBefore(timestamp(moments.get(2))).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    @Test
    void timestampsWithAUtcOffsetMeanTheSameMoment() {
        String after = withOffset(moments.get(2));
        String before = withOffset(moments.get(4));

        assertThat(after).contains("+02:00");
        assertThat(listTransactions("createdAfter=" + after + "&createdBefore=" + before)).containsExactly(id(3), id(2));
        assertThat(listTransactions("createdAfter=" + after.replace("+", "%2B") + "&createdBefore=" + before.replace("+", "%2B")))
                .containsExactly(id(3), id(2));
        TestServer.Rest balance = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/balance?asOf=" + withOffset(moments.get(3)),
                partner.sandboxKey(), null);
        assertThat(balance.status()).as("HTTP status of %s", balance.body()).isEqualTo(200);
        assertThat(balance.body().get("balance").getAsString()).isEqualTo(balancesAfter.get(2));
    }

    @Test
    void aPageSizeAbove200IsInvalidPageSize() {
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/ledger-entries?pageSize=201", partner.sandboxKey(), null),
                400, "INVALID_PAGE_SIZE");
        assertGrpcError(() -> payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder()
                .setWalletId(wallet.getId()).setPageSize(201).build()), Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_SIZE");
        assertThat(payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder().setWalletId(wallet.getId())
                .setPageSize(200).build()).getLedgerEntriesList()).hasSize(6);
    }

    @Test
    void anotherPartnersStatementTransactionsAndBalanceAreWalletNotFound() {
        String base = "/api/v1/wallets/" + wallet.getId();

        assertRestError(payflow.rest("GET", base + "/ledger-entries", otherPartner.sandboxKey(), null), 404, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("GET", base + "/transactions", otherPartner.sandboxKey(), null), 404, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("GET", base + "/balance?asOf=" + moments.get(3), otherPartner.sandboxKey(), null), 404, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("GET", base + "/ledger-entries", partner.productionKey(), null), 404, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/v1/transactions/" + id(0), otherPartner.sandboxKey(), null), 404, "TRANSACTION_NOT_FOUND");
    }

    // --- Page tokens -----------------------------------------------------------------------------------

    @Test
    void aPageTokenThisApiDidNotIssueIsInvalidPageToken() {
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/ledger-entries?pageToken=not-a-token", partner.sandboxKey(), null),
                400, "INVALID_PAGE_TOKEN");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/transactions?pageToken=not-a-token", partner.sandboxKey(), null),
                400, "INVALID_PAGE_TOKEN");
        assertGrpcError(() -> payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder().setWalletId(wallet.getId())
                .setPageToken("cDEuZ2FyYmFnZQ").build()), Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
    }

    @Test
    void aPageTokenOfOneWalletsStatementIsInvalidPageTokenOnAnotherWallet() {
        String entriesToken = payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder().setWalletId(wallet.getId())
                .setPageSize(2).build()).getNextPageToken();
        String transactionsToken = payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder()
                .setWalletId(wallet.getId()).setPageSize(2).build()).getNextPageToken();
        assertThat(entriesToken).isNotEmpty();
        assertThat(transactionsToken).isNotEmpty();

        assertGrpcError(() -> payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder()
                .setWalletId(counterpart.getId()).setPageSize(2).setPageToken(entriesToken).build()), Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + counterpart.getId() + "/ledger-entries?pageSize=2&pageToken=" + entriesToken,
                partner.sandboxKey(), null), 400, "INVALID_PAGE_TOKEN");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + counterpart.getId() + "/transactions?pageSize=2&pageToken=" + transactionsToken,
                partner.sandboxKey(), null), 400, "INVALID_PAGE_TOKEN");
    }

    @Test
    void aPageTokenOfTheTransactionListIsInvalidPageTokenWithOtherFiltersOrOnTheStatement() {
        String creditsToken = payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder()
                .setWalletId(wallet.getId()).setType(Transaction.Type.credit).setPageSize(1).build()).getNextPageToken();
        assertThat(creditsToken).isNotEmpty();

        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/transactions?type=debit&pageSize=1&pageToken=" + creditsToken,
                partner.sandboxKey(), null), 400, "INVALID_PAGE_TOKEN");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/ledger-entries?pageSize=1&pageToken=" + creditsToken,
                partner.sandboxKey(), null), 400, "INVALID_PAGE_TOKEN");
    }

    // --- Past balances ---------------------------------------------------------------------------------

    @Test
    void theBalanceAsOfAMomentIsTheBalanceAfterTheLastEntryAtOrBeforeIt() {
        List<String> expected = new ArrayList<>();
        expected.add("0.00");
        expected.addAll(balancesAfter);
        for (int i = 0; i < moments.size(); i++) {
            Instant at = moments.get(i);
            TestServer.Rest rest = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/balance?asOf=" + at, partner.sandboxKey(), null);
            WalletBalance grpc = payflow.wallets(partner.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId(wallet.getId())
                    .setAsOf(timestamp(at)).build());

            assertThat(rest.status()).as("HTTP status of %s", rest.body()).isEqualTo(200);
            assertThat(rest.body().get("balance").getAsString()).as("balance over REST as of %s", at).isEqualTo(expected.get(i));
            assertThat(grpc.getBalance()).as("balance over gRPC as of %s", at).isEqualTo(expected.get(i));
            assertThat(grpc.getAsOf()).isEqualTo(timestamp(at));
        }
    }

    @Test
    void theBalanceBeforeTheFirstEntryIsZeroAndAtTheMomentOfAnEntryIncludesIt() {
        Instant firstEntryAt = instant(movements.get(0).getEntries(0).getCreatedAt());
        String path = "/api/v1/wallets/" + wallet.getId() + "/balance?asOf=";

        assertThat(payflow.rest("GET", path + firstEntryAt.minusNanos(1_000), partner.sandboxKey(), null).body().get("balance").getAsString())
                .isEqualTo("0.00");
        assertThat(payflow.rest("GET", path + firstEntryAt, partner.sandboxKey(), null).body().get("balance").getAsString()).isEqualTo("100.00");
        assertThat(payflow.rest("GET", path + "2000-01-01T00:00:00Z", partner.sandboxKey(), null).body().get("balance").getAsString())
                .isEqualTo("0.00");
    }

    // --- Helpers ---------------------------------------------------------------------------------------

    /** The moment as RFC 3339 with a +02:00 offset instead of Z. */
    private static String withOffset(Instant instant) {
        return java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(instant.atOffset(java.time.ZoneOffset.ofHours(2)));
    }

    private static void moment() {
        payflow.clock().advance(PAUSE);
        moments.add(payflow.clock().instant());
        payflow.clock().advance(PAUSE);
    }

    /** The list in reverse order (a copy). */
    private static <T> List<T> reversed(List<T> list) {
        List<T> reversed = new ArrayList<>(list);
        java.util.Collections.reverse(reversed);
        return reversed;
    }

    private static String id(int movement) {
        return movements.get(movement).getId();
    }

    /** The ids of the wallet's transactions listed over REST with this query, in order. */
    private static List<String> listTransactions(String query) {
        TestServer.Rest listed = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/transactions?" + query, partner.sandboxKey(), null);
        assertThat(listed.status()).as("HTTP status of %s for %s", listed.body(), query).isEqualTo(200);
        return objects(listed.body().getAsJsonArray("transactions")).stream().map(t -> t.get("id").getAsString()).toList();
    }

    private static String balanceNow() {
        return payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build()).getBalance();
    }

    private static List<JsonObject> objects(com.google.gson.JsonArray array) {
        List<JsonObject> objects = new ArrayList<>();
        for (JsonElement element : array) {
            objects.add(element.getAsJsonObject());
        }
        return objects;
    }

    private static long minor(String usd) {
        String[] parts = usd.split("\\.");
        return Long.parseLong(parts[0]) * 100 + Long.parseLong(parts[1]);
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }

    private static Wallet newWallet(String currency) {
        return payflow.newWallet(partner.sandboxKey(), currency);
    }

    private static Transaction credit(String walletId, String amount) {
        return payflow.credit(partner.sandboxKey(), walletId, amount, "USD");
    }

    private static Transaction transfer(String fromWalletId, String toWalletId, String amount) {
        return payflow.transfer(partner.sandboxKey(), fromWalletId, toWalletId, amount, "USD");
    }
}
