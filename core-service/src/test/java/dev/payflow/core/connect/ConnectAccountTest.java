package dev.payflow.core.connect;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.FakeStripe.account;
import static dev.payflow.core.testing.FakeStripe.connectEvent;
import static dev.payflow.core.testing.FakeStripe.form;
import static dev.payflow.core.testing.FakeStripe.signature;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.payflow.core.testing.ApiErrors;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ConnectedAccount;
import dev.payflow.proto.v1.ConnectedAccountBalance;
import dev.payflow.proto.v1.CreateConnectedAccountRequest;
import dev.payflow.proto.v1.CreateOnboardingLinkRequest;
import dev.payflow.proto.v1.DeleteConnectedAccountRequest;
import dev.payflow.proto.v1.GetConnectedAccountBalanceRequest;
import dev.payflow.proto.v1.GetConnectedAccountRequest;
import dev.payflow.proto.v1.ListConnectedAccountsRequest;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.OnboardingLink;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.UpdateConnectedAccountRequest;
import dev.payflow.proto.v1.WebhookEvent;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Connected accounts through Stripe Connect, played by a fake at the HTTP level so that the real stripe-java code runs. */
class ConnectAccountTest {
    private static final String LINK_URL = "https://connect.stripe.com/setup/e/acct_fake/onboarding";
    private static FakeStripe stripe;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe);
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
        if (stripe != null) {
            stripe.close();
        }
    }

    private static String newAccountId() {
        return "acct_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    private static String newUser() {
        return "user-" + UUID.randomUUID();
    }

    /** Stripe answers the create with a fresh account that still needs its holder's details, and the link with {@link #LINK_URL}. */
    private static String stripeMakesAccounts() {
        String accountId = newAccountId();
        stripe.reset();
        // The answer's metadata is not read on the create: our record is found by our own id.
        stripe.alsoAnswers("/v1/accounts", 200, account(accountId, false, false, List.of("external_account", "individual.dob.day"), "",
                "con_unused", "ptn_unused"));
        stripe.alsoAnswers("/v1/account_links", 200, "{\"object\":\"account_link\",\"created\":1700000000,\"expires_at\":1700000300,\"url\":\""
                + LINK_URL + "\"}");
        return accountId;
    }

    private static ConnectedAccount create(String key, String externalUserId) {
        return payflow.connect(key).createConnectedAccount(CreateConnectedAccountRequest.newBuilder().setExternalUserId(externalUserId)
                .setCountry("US").setEmail("holder@example.com").setBusinessType("individual").build());
    }

    private static TestServer.Rest deliver(String body) {
        return payflow.rest("POST", "/api/v1/webhooks/stripe", null, body, Map.of("Stripe-Signature",
                signature(FakeStripe.WEBHOOK_SECRET_TEST, payflow.clock().instant().getEpochSecond(), body.getBytes(StandardCharsets.UTF_8))));
    }

    /** A page PayFlow serves, fetched as the account holder's browser would. */
    static java.net.http.HttpResponse<String> page(String url) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String newEventId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static ConnectedAccount get(String key, String id) {
        return payflow.connect(key).getConnectedAccount(GetConnectedAccountRequest.newBuilder().setId(id).build());
    }

    private static List<WebhookEvent> eventsAbout(String key, String type, String accountId) {
        return payflow.webhooks(key).listEvents(ListEventsRequest.newBuilder().setType(type).setPageSize(200).build()).getEventsList()
                .stream().filter(event -> event.toString().contains(accountId)).toList();
    }

    @Test
    void creatingAnExpressAccountSendsStripeControllerSettingsAndAManualPayoutScheduleAndAnswersAnOnboardingLink() {
        String stripeAccount = stripeMakesAccounts();
        String user = newUser();

        ConnectedAccount created = create(partner.sandboxKey(), user);

        assertThat(created.getId()).startsWith("con_");
        assertThat(created.getStripeAccountId()).isEqualTo(stripeAccount);
        assertThat(created.getType()).isEqualTo("express");
        assertThat(created.getExternalUserId()).isEqualTo(user);
        assertThat(created.getOnboardingUrl()).isEqualTo(LINK_URL);
        assertThat(created.getLivemode()).isFalse();
        // Stripe still needs the holder's details: restricted, with what is due shown.
        assertThat(created.getStatus()).isEqualTo(ConnectedAccount.Status.restricted);
        assertThat(created.getRequirements().getCurrentlyDueList()).containsExactly("external_account", "individual.dob.day");
        assertThat(created.getChargesEnabled()).isFalse();
        assertThat(created.getPayoutsEnabled()).isFalse();
        assertThat(created.getCapabilitiesMap()).containsEntry("card_payments", "inactive").containsEntry("transfers", "inactive");

        List<LoggedRequest> creates = stripe.requestsTo("/v1/accounts");
        assertThat(creates).hasSize(1);
        assertThat(creates.get(0).getHeader("Idempotency-Key")).isEqualTo(created.getId() + ":create");
        assertThat(form(creates.get(0))).containsEntry("country", "US").containsEntry("email", "holder@example.com")
                .containsEntry("business_type", "individual")
                .containsEntry("controller[stripe_dashboard][type]", "express")
                .containsEntry("controller[fees][payer]", "application")
                .containsEntry("controller[losses][payments]", "application")
                .containsEntry("capabilities[card_payments][requested]", "true")
                .containsEntry("capabilities[transfers][requested]", "true")
                .containsEntry("settings[payouts][schedule][interval]", "manual")
                .containsEntry("metadata[payflow_connected_account_id]", created.getId())
                .containsEntry("metadata[partner_user_id]", user);
        Map<String, String> link = form(stripe.requestsTo("/v1/account_links").get(0));
        assertThat(link).containsEntry("account", stripeAccount).containsEntry("type", "account_onboarding");
        // No URLs given: PayFlow's own pages.
        assertThat(link.get("return_url")).isEqualTo("http://localhost:" + payflow.server().httpPort() + "/connect/onboarding/return?account="
                + created.getId());
        assertThat(link.get("refresh_url")).startsWith("http://localhost:" + payflow.server().httpPort() + "/connect/onboarding/refresh");
        assertThat(page(link.get("return_url")).statusCode()).isEqualTo(200);
        assertThat(eventsAbout(partner.sandboxKey(), "connect.account.connected", created.getId())).hasSize(1);
    }

    @Test
    void aSecondAccountForTheSameUserIsRefusedAndAFreshOnboardingLinkUsesThePartnersUrls() {
        stripeMakesAccounts();
        String user = newUser();
        ConnectedAccount first = create(partner.sandboxKey(), user);

        assertGrpcError(() -> create(partner.sandboxKey(), user), Status.Code.ALREADY_EXISTS, "CONNECT_ACCOUNT_ALREADY_EXISTS");
        assertThat(stripe.requestsTo("/v1/accounts")).hasSize(1);

        OnboardingLink link = payflow.connect(partner.sandboxKey()).createOnboardingLink(CreateOnboardingLinkRequest.newBuilder()
                .setId(first.getId()).setReturnUrl("https://app.example/done").setRefreshUrl("https://app.example/again").build());
        assertThat(link.getUrl()).isEqualTo(LINK_URL);
        assertThat(link.getExpiresAt().getSeconds()).isEqualTo(1700000300L);
        assertThat(form(stripe.requestsTo("/v1/account_links").get(1))).containsEntry("return_url", "https://app.example/done")
                .containsEntry("refresh_url", "https://app.example/again");
    }

    @Test
    void anAccountStripeRefusesIsConnectAccountInvalidWithItsLegacyCodeAndLeavesNoRecord() {
        stripe.reset();
        stripe.alsoAnswers("/v1/accounts", 400, "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"country_unsupported\","
                + "\"message\":\"Country XX is not supported.\"}}");
        String user = newUser();

        com.google.rpc.Status status = assertGrpcError(() -> create(partner.sandboxKey(), user), Status.Code.INVALID_ARGUMENT,
                "CONNECT_ACCOUNT_INVALID");

        assertThat(ApiErrors.errorInfo(status).getMetadataMap()).containsEntry("legacyCode", "CONNECT_001");
        assertThat(status.getMessage()).contains("Country XX is not supported.");
        assertThat(payflow.connect(partner.sandboxKey()).listConnectedAccounts(ListConnectedAccountsRequest.newBuilder()
                .setExternalUserId(user).build()).getAccountsList()).isEmpty();
        stripeMakesAccounts();
        assertThat(create(partner.sandboxKey(), user).getStripeAccountId()).isNotEmpty();
    }

    @Test
    void aCreateWhoseAnswerWasLostIsFinishedByTheNextCreateWithTheSameKey() {
        stripe.reset();
        stripe.alsoAnswers("/v1/accounts", 500, "{\"error\":{\"type\":\"api_error\",\"message\":\"Stripe is having a bad day\"}}");
        String user = newUser();
        assertGrpcError(() -> create(partner.sandboxKey(), user), Status.Code.UNAVAILABLE, "GATEWAY_UNAVAILABLE");
        String firstKey = stripe.requestsTo("/v1/accounts").get(0).getHeader("Idempotency-Key");

        stripeMakesAccounts();
        ConnectedAccount finished = create(partner.sandboxKey(), user);

        assertThat(firstKey).isEqualTo(finished.getId() + ":create");
        assertThat(stripe.requestsTo("/v1/accounts").get(0).getHeader("Idempotency-Key")).isEqualTo(firstKey);
    }

    @Test
    void accountUpdatedMakesTheAccountActiveAndAnnouncesIt() {
        String stripeAccount = stripeMakesAccounts();
        ConnectedAccount created = create(partner.sandboxKey(), newUser());

        TestServer.Rest answer = deliver(connectEvent(newEventId(), "account.updated", stripeAccount,
                account(stripeAccount, true, true, List.of(), "", created.getId(), partner.partnerId())));

        assertThat(answer.status()).isEqualTo(200);
        ConnectedAccount active = get(partner.sandboxKey(), created.getId());
        assertThat(active.getStatus()).isEqualTo(ConnectedAccount.Status.active);
        assertThat(active.getChargesEnabled()).isTrue();
        assertThat(active.getPayoutsEnabled()).isTrue();
        assertThat(active.getCapabilitiesMap()).containsEntry("card_payments", "active");
        assertThat(active.getRequirements().getCurrentlyDueList()).isEmpty();
        assertThat(eventsAbout(partner.sandboxKey(), "connect.account.updated", created.getId())).hasSize(1);
        assertThat(payflow.connect(partner.sandboxKey()).listConnectedAccounts(ListConnectedAccountsRequest.newBuilder().setStatus("active")
                .build()).getAccountsList()).extracting(ConnectedAccount::getId).contains(created.getId());
    }

    @Test
    void accountUpdatedWithDetailsDueByADeadlineRestrictsTheAccountAndShowsTheDeadline() {
        String stripeAccount = stripeMakesAccounts();
        ConnectedAccount created = create(partner.sandboxKey(), newUser());
        deliver(connectEvent(newEventId(), "account.updated", stripeAccount,
                account(stripeAccount, true, true, List.of(), "", created.getId(), partner.partnerId())));

        deliver(connectEvent(newEventId(), "account.updated", stripeAccount, account(stripeAccount, true, true,
                List.of("individual.verification.document"), "\"current_deadline\":1800000000", created.getId(), partner.partnerId())));

        ConnectedAccount restricted = get(partner.sandboxKey(), created.getId());
        assertThat(restricted.getStatus()).isEqualTo(ConnectedAccount.Status.restricted);
        assertThat(restricted.getRequirements().getCurrentlyDueList()).containsExactly("individual.verification.document");
        assertThat(restricted.getRequirements().getCurrentDeadline().getSeconds()).isEqualTo(1800000000L);
    }

    @Test
    void aDisabledReasonDisablesTheAccountAndCapabilityUpdatedChangesOneCapability() {
        String stripeAccount = stripeMakesAccounts();
        ConnectedAccount created = create(partner.sandboxKey(), newUser());

        deliver(connectEvent(newEventId(), "capability.updated", stripeAccount, "{\"id\":\"card_payments\",\"object\":\"capability\",\"account\":\""
                + stripeAccount + "\",\"status\":\"pending\",\"requested\":true}"));
        assertThat(get(partner.sandboxKey(), created.getId()).getCapabilitiesMap()).containsEntry("card_payments", "pending")
                .containsEntry("transfers", "inactive");

        deliver(connectEvent(newEventId(), "account.updated", stripeAccount, account(stripeAccount, false, false, List.of(),
                "\"disabled_reason\":\"rejected.fraud\"", created.getId(), partner.partnerId())));
        ConnectedAccount disabled = get(partner.sandboxKey(), created.getId());
        assertThat(disabled.getStatus()).isEqualTo(ConnectedAccount.Status.disabled);
        assertThat(disabled.getRequirements().getDisabledReason()).isEqualTo("rejected.fraud");
    }

    @Test
    void deauthorizationDisconnectsTheAccountOnceAndPersonEventsAreOnlyAcknowledged() {
        String stripeAccount = stripeMakesAccounts();
        ConnectedAccount created = create(partner.sandboxKey(), newUser());
        String deauthorized = connectEvent(newEventId(), "account.application.deauthorized", stripeAccount,
                "{\"id\":\"ca_platform\",\"object\":\"application\",\"name\":\"PayFlow\"}");

        assertThat(deliver(deauthorized).status()).isEqualTo(200);
        assertThat(deliver(deauthorized).status()).isEqualTo(200);
        assertThat(deliver(connectEvent(newEventId(), "person.updated", stripeAccount, "{\"id\":\"person_1\",\"object\":\"person\","
                + "\"account\":\"" + stripeAccount + "\"}")).status()).isEqualTo(200);

        ConnectedAccount disconnected = get(partner.sandboxKey(), created.getId());
        assertThat(disconnected.getStatus()).isEqualTo(ConnectedAccount.Status.disabled);
        assertThat(disconnected.hasDisconnectedAt()).isTrue();
        assertThat(eventsAbout(partner.sandboxKey(), "connect.account.updated", created.getId())).hasSize(1);
    }

    @Test
    void theBalanceIsReadAsTheConnectedAccountAndAnAccountHoldingMoneyCannotBeDisconnected() {
        String stripeAccount = stripeMakesAccounts();
        ConnectedAccount created = create(partner.sandboxKey(), newUser());
        stripe.alsoAnswersGet("/v1/balance", "{\"object\":\"balance\",\"livemode\":false,\"available\":[{\"amount\":1250,\"currency\":\"usd\"}],"
                + "\"pending\":[{\"amount\":300,\"currency\":\"jpy\"}]}");

        ConnectedAccountBalance balance = payflow.connect(partner.sandboxKey()).getConnectedAccountBalance(
                GetConnectedAccountBalanceRequest.newBuilder().setId(created.getId()).build());

        assertThat(balance.getAvailableList()).extracting(ConnectedAccountBalance.Amount::getAmount, ConnectedAccountBalance.Amount::getCurrency)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("12.50", "USD"));
        assertThat(balance.getPendingList()).extracting(ConnectedAccountBalance.Amount::getAmount).containsExactly("300");
        assertThat(stripe.getsOf("/v1/balance").get(0).getHeader("Stripe-Account")).isEqualTo(stripeAccount);

        assertGrpcError(() -> payflow.connect(partner.sandboxKey()).deleteConnectedAccount(DeleteConnectedAccountRequest.newBuilder()
                .setId(created.getId()).build()), Status.Code.FAILED_PRECONDITION, "CONNECT_ACCOUNT_BALANCE_NOT_ZERO");
        assertThat(stripe.deletesOf("/v1/accounts/" + stripeAccount)).isEmpty();
        assertThat(get(partner.sandboxKey(), created.getId()).getStatus()).isNotEqualTo(ConnectedAccount.Status.disabled);
    }

    @Test
    void disconnectingAnEmptyAccountClosesItAtStripeKeepsTheRecordDisabledAndRefusesChangesAfter() {
        String stripeAccount = stripeMakesAccounts();
        ConnectedAccount created = create(partner.sandboxKey(), newUser());
        stripe.alsoAnswersGet("/v1/balance", "{\"object\":\"balance\",\"livemode\":false,\"available\":[{\"amount\":0,\"currency\":\"usd\"}],"
                + "\"pending\":[]}");
        stripe.alsoAnswersDelete("/v1/accounts/" + stripeAccount, "{\"id\":\"" + stripeAccount + "\",\"object\":\"account\",\"deleted\":true}");

        ConnectedAccount disconnected = payflow.connect(partner.sandboxKey()).deleteConnectedAccount(DeleteConnectedAccountRequest.newBuilder()
                .setId(created.getId()).build());

        assertThat(disconnected.getStatus()).isEqualTo(ConnectedAccount.Status.disabled);
        assertThat(disconnected.getPayoutsEnabled()).isFalse();
        assertThat(stripe.deletesOf("/v1/accounts/" + stripeAccount)).hasSize(1);
        assertThat(get(partner.sandboxKey(), created.getId()).getStatus()).isEqualTo(ConnectedAccount.Status.disabled);
        assertGrpcError(() -> payflow.connect(partner.sandboxKey()).updateConnectedAccount(UpdateConnectedAccountRequest.newBuilder()
                .setId(created.getId()).setEmail("new@example.com").build()), Status.Code.FAILED_PRECONDITION, "CONNECT_ACCOUNT_NOT_READY");
        // The user may connect a new account once the old one is disconnected.
        stripeMakesAccounts();
        assertThat(create(partner.sandboxKey(), created.getExternalUserId()).getId()).isNotEqualTo(created.getId());
    }

    @Test
    void anUpdateSendsTheEmailAndBusinessProfileToStripeAndReplacesTheMetadata() {
        String stripeAccount = stripeMakesAccounts();
        ConnectedAccount created = create(partner.sandboxKey(), newUser());
        stripe.alsoAnswers("/v1/accounts/" + stripeAccount, 200, account(stripeAccount, false, false, List.of("external_account"), "",
                created.getId(), partner.partnerId()));

        ConnectedAccount updated = payflow.connect(partner.sandboxKey()).updateConnectedAccount(UpdateConnectedAccountRequest.newBuilder()
                .setId(created.getId()).setEmail("new@example.com")
                .setBusinessProfile(dev.payflow.proto.v1.BusinessProfile.newBuilder().setName("Circle of Friends").setUrl("https://circle.example"))
                .setMetadata(com.google.protobuf.Struct.newBuilder().putFields("tier", com.google.protobuf.Value.newBuilder()
                        .setStringValue("gold").build())).build());

        assertThat(updated.getEmail()).isEqualTo("new@example.com");
        assertThat(updated.getMetadata().getFieldsMap()).containsKey("tier");
        assertThat(updated.getRequirements().getCurrentlyDueList()).containsExactly("external_account");
        assertThat(form(stripe.requestsTo("/v1/accounts/" + stripeAccount).get(0))).containsEntry("email", "new@example.com")
                .containsEntry("business_profile[name]", "Circle of Friends").containsEntry("business_profile[url]", "https://circle.example");
    }

    @Test
    void anotherPartnersAccountsAreNotFoundAndNotListedAndTheOtherModeSeesNoneOfThem() {
        stripeMakesAccounts();
        ConnectedAccount mine = create(partner.sandboxKey(), newUser());

        assertGrpcError(() -> get(otherPartner.sandboxKey(), mine.getId()), Status.Code.NOT_FOUND, "CONNECT_ACCOUNT_NOT_FOUND");
        assertGrpcError(() -> payflow.connect(otherPartner.sandboxKey()).getConnectedAccountBalance(GetConnectedAccountBalanceRequest
                .newBuilder().setId(mine.getId()).build()), Status.Code.NOT_FOUND, "CONNECT_ACCOUNT_NOT_FOUND");
        assertGrpcError(() -> payflow.connect(otherPartner.sandboxKey()).deleteConnectedAccount(DeleteConnectedAccountRequest.newBuilder()
                .setId(mine.getId()).build()), Status.Code.NOT_FOUND, "CONNECT_ACCOUNT_NOT_FOUND");
        assertGrpcError(() -> get(partner.productionKey(), mine.getId()), Status.Code.NOT_FOUND, "CONNECT_ACCOUNT_NOT_FOUND");
        assertThat(payflow.connect(otherPartner.sandboxKey()).listConnectedAccounts(ListConnectedAccountsRequest.getDefaultInstance())
                .getAccountsList()).extracting(ConnectedAccount::getId).doesNotContain(mine.getId());
        assertThat(get(partner.sandboxKey(), mine.getId()).getId()).isEqualTo(mine.getId());
    }

    @Test
    void overRestTheAccountReadsInTheContractsWordsAndBadInputIsRefusedBeforeStripeIsCalled() {
        stripeMakesAccounts();
        TestServer.Rest created = payflow.rest("POST", "/api/v1/connect/accounts", partner.sandboxKey(),
                "{\"country\":\"US\",\"email\":\"own@partner.example\",\"metadata\":{\"team\":\"ops\"}}");
        assertThat(created.status()).isEqualTo(200);
        assertThat(created.body().get("status").getAsString()).isEqualTo("restricted");
        assertThat(created.body().get("externalUserId").getAsString()).isEmpty();
        assertThat(created.body().get("payoutsEnabled").getAsBoolean()).isFalse();
        assertThat(created.body().getAsJsonObject("requirements").getAsJsonArray("currentlyDue")).hasSize(2);

        String id = created.body().get("id").getAsString();
        TestServer.Rest read = payflow.rest("GET", "/api/v1/connect/accounts/" + id, partner.sandboxKey(), null);
        assertThat(read.body().get("stripeAccountId").getAsString()).startsWith("acct_");
        assertRestError(payflow.rest("POST", "/api/v1/connect/accounts", partner.sandboxKey(), "{\"country\":\"US\",\"email\":\"x@y.example\"}"),
                409, "CONNECT_ACCOUNT_ALREADY_EXISTS");
        assertRestError(payflow.rest("POST", "/api/v1/connect/accounts", partner.sandboxKey(), "{\"country\":\"usa\",\"email\":\"x@y.example\"}"),
                400, "INVALID_FIELD");
        assertRestError(payflow.rest("POST", "/api/v1/connect/accounts", partner.sandboxKey(), "{\"country\":\"US\"}"), 400, "MISSING_FIELD");
        assertRestError(payflow.rest("GET", "/api/v1/connect/accounts?status=sleeping", partner.sandboxKey(), null), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("GET", "/api/v1/connect/accounts/wal_01J0000000000000000000000", partner.sandboxKey(), null), 400, "INVALID_ID");
        assertThat(stripe.requestsTo("/v1/accounts")).hasSize(1);
        // A key without connect permissions may not create accounts.
        String readOnly = payflow.issueKey(partner.partnerId(), dev.payflow.proto.v1.ApiKey.Environment.sandbox, "connect:read");
        assertRestError(payflow.rest("POST", "/api/v1/connect/accounts", readOnly, "{\"country\":\"US\",\"email\":\"x@y.example\"}"), 403,
                "MISSING_PERMISSION");
        assertThat(payflow.rest("GET", "/api/v1/connect/accounts/" + id, readOnly, null).status()).isEqualTo(200);
    }

    @Test
    void aLiveModeCreateUsesTheLiveKey() {
        stripeMakesAccounts();
        ConnectedAccount live = create(partner.productionKey(), newUser());
        assertThat(live.getLivemode()).isTrue();
        assertThat(stripe.requestsTo("/v1/accounts").get(0).getHeader("Authorization")).isEqualTo("Bearer " + FakeStripe.SECRET_KEY_LIVE);
    }
}
