package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.proto.v1.LedgerServiceGrpc;
import dev.payflow.proto.v1.WalletServiceGrpc;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouteTableTest {

  private static final RouteTable ALL = RouteTable.fromServices(RestFacade.SERVICES);

  @Test
  void everyHttpRuleOfTheSixServicesBecomesARoute() {
    assertThat(ALL.routes()).hasSize(31);
    assertThat(ALL.routes().stream().map(HttpRoute::toString))
        .contains(
            "GET /api/v1/wallets/{id} -> payflow.v1.WalletService/GetWallet",
            "POST /api/v1/webhooks/stripe -> payflow.v1.StripeWebhookService/HandleStripeEvent",
            "DELETE /api/admin/api-keys/{key_id} -> payflow.v1.PartnerAdminService/RevokeApiKey",
            "PATCH /api/admin/partners/{id}/status ->"
                + " payflow.v1.PartnerAdminService/UpdatePartnerStatus");
  }

  @Test
  void stripeWebhookRoutePassesTheRawBody() {
    RouteTable.Found found =
        (RouteTable.Found) ALL.match("POST", segments("/api/v1/webhooks/stripe"));

    assertThat(found.route().bodyMode()).isEqualTo(HttpRoute.BodyMode.RAW_HTTP_BODY);
  }

  @Test
  void literalSegmentWinsOverAVariableAtTheSamePosition() {
    RouteTable.Found external =
        (RouteTable.Found) ALL.match("GET", segments("/api/v1/wallets/external/balance"));
    RouteTable.Found byId =
        (RouteTable.Found) ALL.match("GET", segments("/api/v1/wallets/wal_1/balance"));

    assertThat(external.route().grpcMethod().getBareMethodName())
        .isEqualTo("GetWalletByExternalId");
    assertThat(external.pathValues()).containsExactly("balance");
    assertThat(byId.route().grpcMethod().getBareMethodName()).isEqualTo("GetWalletBalance");
    assertThat(byId.pathValues()).containsExactly("wal_1");
  }

  @Test
  void variableRouteServesAMethodTheMoreLiteralPathDoesNot() {
    // POST /api/v1/wallets/external/credit: the literal path has only GET, the variable one POST.
    RouteTable.Found found =
        (RouteTable.Found) ALL.match("POST", segments("/api/v1/wallets/external/credit"));

    assertThat(found.route().grpcMethod().getBareMethodName()).isEqualTo("CreditWallet");
    assertThat(found.pathValues()).containsExactly("external");
  }

  @Test
  void pathWithoutTheMethodIsMethodNotAllowedListingTheOthers() {
    RouteTable.Match match = ALL.match("PUT", segments("/api/v1/wallets/wal_1"));

    assertThat(match).isInstanceOf(RouteTable.MethodNotAllowed.class);
    assertThat(((RouteTable.MethodNotAllowed) match).allowedMethods())
        .containsExactly("GET", "PATCH");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/api",
        "/api/v1/wallets/wal_1/nope",
        "/api/v1/wallets//balance",
        "/API/v1/wallets"
      })
  void pathsNoRuleDescribesAreNotFound(String path) {
    assertThat(ALL.match("GET", segments(path))).isInstanceOf(RouteTable.NotFound.class);
  }

  @Test
  void twoMethodsOnTheSameRouteFailAtStartUp() {
    HttpRoute first =
        HttpRoute.create("GET", "/a/{id}", "", WalletServiceGrpc.getGetWalletMethod());
    HttpRoute second =
        HttpRoute.create("GET", "/a/{id}", "", LedgerServiceGrpc.getGetTransactionMethod());

    assertThatThrownBy(() -> RouteTable.of(List.of(first, second)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two methods claim the same REST route");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v1/{id=wallets/*}",
        "/v1/*",
        "/v1/**",
        "/v1/{wallet.id}",
        "/v1/{id}:cancel",
        "v1/{id}",
        "/v1/wal lets"
      })
  void templatesBeyondLiteralsAndSimpleVariablesFailAtStartUp(String template) {
    assertThatThrownBy(() -> PathTemplate.parse(template))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unsupported path template " + template);
  }

  @Test
  void pathVariableMustNameAFieldOfTheRequest() {
    assertThatThrownBy(
            () -> HttpRoute.create("GET", "/v1/{nope}", "", WalletServiceGrpc.getGetWalletMethod()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("path variable {nope} must name a singular");
  }

  @Test
  void namedBodyFieldFailsAtStartUp() {
    assertThatThrownBy(
            () ->
                HttpRoute.create(
                    "POST", "/v1/w", "metadata", WalletServiceGrpc.getCreateWalletMethod()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("body \"metadata\" is not supported");
  }

  static List<String> segments(String path) {
    return Arrays.asList(path.substring(1).split("/", -1));
  }
}
