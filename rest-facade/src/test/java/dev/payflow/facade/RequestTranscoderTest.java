package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.LedgerServiceGrpc;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestTranscoderTest {

  /** A body-less route over a request with a repeated field, which no real GET rule has yet. */
  private static final HttpRoute KEYS_BY_QUERY =
      HttpRoute.create(
          "GET", "/keys/{partner_id}", "", PartnerAdminServiceGrpc.getCreateApiKeyMethod());

  private static final HttpRoute TRANSACTIONS =
      RouteTable.fromServices(RestFacade.SERVICES).routes().stream()
          .filter(
              route ->
                  route.grpcMethod().equals(LedgerServiceGrpc.getListWalletTransactionsMethod()))
          .findFirst()
          .orElseThrow();

  private static final HttpRoute TRANSFER =
      HttpRoute.create(
          "POST", "/api/v1/transfers", "*", TransferServiceGrpc.getCreateTransferMethod());

  private final RequestTranscoder transcoder =
      new RequestTranscoder(List.of(KEYS_BY_QUERY, TRANSACTIONS, TRANSFER));

  @Test
  void repeatedQueryParameterAddsEachValueInOrder() {
    Message request =
        transcoder.transcode(
            KEYS_BY_QUERY,
            List.of("ptn_1"),
            "permissions=wallets:read&permissions=transfers%3Awrite&environment=sandbox",
            new byte[0],
            null);

    assertThat(request)
        .isEqualTo(
            CreateApiKeyRequest.newBuilder()
                .setPartnerId("ptn_1")
                .addPermissions("wallets:read")
                .addPermissions("transfers:write")
                .setEnvironment(ApiKey.Environment.sandbox)
                .build());
  }

  @Test
  void everyFilterOfAListCallBindsFromTheQuery() {
    Message request =
        transcoder.transcode(
            TRANSACTIONS,
            List.of("wal_1"),
            "type=credit&status=completed&createdAfter=2024-01-01T00:00:00Z&created_before=2024-02-01T00:00:00.5Z&pageSize=10",
            new byte[0],
            null);

    ListWalletTransactionsRequest received = (ListWalletTransactionsRequest) request;
    assertThat(received.getWalletId()).isEqualTo("wal_1");
    assertThat(received.getType()).isEqualTo(Transaction.Type.credit);
    assertThat(received.getStatus()).isEqualTo(Transaction.Status.completed);
    assertThat(received.getCreatedAfter().getSeconds()).isEqualTo(1704067200L);
    assertThat(received.getCreatedBefore().getNanos()).isEqualTo(500_000_000);
    assertThat(received.getPageSize()).isEqualTo(10);
  }

  @Test
  void queryParametersAreIgnoredWhenTheWholeBodyIsTheMessage() {
    Message request =
        transcoder.transcode(
            TRANSFER,
            List.of(),
            "amount=999.00",
            json("{\"amount\": \"1.00\"}"),
            "application/json");

    assertThat(((CreateTransferRequest) request).getAmount()).isEqualTo("1.00");
  }

  @Test
  void snakeCaseBodyNamesAreAcceptedLikeCamelCase() {
    Message request =
        transcoder.transcode(
            TRANSFER,
            List.of(),
            null,
            json("{\"from_wallet_id\": \"wal_a\", \"toWalletId\": \"wal_b\"}"),
            null);

    assertThat(request)
        .isEqualTo(
            CreateTransferRequest.newBuilder()
                .setFromWalletId("wal_a")
                .setToWalletId("wal_b")
                .build());
  }

  @Test
  void outOfRangeIntegerIsMalformedNamingTheParameter() {
    assertThatThrownBy(
            () ->
                transcoder.transcode(
                    TRANSACTIONS, List.of("wal_1"), "pageSize=99999999999", new byte[0], null))
        .isInstanceOf(FacadeException.class)
        .hasMessage("query parameter pageSize: \"99999999999\" (expected: an integer of 32 bits)");
  }

  @Test
  void wrongJsonKindsInTheBodyNameTheFieldPath() {
    assertThatThrownBy(
            () ->
                transcoder.transcode(TRANSFER, List.of(), null, json("{\"metadata\": [1]}"), null))
        .hasMessage("request body: metadata is an array (expected: a JSON object)");
    assertThatThrownBy(
            () ->
                transcoder.transcode(
                    TRANSFER, List.of(), null, json("{\"description\": {\"a\": 1}}"), null))
        .hasMessage("request body: description is an object (expected: a JSON string)");
  }

  @Test
  void bodyThatIsNotUtf8IsMalformed() {
    byte[] latin1 = "{\"description\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);

    assertThatThrownBy(
            () -> transcoder.transcode(TRANSFER, List.of(), null, latin1, "application/json"))
        .isInstanceOf(FacadeException.class)
        .hasMessage("request body: not valid UTF-8 (expected: JSON in UTF-8)");
  }

  @Test
  void contentTypeWithAnotherCharsetIsMalformed() {
    assertThatThrownBy(
            () ->
                transcoder.transcode(
                    TRANSFER, List.of(), null, json("{}"), "application/json; charset=iso-8859-1"))
        .hasMessageContaining("(expected: charset utf-8)");
  }

  @Test
  void readingABodyStopsAtTheLimitWhateverContentLengthSays() {
    byte[] oneTooMany = new byte[RequestTranscoder.BODY_BYTES_MAX + 1];

    assertThatThrownBy(() -> RequestTranscoder.readBody(new ByteArrayInputStream(oneTooMany), null))
        .isInstanceOf(FacadeException.class)
        .hasMessage("request body: more than 1048576 bytes (expected: at most 1048576)");
  }

  @Test
  void slightlyTooLargeBodyIsReadToTheEndSoTheCallerGetsThe400() {
    ByteArrayInputStream body = new ByteArrayInputStream(new byte[1_500_000]);

    assertThatThrownBy(() -> RequestTranscoder.readBody(body, "1500000"))
        .hasMessage("request body: 1500000 bytes (expected: at most 1048576)");
    assertThat(body.available()).isZero();
  }

  @Test
  void hugeDeclaredBodyIsRefusedUnread() {
    ByteArrayInputStream body = new ByteArrayInputStream(new byte[10]);

    assertThatThrownBy(() -> RequestTranscoder.readBody(body, "50000000"))
        .hasMessage("request body: 50000000 bytes (expected: at most 1048576)");
    assertThat(body.available()).isEqualTo(10);
  }

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
