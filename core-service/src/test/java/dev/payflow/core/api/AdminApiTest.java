package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.JsonBodies.metadataOfBytes;
import static dev.payflow.core.testing.JsonBodies.metadataWithKeys;
import static dev.payflow.core.testing.JsonBodies.with;
import static dev.payflow.core.testing.JsonBodies.withMetadata;
import static dev.payflow.core.testing.JsonBodies.without;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.CreatePartnerRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.GetPartnerRequest;
import dev.payflow.proto.v1.GetSystemStatsRequest;
import dev.payflow.proto.v1.ListApiKeysRequest;
import dev.payflow.proto.v1.ListPartnersRequest;
import dev.payflow.proto.v1.ListPartnersResponse;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.PartnerStatusChange;
import dev.payflow.proto.v1.RevokeApiKeyRequest;
import dev.payflow.proto.v1.SystemStats;
import dev.payflow.proto.v1.UpdatePartnerRequest;
import dev.payflow.proto.v1.UpdatePartnerStatusRequest;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** PartnerAdminService over both doors: partners, their lifecycle, their API keys, the system stats and admin authentication. */
class AdminApiTest {
    private static final String UNKNOWN_PARTNER_ID = "ptn_" + "0".repeat(26);
    private static final String UNKNOWN_KEY_ID = "key_" + "0".repeat(26);
    /** Every permission of the contract, written out: a key issued with none named shows all of them. */
    private static final List<String> ALL_PERMISSIONS = List.of("payouts:read", "payouts:write", "transactions:read",
            "transactions:write", "transfers:write", "wallets:read", "wallets:write", "webhooks:read", "webhooks:write",
            "payments:read", "payments:write", "connect:read", "connect:write", "exports:read");

    private static TestServer payflow;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Creating partners -------------------------------------------------------------------

    @Test
    void partnerCreatedOverRestIsReturnedUnwrappedAsPendingWithItsEmailLowerCasedAndItsMetadataAsSent() {
        Instant before = payflow.clock().instant().minusMillis(1);
        JsonObject metadata = JsonParser.parseString("{\"tier\":\"gold\",\"limits\":{\"daily\":5},\"tags\":[\"a\",\"b\"],\"vip\":true}")
                .getAsJsonObject();
        JsonObject request = json("name", "RoSaBank", "companyName", "RoSa Bank Ltd", "email", "  Ops.Team@RoSa-Bank.Example ",
                "contactPerson", "Ana Souza", "businessType", "savings circles", "webhookUrl", "https://rosa-bank.example/payflow/hooks");
        request.add("metadata", metadata);

        TestServer.Rest created = adminRest("POST", "/api/admin/partners", request.toString());

        assertThat(created.status()).as("HTTP status of %s", created.body()).isEqualTo(200);
        JsonObject partner = created.body();
        assertThat(partner.keySet()).as("the Partner itself, not wrapped").contains("id", "name", "status", "email")
                .doesNotContain("partner", "data");
        assertThat(partner.get("id").getAsString()).matches("ptn_[0-9a-z]{26}");
        assertThat(partner.get("name").getAsString()).isEqualTo("RoSaBank");
        assertThat(partner.get("companyName").getAsString()).isEqualTo("RoSa Bank Ltd");
        assertThat(partner.get("email").getAsString()).isEqualTo("ops.team@rosa-bank.example");
        assertThat(partner.get("contactPerson").getAsString()).isEqualTo("Ana Souza");
        assertThat(partner.get("businessType").getAsString()).isEqualTo("savings circles");
        assertThat(partner.get("webhookUrl").getAsString()).isEqualTo("https://rosa-bank.example/payflow/hooks");
        assertThat(partner.get("status").getAsString()).isEqualTo("pending");
        assertThat(partner.get("metadata")).isEqualTo(metadata);
        assertThat(partner.getAsJsonArray("statusHistory")).isEmpty();
        Instant createdAt = Instant.parse(partner.get("createdAt").getAsString());
        assertThat(createdAt).isBetween(before, payflow.clock().instant().plusMillis(1));
        assertThat(Instant.parse(partner.get("updatedAt").getAsString())).isEqualTo(createdAt);
        assertThat(created.headers().firstValue("x-request-id")).isPresent();

        Partner read = payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(partner.get("id").getAsString()).build());
        assertThat(read.getStatus()).isEqualTo(Partner.Status.pending);
        assertThat(read.getEmail()).isEqualTo("ops.team@rosa-bank.example");
        assertThat(read.getMetadata().getFieldsOrThrow("tier").getStringValue()).isEqualTo("gold");
        assertThat(read.getMetadata().getFieldsOrThrow("limits").getStructValue().getFieldsOrThrow("daily").getNumberValue()).isEqualTo(5.0);
        assertThat(read.getMetadata().getFieldsOrThrow("vip").getBoolValue()).isTrue();
        assertThat(read.getStatusHistoryList()).isEmpty();
    }

    @Test
    void partnerCreatedOverGrpcIsReadableOverRestWithTheSameFields() {
        Partner created = payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("Circle").setCompanyName("Circle Ltd")
                .setEmail(uniqueEmail()).setMetadata(Struct.newBuilder().putFields("region", Value.newBuilder().setStringValue("EU").build()))
                .build());

        TestServer.Rest read = adminRest("GET", "/api/admin/partners/" + created.getId(), null);

        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body().get("id").getAsString()).isEqualTo(created.getId());
        assertThat(read.body().get("status").getAsString()).isEqualTo("pending");
        assertThat(read.body().get("email").getAsString()).isEqualTo(created.getEmail());
        assertThat(read.body().get("webhookUrl").getAsString()).as("empty fields are shown too").isEmpty();
        assertThat(read.body().getAsJsonObject("metadata").get("region").getAsString()).isEqualTo("EU");
    }

    static Stream<Arguments> invalidPartners() {
        return Stream.of(
                Arguments.of("name missing", without(validPartner(), "name"), "MISSING_FIELD"),
                Arguments.of("name blank", with(validPartner(), "name", "   "), "MISSING_FIELD"),
                Arguments.of("name misspelled", with(without(validPartner(), "name"), "nmae", "Typo"), "MISSING_FIELD"),
                Arguments.of("companyName missing", without(validPartner(), "companyName"), "MISSING_FIELD"),
                Arguments.of("email missing", without(validPartner(), "email"), "MISSING_FIELD"),
                Arguments.of("email empty", with(validPartner(), "email", ""), "MISSING_FIELD"),
                Arguments.of("email without @", with(validPartner(), "email", "ops.example.com"), "INVALID_FIELD"),
                Arguments.of("email without a dot in the domain", with(validPartner(), "email", "ops@localhost"), "INVALID_FIELD"),
                Arguments.of("email with two @", with(validPartner(), "email", "ops@@example.com"), "INVALID_FIELD"),
                Arguments.of("email with a space", with(validPartner(), "email", "o ps@example.com"), "INVALID_FIELD"),
                Arguments.of("name of 201 characters", with(validPartner(), "name", "n".repeat(201)), "INVALID_FIELD"),
                Arguments.of("companyName of 201 characters", with(validPartner(), "companyName", "c".repeat(201)), "INVALID_FIELD"),
                Arguments.of("webhookUrl over plain http", with(validPartner(), "webhookUrl", "http://partner.example/hooks"), "INVALID_FIELD"),
                Arguments.of("webhookUrl over ftp", with(validPartner(), "webhookUrl", "ftp://partner.example/hooks"), "INVALID_FIELD"),
                Arguments.of("webhookUrl relative", with(validPartner(), "webhookUrl", "/hooks"), "INVALID_FIELD"),
                Arguments.of("webhookUrl to a host that merely starts with localhost",
                        with(validPartner(), "webhookUrl", "http://localhost.attacker.example/hooks"), "INVALID_FIELD"),
                Arguments.of("webhookUrl with localhost as user info", with(validPartner(), "webhookUrl", "http://localhost@attacker.example/"),
                        "INVALID_FIELD"),
                Arguments.of("webhookUrl https without a host", with(validPartner(), "webhookUrl", "https:///hooks"), "INVALID_FIELD"),
                Arguments.of("webhookUrl of 2049 characters",
                        with(validPartner(), "webhookUrl", "https://partner.example/" + "h".repeat(2049 - 24)), "INVALID_FIELD"),
                Arguments.of("email of 321 characters", with(validPartner(), "email", "o".repeat(321 - 12) + "@example.com"), "INVALID_FIELD"),
                Arguments.of("name with a control character", with(validPartner(), "name", "bad\u0000name"), "INVALID_FIELD"),
                Arguments.of("webhookUrl not a URL", with(validPartner(), "webhookUrl", "https://exa mple.com/ hooks"), "INVALID_FIELD"),
                Arguments.of("metadata of 51 keys", withMetadata(validPartner(), metadataWithKeys(51)), "METADATA_TOO_LARGE"),
                Arguments.of("metadata over 8 KiB", withMetadata(validPartner(), metadataOfBytes(8 * 1024 + 1)), "METADATA_TOO_LARGE"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPartners")
    void creatingAPartnerWithInvalidInputIsRefusedOverRestWithTheReason(String what, JsonObject body, String reason) {
        assertRestError(adminRest("POST", "/api/admin/partners", body.toString()), 400, reason);
    }

    @Test
    void creatingAPartnerWithInvalidInputIsRefusedOverGrpcWithTheReason() {
        PartnerAdminServiceGrpc.PartnerAdminServiceBlockingStub admin = payflow.admin();
        CreatePartnerRequest valid = CreatePartnerRequest.newBuilder().setName("N").setCompanyName("C").setEmail(uniqueEmail()).build();

        assertGrpcError(() -> admin.createPartner(valid.toBuilder().clearName().build()), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> admin.createPartner(valid.toBuilder().clearCompanyName().build()), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> admin.createPartner(valid.toBuilder().clearEmail().build()), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> admin.createPartner(valid.toBuilder().setEmail("nobody").build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> admin.createPartner(valid.toBuilder().setWebhookUrl("http://partner.example/hooks").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> admin.createPartner(valid.toBuilder().setMetadata(struct(metadataWithKeys(51))).build()),
                Status.Code.INVALID_ARGUMENT, "METADATA_TOO_LARGE");
        assertGrpcError(() -> admin.createPartner(valid.toBuilder().setMetadata(struct(metadataOfBytes(8 * 1024 + 1))).build()),
                Status.Code.INVALID_ARGUMENT, "METADATA_TOO_LARGE");
        assertThat(allPartners(Partner.Status.status_unspecified)).extracting(Partner::getEmail).doesNotContain(valid.getEmail());
    }

    @Test
    void metadataOfExactlyFiftyKeysOrExactlyEightKibIsAccepted() {
        Partner fiftyKeys = payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("N").setCompanyName("C")
                .setEmail(uniqueEmail()).setMetadata(struct(metadataWithKeys(50))).build());
        Partner eightKib = payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("N").setCompanyName("C")
                .setEmail(uniqueEmail()).setMetadata(struct(metadataOfBytes(8 * 1024))).build());

        assertThat(fiftyKeys.getMetadata().getFieldsCount()).isEqualTo(50);
        assertThat(eightKib.getMetadata()).isEqualTo(struct(metadataOfBytes(8 * 1024)));
    }

    @Test
    void webhookUrlMayBePlainHttpToLocalhostInDevelopment() {
        Partner localhost = payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("Dev").setCompanyName("Dev Ltd")
                .setEmail(uniqueEmail()).setWebhookUrl("http://localhost:8080/hooks").build());
        TestServer.Rest loopback = adminRest("POST", "/api/admin/partners",
                with(validPartner(), "webhookUrl", "http://127.0.0.1:9000/payflow").toString());

        assertThat(localhost.getWebhookUrl()).isEqualTo("http://localhost:8080/hooks");
        assertThat(loopback.status()).as("HTTP status of %s", loopback.body()).isEqualTo(200);
        assertThat(loopback.body().get("webhookUrl").getAsString()).isEqualTo("http://127.0.0.1:9000/payflow");
    }

    @Test
    void aSecondPartnerWithTheSameEmailInAnyCaseIsAlreadyExists() {
        String email = "dup-" + UUID.randomUUID() + "@partner.example";
        payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("First").setCompanyName("First Ltd").setEmail(email).build());

        assertGrpcError(() -> payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("Second").setCompanyName("Second Ltd")
                .setEmail(email).build()), Status.Code.ALREADY_EXISTS, "PARTNER_ALREADY_EXISTS");
        assertRestError(adminRest("POST", "/api/admin/partners", with(validPartner(), "email", email.toUpperCase()).toString()),
                409, "PARTNER_ALREADY_EXISTS");
        assertThat(allPartners(Partner.Status.status_unspecified)).extracting(Partner::getEmail).containsOnlyOnce(email);
    }

    // --- Reading partners --------------------------------------------------------------------

    @Test
    void anUnknownPartnerIdIsPartnerNotFound() {
        assertGrpcError(() -> payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(UNKNOWN_PARTNER_ID).build()),
                Status.Code.NOT_FOUND, "PARTNER_NOT_FOUND");
        assertRestError(adminRest("GET", "/api/admin/partners/" + UNKNOWN_PARTNER_ID, null), 404, "PARTNER_NOT_FOUND");
    }

    @Test
    void aMalformedPartnerIdOrAWalletIdIsInvalidId() {
        String walletId = "wal_" + "0".repeat(26);
        for (String id : List.of("ptn_123", "ptn_" + "U".repeat(26), "partner-1", walletId)) {
            assertGrpcError(() -> payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(id).build()),
                    Status.Code.INVALID_ARGUMENT, "INVALID_ID");
            assertRestError(adminRest("GET", "/api/admin/partners/" + id, null), 400, "INVALID_ID");
        }
    }

    // --- Listing partners --------------------------------------------------------------------

    @Test
    void partnersAreListedNewestFirst() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(newPartner().getId());
            pauseForTheClockToTick();
        }

        List<Partner> listed = allPartners(Partner.Status.status_unspecified);

        List<String> ours = listed.stream().map(Partner::getId).filter(created::contains).toList();
        assertThat(ours).containsExactly(created.get(2), created.get(1), created.get(0));
        assertThat(listed.get(0).getId()).isEqualTo(created.get(2));
        for (int i = 1; i < listed.size(); i++) {
            // Ids order by creation time to the millisecond, so newest first holds at that precision.
            assertThat(instant(listed.get(i).getCreatedAt()).truncatedTo(ChronoUnit.MILLIS)).as("createdAt of item %d", i)
                    .isBeforeOrEqualTo(instant(listed.get(i - 1).getCreatedAt()).truncatedTo(ChronoUnit.MILLIS));
        }
    }

    @Test
    void pagingOverRestVisitsEveryPartnerExactlyOnceEvenWhenPartnersAreAddedBetweenPages() {
        newPartner();
        newPartner();
        newPartner();
        Set<String> existing = new HashSet<>(allPartners(Partner.Status.status_unspecified).stream().map(Partner::getId).toList());

        List<String> visited = new ArrayList<>();
        List<String> addedMeanwhile = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            TestServer.Rest page = adminRest("GET", "/api/admin/partners?pageSize=2" + (token.isEmpty() ? "" : "&pageToken=" + token), null);
            assertThat(page.status()).as("HTTP status of %s", page.body()).isEqualTo(200);
            JsonArray partners = page.body().getAsJsonArray("partners");
            assertThat(partners.size()).isBetween(1, 2);
            partners.forEach(p -> visited.add(p.getAsJsonObject().get("id").getAsString()));
            token = page.body().get("nextPageToken").getAsString();
            addedMeanwhile.add(newPartner().getId());
            pages++;
            assertThat(pages).as("pages so far").isLessThanOrEqualTo(existing.size());
        } while (!token.isEmpty());

        assertThat(visited).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(existing);
        assertThat(visited).doesNotContainAnyElementsOf(addedMeanwhile);
        assertThat(pages).isEqualTo((existing.size() + 1) / 2);
    }

    @Test
    void pagingOverGrpcWithAStatusFilterVisitsEveryPartnerInThatStatusOnce() {
        List<String> approved = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Partner partner = newPartner();
            payflow.changeStatus(partner.getId(), Partner.Status.approved);
            approved.add(partner.getId());
        }
        String pendingId = newPartner().getId();

        List<Partner> visited = new ArrayList<>();
        String token = "";
        do {
            ListPartnersResponse page = payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(1)
                    .setStatus(Partner.Status.approved).setPageToken(token).build());
            assertThat(page.getPartnersList()).hasSize(1);
            visited.addAll(page.getPartnersList());
            token = page.getNextPageToken();
            newPartner();
        } while (!token.isEmpty());

        assertThat(visited).extracting(Partner::getStatus).containsOnly(Partner.Status.approved);
        assertThat(visited).extracting(Partner::getId).doesNotHaveDuplicates().containsAll(approved).doesNotContain(pendingId);
    }

    @Test
    void theStatusFilterOverRestListsOnlyPartnersInThatStatus() {
        Partner suspended = newPartner();
        payflow.changeStatus(suspended.getId(), Partner.Status.approved);
        payflow.changeStatus(suspended.getId(), Partner.Status.suspended);
        Partner pending = newPartner();

        TestServer.Rest listed = adminRest("GET", "/api/admin/partners?status=suspended&pageSize=200", null);

        assertThat(listed.status()).isEqualTo(200);
        List<String> statuses = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        listed.body().getAsJsonArray("partners").forEach(p -> {
            statuses.add(p.getAsJsonObject().get("status").getAsString());
            ids.add(p.getAsJsonObject().get("id").getAsString());
        });
        assertThat(statuses).containsOnly("suspended");
        assertThat(ids).contains(suspended.getId()).doesNotContain(pending.getId());
        assertRestError(adminRest("GET", "/api/admin/partners?status=paused", null), 400, "INVALID_FIELD");
    }

    @Test
    void pageSizeZeroMeansTheDefaultOfFifty() {
        int existing = allPartners(Partner.Status.status_unspecified).size();
        for (int i = existing; i < 52; i++) {
            newPartner();
        }

        ListPartnersResponse zero = payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(0).build());
        TestServer.Rest absent = adminRest("GET", "/api/admin/partners", null);

        assertThat(zero.getPartnersList()).hasSize(50);
        assertThat(zero.getNextPageToken()).isNotEmpty();
        assertThat(absent.body().getAsJsonArray("partners")).hasSize(50);
        assertThat(payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(200).build()).getPartnersList())
                .hasSizeGreaterThan(50);
    }

    @Test
    void pageSizeOutsideOneToTwoHundredIsInvalidPageSize() {
        for (int size : new int[] {201, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertGrpcError(() -> payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(size).build()),
                    Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_SIZE");
        }
        assertRestError(adminRest("GET", "/api/admin/partners?pageSize=201", null), 400, "INVALID_PAGE_SIZE");
        assertRestError(adminRest("GET", "/api/admin/partners?pageSize=-1", null), 400, "INVALID_PAGE_SIZE");
        assertThat(adminRest("GET", "/api/admin/partners?pageSize=1", null).status()).isEqualTo(200);
        assertThat(adminRest("GET", "/api/admin/partners?pageSize=200", null).status()).isEqualTo(200);
    }

    @Test
    void aGarbagePageTokenIsInvalidPageToken() {
        for (String token : List.of("garbage", "cDEuYWJjLnB0bl8x", "%%%", "x".repeat(500))) {
            assertGrpcError(() -> payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageToken(token).build()),
                    Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
        }
        assertRestError(adminRest("GET", "/api/admin/partners?pageToken=not-a-token", null), 400, "INVALID_PAGE_TOKEN");
    }

    @Test
    void aPageTokenReplayedWithAnotherStatusFilterIsInvalidPageToken() {
        for (int i = 0; i < 2; i++) {
            newPartner();
        }
        String unfiltered = payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(1).build()).getNextPageToken();
        String pendingOnly = payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(1)
                .setStatus(Partner.Status.pending).build()).getNextPageToken();
        assertThat(unfiltered).isNotEmpty();
        assertThat(pendingOnly).isNotEmpty();

        assertGrpcError(() -> payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(1)
                .setStatus(Partner.Status.pending).setPageToken(unfiltered).build()), Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
        assertGrpcError(() -> payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(1)
                .setPageToken(pendingOnly).build()), Status.Code.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
        assertRestError(adminRest("GET", "/api/admin/partners?pageSize=1&status=approved&pageToken=" + pendingOnly, null),
                400, "INVALID_PAGE_TOKEN");
        assertThat(adminRest("GET", "/api/admin/partners?pageSize=1&status=pending&pageToken=" + pendingOnly, null).status())
                .as("the same token with its own filter").isEqualTo(200);
    }

    // --- Partner lifecycle -------------------------------------------------------------------

    private static final Set<List<Partner.Status>> ALLOWED = Set.of(
            List.of(Partner.Status.pending, Partner.Status.approved),
            List.of(Partner.Status.pending, Partner.Status.rejected),
            List.of(Partner.Status.approved, Partner.Status.active),
            List.of(Partner.Status.approved, Partner.Status.suspended),
            List.of(Partner.Status.approved, Partner.Status.rejected),
            List.of(Partner.Status.active, Partner.Status.suspended),
            List.of(Partner.Status.suspended, Partner.Status.active));

    private static final List<Partner.Status> STATUSES = List.of(Partner.Status.pending, Partner.Status.approved,
            Partner.Status.active, Partner.Status.suspended, Partner.Status.rejected);

    static Stream<Arguments> everyStatusPair() {
        return STATUSES.stream().flatMap(from -> STATUSES.stream()
                .map(to -> Arguments.of(from, to, ALLOWED.contains(List.of(from, to)))));
    }

    @ParameterizedTest(name = "{0} -> {1} allowed: {2}")
    @MethodSource("everyStatusPair")
    void aPartnerMovesOnlyAlongTheAllowedTransitions(Partner.Status from, Partner.Status to, boolean allowed) {
        Partner partner = partnerIn(from);
        assertThat(partner.getStatus()).isEqualTo(from);
        UpdatePartnerStatusRequest request = UpdatePartnerStatusRequest.newBuilder().setId(partner.getId()).setStatus(to)
                .setReason("table test " + from + " to " + to).build();

        if (allowed) {
            Partner moved = payflow.admin().updatePartnerStatus(request);
            assertThat(moved.getStatus()).isEqualTo(to);
            PartnerStatusChange last = moved.getStatusHistory(moved.getStatusHistoryCount() - 1);
            assertThat(last.getFromStatus()).isEqualTo(from);
            assertThat(last.getToStatus()).isEqualTo(to);
            assertThat(last.getReason()).isEqualTo("table test " + from + " to " + to);
        } else {
            com.google.rpc.Status error = assertGrpcError(() -> payflow.admin().updatePartnerStatus(request),
                    Status.Code.FAILED_PRECONDITION, "INVALID_STATUS_TRANSITION");
            assertThat(error.getMessage()).contains(from.name()).contains(to.name());
            Partner unchanged = payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(partner.getId()).build());
            assertThat(unchanged.getStatus()).isEqualTo(from);
            assertThat(unchanged.getStatusHistoryCount()).isEqualTo(partner.getStatusHistoryCount());
        }
    }

    @Test
    void statusChangesOverRestFollowTheSameRules() {
        Partner partner = newPartner();
        String path = "/api/admin/partners/" + partner.getId() + "/status";

        TestServer.Rest approved = adminRest("PATCH", path, json("status", "approved", "reason", "KYC passed").toString());
        assertThat(approved.status()).as("HTTP status of %s", approved.body()).isEqualTo(200);
        assertThat(approved.body().get("status").getAsString()).isEqualTo("approved");
        JsonObject change = approved.body().getAsJsonArray("statusHistory").get(0).getAsJsonObject();
        assertThat(change.get("fromStatus").getAsString()).isEqualTo("pending");
        assertThat(change.get("toStatus").getAsString()).isEqualTo("approved");
        assertThat(change.get("reason").getAsString()).isEqualTo("KYC passed");

        assertRestError(adminRest("PATCH", path, json("status", "pending", "reason", "back").toString()), 400, "INVALID_STATUS_TRANSITION");
        assertRestError(adminRest("PATCH", path, json("status", "frozen", "reason", "no such status").toString()), 400, "INVALID_FIELD");
        assertRestError(adminRest("PATCH", "/api/admin/partners/" + UNKNOWN_PARTNER_ID + "/status",
                json("status", "approved", "reason", "x").toString()), 404, "PARTNER_NOT_FOUND");
    }

    @Test
    void aStatusChangeToAnUnknownStatusNumberOverGrpcIsInvalidField() {
        Partner partner = newPartner();

        assertGrpcError(() -> payflow.admin().updatePartnerStatus(UpdatePartnerStatusRequest.newBuilder().setId(partner.getId())
                .setStatusValue(42).setReason("no such status").build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertThat(payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(partner.getId()).build()).getStatus())
                .isEqualTo(Partner.Status.pending);
    }

    @Test
    void listingPartnersByAnUnknownStatusNumberOverGrpcIsInvalidField() {
        assertGrpcError(() -> payflow.admin().listPartners(ListPartnersRequest.newBuilder().setStatusValue(42).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    @Test
    void aStatusChangeWithoutAReasonOrAStatusIsMissingField() {
        Partner partner = newPartner();
        UpdatePartnerStatusRequest request = UpdatePartnerStatusRequest.newBuilder().setId(partner.getId())
                .setStatus(Partner.Status.approved).setReason("ok").build();

        assertGrpcError(() -> payflow.admin().updatePartnerStatus(request.toBuilder().clearReason().build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> payflow.admin().updatePartnerStatus(request.toBuilder().setReason("   ").build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> payflow.admin().updatePartnerStatus(request.toBuilder().clearStatus().build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        String path = "/api/admin/partners/" + partner.getId() + "/status";
        assertRestError(adminRest("PATCH", path, json("status", "approved").toString()), 400, "MISSING_FIELD");
        assertRestError(adminRest("PATCH", path, json("reason", "no status").toString()), 400, "MISSING_FIELD");
        assertRestError(adminRest("PATCH", path, json("status", "approved", "reason", "r".repeat(501)).toString()), 400, "INVALID_FIELD");

        Partner unchanged = payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(partner.getId()).build());
        assertThat(unchanged.getStatus()).isEqualTo(Partner.Status.pending);
        assertThat(unchanged.getStatusHistoryList()).isEmpty();
    }

    @Test
    void everyStatusChangeIsRecordedWithFromToReasonAndTimeInOrder() {
        Instant before = payflow.clock().instant().minusMillis(1);
        Partner partner = newPartner();
        List<Partner.Status> path = List.of(Partner.Status.approved, Partner.Status.active, Partner.Status.suspended,
                Partner.Status.active, Partner.Status.suspended);
        for (int i = 0; i < path.size(); i++) {
            payflow.admin().updatePartnerStatus(UpdatePartnerStatusRequest.newBuilder().setId(partner.getId()).setStatus(path.get(i))
                    .setReason("step " + i).build());
        }
        Instant after = payflow.clock().instant().plusMillis(1);

        Partner read = payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(partner.getId()).build());

        assertThat(read.getStatus()).isEqualTo(Partner.Status.suspended);
        List<PartnerStatusChange> history = read.getStatusHistoryList();
        assertThat(history).hasSize(5);
        Partner.Status from = Partner.Status.pending;
        Instant previous = instant(read.getCreatedAt());
        for (int i = 0; i < path.size(); i++) {
            PartnerStatusChange change = history.get(i);
            assertThat(change.getFromStatus()).as("from of change %d", i).isEqualTo(from);
            assertThat(change.getToStatus()).as("to of change %d", i).isEqualTo(path.get(i));
            assertThat(change.getReason()).isEqualTo("step " + i);
            Instant changedAt = instant(change.getChangedAt());
            assertThat(changedAt).isBetween(before, after).isAfterOrEqualTo(previous);
            previous = changedAt;
            from = path.get(i);
        }
        assertThat(instant(read.getUpdatedAt())).isEqualTo(previous);

        TestServer.Rest overRest = adminRest("GET", "/api/admin/partners/" + partner.getId(), null);
        JsonArray restHistory = overRest.body().getAsJsonArray("statusHistory");
        assertThat(restHistory).hasSize(5);
        assertThat(restHistory.get(4).getAsJsonObject().get("fromStatus").getAsString()).isEqualTo("active");
        assertThat(restHistory.get(4).getAsJsonObject().get("toStatus").getAsString()).isEqualTo("suspended");
        assertThat(Instant.parse(restHistory.get(4).getAsJsonObject().get("changedAt").getAsString())).isEqualTo(previous);
    }

    // --- Partner settings --------------------------------------------------------------------

    @Test
    void aNewPartnerHasTheDefaultPlatformFeeAndNoRateLimitOfItsOwn() {
        JsonObject created = adminRest("POST", "/api/admin/partners", validPartner().toString()).body();

        assertThat(created.get("platformFeeBasisPoints").getAsInt()).isEqualTo(1000);
        assertThat(created.has("rateLimitPerSecond")).isFalse();
        assertThat(created.has("rateLimitBurst")).isFalse();
    }

    @Test
    void patchingAPartnerOverRestChangesOnlyTheFieldsInTheBody() {
        Partner partner = newPartner();
        payflow.clock().advance(Duration.ofSeconds(5));

        TestServer.Rest limited = adminRest("PATCH", "/api/admin/partners/" + partner.getId(),
                "{\"rateLimitPerSecond\":50,\"rateLimitBurst\":100}");
        TestServer.Rest fee = adminRest("PATCH", "/api/admin/partners/" + partner.getId(), "{\"platformFeeBasisPoints\":250}");

        assertThat(limited.status()).isEqualTo(200);
        assertThat(limited.body().get("platformFeeBasisPoints").getAsInt()).isEqualTo(1000);
        assertThat(fee.body().get("platformFeeBasisPoints").getAsInt()).isEqualTo(250);
        assertThat(fee.body().get("rateLimitPerSecond").getAsInt()).isEqualTo(50);
        assertThat(fee.body().get("rateLimitBurst").getAsInt()).isEqualTo(100);
        assertThat(Instant.parse(fee.body().get("updatedAt").getAsString())).isAfter(instant(partner.getUpdatedAt()));
        Partner read = payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(partner.getId()).build());
        assertThat(read.getPlatformFeeBasisPoints()).isEqualTo(250);
        assertThat(read.getRateLimitPerSecond()).isEqualTo(50);
        assertThat(read.getStatus()).isEqualTo(Partner.Status.pending);
    }

    @Test
    void aFieldMaskOverGrpcChangesOnlyTheNamedFieldsAndANamedUnsetFieldTakesItsDefault() {
        Partner partner = payflow.admin().updatePartner(UpdatePartnerRequest.newBuilder().setId(newPartner().getId())
                .setPlatformFeeBasisPoints(0).setRateLimitPerSecond(10).setRateLimitBurst(20).build());
        assertThat(partner.getPlatformFeeBasisPoints()).isZero();

        Partner masked = payflow.admin().updatePartner(UpdatePartnerRequest.newBuilder().setId(partner.getId())
                .setUpdateMask(FieldMask.newBuilder().addPaths("rate_limit_burst").addPaths("platformFeeBasisPoints"))
                .setRateLimitPerSecond(99).setRateLimitBurst(30).build());

        assertThat(masked.getRateLimitPerSecond()).as("not in the mask").isEqualTo(10);
        assertThat(masked.getRateLimitBurst()).isEqualTo(30);
        assertThat(masked.getPlatformFeeBasisPoints()).as("named but unset: the default").isEqualTo(1000);

        Partner cleared = payflow.admin().updatePartner(UpdatePartnerRequest.newBuilder().setId(partner.getId())
                .setRateLimitPerSecond(0).setRateLimitBurst(0).build());
        assertThat(cleared.hasRateLimitPerSecond()).isFalse();
        assertThat(cleared.hasRateLimitBurst()).isFalse();
        assertThat(cleared.getPlatformFeeBasisPoints()).isEqualTo(1000);
    }

    static Stream<Arguments> badPartnerUpdates() {
        return Stream.of(
                Arguments.of("a fee above 100 %", "{\"platformFeeBasisPoints\":10001}", 400, "INVALID_FIELD"),
                Arguments.of("a negative fee", "{\"platformFeeBasisPoints\":-1}", 400, "INVALID_FIELD"),
                Arguments.of("a negative rate", "{\"rateLimitPerSecond\":-5}", 400, "INVALID_FIELD"),
                Arguments.of("a rate above the guard", "{\"rateLimitBurst\":1000001}", 400, "INVALID_FIELD"),
                Arguments.of("an unknown mask path", "{\"updateMask\":\"status\",\"platformFeeBasisPoints\":5}", 400, "INVALID_FIELD"),
                Arguments.of("nothing to change", "{}", 400, "MISSING_FIELD"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPartnerUpdates")
    void aBadPartnerUpdateIsRefusedAndChangesNothing(String what, String body, int status, String reason) {
        Partner partner = newPartner();

        assertRestError(adminRest("PATCH", "/api/admin/partners/" + partner.getId(), body), status, reason);

        Partner read = payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(partner.getId()).build());
        assertThat(read.getPlatformFeeBasisPoints()).isEqualTo(1000);
        assertThat(read.hasRateLimitPerSecond()).isFalse();
        assertThat(read.hasRateLimitBurst()).isFalse();
        assertThat(read.getUpdatedAt()).isEqualTo(partner.getUpdatedAt());
    }

    @Test
    void patchingAnUnknownPartnerIsPartnerNotFoundAndAMalformedIdIsInvalidId() {
        assertRestError(adminRest("PATCH", "/api/admin/partners/" + UNKNOWN_PARTNER_ID, "{\"platformFeeBasisPoints\":5}"),
                404, "PARTNER_NOT_FOUND");
        assertRestError(adminRest("PATCH", "/api/admin/partners/wal_123", "{\"platformFeeBasisPoints\":5}"), 400, "INVALID_ID");
    }

    // --- API keys ----------------------------------------------------------------------------

    @Test
    void sandboxAndProductionKeysAreShownInFullOnceAndListedOnlyByTheirPrefix() {
        Partner partner = newPartner();

        TestServer.Rest sandbox = adminRest("POST", "/api/admin/partners/" + partner.getId() + "/api-keys",
                json("reason", "test", "environment", "sandbox", "name", "backend server").toString());
        pauseForTheClockToTick();
        ApiKey production = payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partner.getId())
                .setEnvironment(ApiKey.Environment.production).setName("live server").build());

        assertThat(sandbox.status()).as("HTTP status of %s", sandbox.body()).isEqualTo(200);
        JsonObject test = sandbox.body();
        String testKey = test.get("key").getAsString();
        assertThat(testKey).matches("sk_test_[0-9A-Za-z]{43}");
        assertThat(test.get("id").getAsString()).matches("key_[0-9a-z]{26}");
        assertThat(test.get("partnerId").getAsString()).isEqualTo(partner.getId());
        assertThat(test.get("name").getAsString()).isEqualTo("backend server");
        assertThat(test.get("environment").getAsString()).isEqualTo("sandbox");
        assertThat(test.get("status").getAsString()).isEqualTo("active");
        assertThat(testKey).startsWith(test.get("prefix").getAsString());
        assertThat(test.get("prefix").getAsString()).startsWith("sk_test_").hasSizeLessThan(testKey.length() - 32);
        assertThat(test.has("revokedAt")).isFalse();
        assertThat(production.getKey()).matches("sk_live_[0-9A-Za-z]{43}").startsWith(production.getPrefix());
        assertThat(production.getPrefix()).startsWith("sk_live_");
        assertThat(production.getEnvironment()).isEqualTo(ApiKey.Environment.production);
        assertThat(production.getStatus()).isEqualTo(ApiKey.Status.active);
        assertThat(production.getKey()).isNotEqualTo(testKey);

        List<ApiKey> listed = payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partner.getId()).build()).getApiKeysList();
        assertThat(listed).extracting(ApiKey::getId).containsExactly(production.getId(), test.get("id").getAsString());
        assertThat(listed).extracting(ApiKey::getKey).containsOnly("");
        assertThat(listed).extracting(ApiKey::getPrefix).containsExactly(production.getPrefix(), test.get("prefix").getAsString());

        TestServer.Rest listedOverRest = adminRest("GET", "/api/admin/partners/" + partner.getId() + "/api-keys", null);
        assertThat(listedOverRest.status()).isEqualTo(200);
        assertThat(listedOverRest.body().getAsJsonArray("apiKeys")).hasSize(2);
        for (JsonElement key : listedOverRest.body().getAsJsonArray("apiKeys")) {
            assertThat(key.getAsJsonObject().get("key").getAsString()).as("the secret is never listed").isEmpty();
        }
        assertThat(listedOverRest.body().toString()).doesNotContain(testKey).doesNotContain(production.getKey());
    }

    @Test
    void aKeyWithoutPermissionsGetsEveryPermissionAndAnExplicitSubsetIsKept() {
        Partner partner = newPartner();

        ApiKey all = payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partner.getId())
                .setEnvironment(ApiKey.Environment.sandbox).setName("all").build());
        TestServer.Rest allOverRest = adminRest("POST", "/api/admin/partners/" + partner.getId() + "/api-keys",
                json("reason", "test", "environment", "sandbox", "name", "all again", "permissions", List.of()).toString());
        ApiKey subset = payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partner.getId())
                .setEnvironment(ApiKey.Environment.production).setName("reader")
                .addPermissions("wallets:read").addPermissions("transactions:read").build());

        assertThat(all.getPermissionsList()).containsExactlyInAnyOrderElementsOf(ALL_PERMISSIONS);
        List<String> restPermissions = new ArrayList<>();
        allOverRest.body().getAsJsonArray("permissions").forEach(p -> restPermissions.add(p.getAsString()));
        assertThat(restPermissions).containsExactlyInAnyOrderElementsOf(ALL_PERMISSIONS);
        assertThat(subset.getPermissionsList()).containsExactlyInAnyOrder("wallets:read", "transactions:read");
        ApiKey listedSubset = payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partner.getId()).build())
                .getApiKeysList().stream().filter(k -> k.getId().equals(subset.getId())).findFirst().orElseThrow();
        assertThat(listedSubset.getPermissionsList()).containsExactlyInAnyOrder("wallets:read", "transactions:read");
    }

    @Test
    void issuingAKeyWithBadInputIsRefusedWithTheReason() {
        Partner partner = newPartner();
        String path = "/api/admin/partners/" + partner.getId() + "/api-keys";
        CreateApiKeyRequest valid = CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partner.getId())
                .setEnvironment(ApiKey.Environment.sandbox).setName("k").build();

        assertGrpcError(() -> payflow.admin().createApiKey(valid.toBuilder().addPermissions("wallets:read").addPermissions("wallets:delete").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertRestError(adminRest("POST", path, json("reason", "test", "environment", "sandbox", "name", "k", "permissions", List.of("WALLETS:READ")).toString()),
                400, "INVALID_FIELD");
        assertGrpcError(() -> payflow.admin().createApiKey(valid.toBuilder().clearEnvironment().build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertRestError(adminRest("POST", path, json("name", "k").toString()), 400, "MISSING_FIELD");
        assertRestError(adminRest("POST", path, json("reason", "test", "environment", "staging", "name", "k").toString()), 400, "INVALID_FIELD");
        assertGrpcError(() -> payflow.admin().createApiKey(valid.toBuilder().clearName().build()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> payflow.admin().createApiKey(valid.toBuilder().setPartnerId("wal_" + "0".repeat(26)).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_ID");

        assertThat(payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partner.getId()).build()).getApiKeysList())
                .as("no key was issued by a refused request").isEmpty();
    }

    @Test
    void aKeyForAnUnknownEnvironmentNumberOverGrpcIsInvalidField() {
        Partner partner = newPartner();

        assertGrpcError(() -> payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partner.getId())
                .setEnvironmentValue(7).setName("k").build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    @Test
    void aKeyForAnUnknownPartnerIsPartnerNotFound() {
        assertGrpcError(() -> payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(UNKNOWN_PARTNER_ID)
                .setEnvironment(ApiKey.Environment.sandbox).setName("k").build()), Status.Code.NOT_FOUND, "PARTNER_NOT_FOUND");
        assertRestError(adminRest("POST", "/api/admin/partners/" + UNKNOWN_PARTNER_ID + "/api-keys",
                json("reason", "test", "environment", "production", "name", "k").toString()), 404, "PARTNER_NOT_FOUND");
        assertGrpcError(() -> payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(UNKNOWN_PARTNER_ID).build()),
                Status.Code.NOT_FOUND, "PARTNER_NOT_FOUND");
        assertRestError(adminRest("GET", "/api/admin/partners/" + UNKNOWN_PARTNER_ID + "/api-keys", null), 404, "PARTNER_NOT_FOUND");
    }

    @Test
    void aKeyForARejectedPartnerIsInvalidStatusTransition() {
        Partner partner = newPartner();
        payflow.changeStatus(partner.getId(), Partner.Status.rejected);

        assertGrpcError(() -> payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partner.getId())
                .setEnvironment(ApiKey.Environment.sandbox).setName("k").build()), Status.Code.FAILED_PRECONDITION, "INVALID_STATUS_TRANSITION");
        assertRestError(adminRest("POST", "/api/admin/partners/" + partner.getId() + "/api-keys",
                json("reason", "test", "environment", "sandbox", "name", "k").toString()), 400, "INVALID_STATUS_TRANSITION");
        assertThat(payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partner.getId()).build()).getApiKeysList()).isEmpty();
    }

    @Test
    void aRevokedKeyShowsWhenItWasRevokedRevokingItAgainChangesNothingAndItStopsWorkingAtOnce() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        ApiKey issued = payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partner.partnerId())
                .setEnvironment(ApiKey.Environment.sandbox).setName("to revoke").build());
        assertThat(payflow.wallets(issued.getKey()).listWallets(ListWalletsRequest.getDefaultInstance()).getWalletsList()).isEmpty();
        Instant before = payflow.clock().instant().minusMillis(1);

        TestServer.Rest revoked = adminRest("DELETE", "/api/admin/api-keys/" + issued.getId(), null);
        ApiKey again = payflow.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(issued.getId()).build());

        assertThat(revoked.status()).as("HTTP status of %s", revoked.body()).isEqualTo(200);
        assertThat(revoked.body().get("status").getAsString()).isEqualTo("revoked");
        assertThat(revoked.body().get("key").getAsString()).isEmpty();
        Instant revokedAt = Instant.parse(revoked.body().get("revokedAt").getAsString());
        assertThat(revokedAt).isBetween(before, payflow.clock().instant().plusMillis(1));
        assertThat(again.getStatus()).isEqualTo(ApiKey.Status.revoked);
        assertThat(instant(again.getRevokedAt())).as("revoking again keeps the first revokedAt").isEqualTo(revokedAt);
        assertThat(again.getPermissionsList()).containsExactlyInAnyOrderElementsOf(ALL_PERMISSIONS);

        assertGrpcError(() -> payflow.wallets(issued.getKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        assertRestError(payflow.rest("GET", "/api/v1/wallets", issued.getKey(), null), 401, "INVALID_API_KEY");
        assertThat(payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance()).getWalletsList())
                .as("the partner's other keys still work").isEmpty();
        ApiKey listed = payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partner.partnerId()).build())
                .getApiKeysList().stream().filter(k -> k.getId().equals(issued.getId())).findFirst().orElseThrow();
        assertThat(listed.getStatus()).isEqualTo(ApiKey.Status.revoked);
        assertThat(instant(listed.getRevokedAt())).isEqualTo(revokedAt);
    }

    @Test
    void revokingAnUnknownKeyIsApiKeyNotFoundAndAMalformedKeyIdIsInvalidId() {
        assertGrpcError(() -> payflow.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(UNKNOWN_KEY_ID).build()),
                Status.Code.NOT_FOUND, "API_KEY_NOT_FOUND");
        assertRestError(adminRest("DELETE", "/api/admin/api-keys/" + UNKNOWN_KEY_ID, null), 404, "API_KEY_NOT_FOUND");
        assertRestError(adminRest("DELETE", "/api/admin/api-keys/" + UNKNOWN_PARTNER_ID, null), 400, "INVALID_ID");
        assertGrpcError(() -> payflow.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId("key_1").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_ID");
    }

    // --- System stats ------------------------------------------------------------------------

    @Test
    void systemStatsCountPartnersByEveryStatusActiveKeysAndWalletsPerLivemode() {
        JsonObject before = stats();

        Partner pending = newPartner();
        Partner approved = newPartner();
        payflow.changeStatus(approved.getId(), Partner.Status.approved);
        Partner rejected = newPartner();
        payflow.changeStatus(rejected.getId(), Partner.Status.rejected);
        TestServer.PartnerKeys suspended = payflow.onboard(Partner.Status.suspended);
        TestServer.PartnerKeys active = payflow.onboard(Partner.Status.active);
        ApiKey revoked = payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(pending.getId())
                .setEnvironment(ApiKey.Environment.sandbox).setName("revoked").build());
        payflow.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(revoked.getId()).build());
        for (String external : List.of("stats-1", "stats-2")) {
            payflow.wallets(active.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                    .setExternalWalletId(external).setName("w").setCurrency("USD").build());
        }
        payflow.wallets(active.productionKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                .setExternalWalletId("stats-live").setName("w").setCurrency("USD").build());

        JsonObject after = stats();
        SystemStats overGrpc = payflow.admin().getSystemStats(GetSystemStatsRequest.getDefaultInstance());

        JsonObject beforeByStatus = before.getAsJsonObject("partnersByStatus");
        JsonObject afterByStatus = after.getAsJsonObject("partnersByStatus");
        assertThat(afterByStatus.keySet()).containsExactlyInAnyOrder("pending", "approved", "active", "suspended", "rejected");
        for (String status : List.of("pending", "approved", "active", "suspended", "rejected")) {
            assertThat(afterByStatus.get(status).getAsLong() - beforeByStatus.get(status).getAsLong()).as("new %s partners", status)
                    .isEqualTo(1);
            assertThat(overGrpc.getPartnersByStatusMap()).containsEntry(status, afterByStatus.get(status).getAsLong());
        }
        assertThat(pending.getStatus()).isEqualTo(Partner.Status.pending);
        assertThat(suspended.partnerId()).isNotEqualTo(active.partnerId());
        // Two keys for each onboarded partner, one more revoked at once.
        assertThat(after.get("activeApiKeys").getAsLong() - before.get("activeApiKeys").getAsLong()).isEqualTo(4);
        assertThat(after.get("sandboxWallets").getAsLong() - before.get("sandboxWallets").getAsLong()).isEqualTo(2);
        assertThat(after.get("liveWallets").getAsLong() - before.get("liveWallets").getAsLong()).isEqualTo(1);
        assertThat(overGrpc.getActiveApiKeys()).isEqualTo(after.get("activeApiKeys").getAsLong());
        assertThat(overGrpc.getSandboxWallets()).isEqualTo(after.get("sandboxWallets").getAsLong());
        assertThat(overGrpc.getLiveWallets()).isEqualTo(after.get("liveWallets").getAsLong());
        long partnersListed = allPartners(Partner.Status.status_unspecified).size();
        assertThat(overGrpc.getPartnersByStatusMap().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(partnersListed);
        assertThat(after.has("generatedAt")).isTrue();
    }

    // --- Admin authentication ----------------------------------------------------------------

    static Stream<Arguments> adminRoutes() {
        String partner = "/api/admin/partners/" + UNKNOWN_PARTNER_ID;
        return Stream.of(
                Arguments.of("GET", "/api/admin/partners", null),
                Arguments.of("POST", "/api/admin/partners", validPartner().toString()),
                Arguments.of("GET", partner, null),
                Arguments.of("PATCH", partner + "/status", "{\"status\":\"approved\",\"reason\":\"x\"}"),
                Arguments.of("PATCH", partner, "{\"platformFeeBasisPoints\":5}"),
                Arguments.of("GET", partner + "/api-keys", null),
                Arguments.of("POST", partner + "/api-keys", "{\"environment\":\"sandbox\",\"name\":\"k\",\"reason\":\"test\"}"),
                Arguments.of("DELETE", "/api/admin/api-keys/" + UNKNOWN_KEY_ID, null),
                Arguments.of("GET", "/api/admin/system/stats", null));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("adminRoutes")
    void everyAdminRouteRefusesMissingWrongAndPartnerCredentials(String method, String path, String body) {
        TestServer.PartnerKeys partner = activePartner();

        assertRestError(payflow.rest(method, path, null, body), 401, "MISSING_CREDENTIALS");
        assertRestError(payflow.rest(method, path, "not-the-admin-token", body), 401, "INVALID_ADMIN_TOKEN");
        assertRestError(payflow.rest(method, path, TestServer.ADMIN_TOKEN + "x", body), 401, "INVALID_ADMIN_TOKEN");
        assertRestError(payflow.rest(method, path, partner.sandboxKey(), body), 403, "ADMIN_CREDENTIALS_REQUIRED");
        assertRestError(payflow.rest(method, path, partner.productionKey(), body), 403, "ADMIN_CREDENTIALS_REQUIRED");
    }

    @Test
    void overGrpcAnAdminMethodRefusesMissingWrongAndPartnerCredentials() {
        TestServer.PartnerKeys partner = activePartner();
        PartnerAdminServiceGrpc.PartnerAdminServiceBlockingStub bare = PartnerAdminServiceGrpc.newBlockingStub(payflow.channel())
                .withDeadlineAfter(30, TimeUnit.SECONDS);

        assertGrpcError(() -> bare.listPartners(ListPartnersRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED, "MISSING_CREDENTIALS");
        assertGrpcError(() -> TestServer.withBearer(bare, "wrong-token").getSystemStats(GetSystemStatsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_ADMIN_TOKEN");
        assertGrpcError(() -> TestServer.withBearer(bare, partner.sandboxKey()).createPartner(CreatePartnerRequest.newBuilder()
                .setName("N").setCompanyName("C").setEmail(uniqueEmail()).build()), Status.Code.PERMISSION_DENIED, "ADMIN_CREDENTIALS_REQUIRED");
        assertGrpcError(() -> TestServer.withBearer(bare, partner.productionKey()).updatePartnerStatus(UpdatePartnerStatusRequest.newBuilder()
                .setId(partner.partnerId()).setStatus(Partner.Status.suspended).setReason("self-service?").build()),
                Status.Code.PERMISSION_DENIED, "ADMIN_CREDENTIALS_REQUIRED");
        assertThat(payflow.admin().getPartner(GetPartnerRequest.newBuilder().setId(partner.partnerId()).build()).getStatus())
                .isEqualTo(Partner.Status.active);
    }

    // --- Helpers -----------------------------------------------------------------------------

    private static TestServer.PartnerKeys activePartnerKeys;

    private static TestServer.PartnerKeys activePartner() {
        if (activePartnerKeys == null) {
            activePartnerKeys = payflow.onboard(Partner.Status.active);
        }
        return activePartnerKeys;
    }

    private static TestServer.Rest adminRest(String method, String path, String body) {
        return payflow.rest(method, path, TestServer.ADMIN_TOKEN, body);
    }

    private static JsonObject stats() {
        TestServer.Rest stats = adminRest("GET", "/api/admin/system/stats", null);
        assertThat(stats.status()).as("HTTP status of %s", stats.body()).isEqualTo(200);
        return stats.body();
    }

    private static String uniqueEmail() {
        return "ops-" + UUID.randomUUID() + "@partner.example";
    }

    private static Partner newPartner() {
        return payflow.admin().createPartner(CreatePartnerRequest.newBuilder().setName("Partner").setCompanyName("Partner Ltd")
                .setEmail(uniqueEmail()).build());
    }

    /** A new partner in {@code status}, reached through allowed moves only. */
    private static Partner partnerIn(Partner.Status status) {
        Partner partner = newPartner();
        List<Partner.Status> path = switch (status) {
            case pending -> List.of();
            case approved -> List.of(Partner.Status.approved);
            case active -> List.of(Partner.Status.approved, Partner.Status.active);
            case suspended -> List.of(Partner.Status.approved, Partner.Status.active, Partner.Status.suspended);
            case rejected -> List.of(Partner.Status.rejected);
            default -> throw new IllegalArgumentException(status.toString());
        };
        for (Partner.Status next : path) {
            partner = payflow.changeStatus(partner.getId(), next);
        }
        return partner;
    }

    private static List<Partner> allPartners(Partner.Status status) {
        List<Partner> all = new ArrayList<>();
        String token = "";
        do {
            ListPartnersResponse page = payflow.admin().listPartners(ListPartnersRequest.newBuilder().setPageSize(200)
                    .setStatus(status).setPageToken(token).build());
            all.addAll(page.getPartnersList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    /** Ids carry their creation time in milliseconds: two objects made a few milliseconds apart (on the server's clock) sort in creation order. */
    private static void pauseForTheClockToTick() {
        payflow.clock().advance(Duration.ofMillis(3));
    }

    private static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }

    private static JsonObject validPartner() {
        return json("name", "Valid", "companyName", "Valid Ltd", "email", uniqueEmail());
    }

    private static JsonObject json(Object... keysAndValues) {
        JsonObject object = new JsonObject();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = (String) keysAndValues[i];
            Object value = keysAndValues[i + 1];
            if (value instanceof List<?> list) {
                JsonArray array = new JsonArray();
                list.forEach(item -> array.add(item.toString()));
                object.add(key, array);
            } else if (value instanceof JsonElement element) {
                object.add(key, element);
            } else {
                object.addProperty(key, value.toString());
            }
        }
        return object;
    }

    private static Struct struct(JsonObject json) {
        Struct.Builder builder = Struct.newBuilder();
        try {
            com.google.protobuf.util.JsonFormat.parser().merge(json.toString(), builder);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        return builder.build();
    }
}
