package dev.payflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;
import dev.payflow.core.app.Credits;
import dev.payflow.core.app.MovementTerms;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.gateway.GatewayRegistry;
import dev.payflow.core.gateway.SimulatedGateway;
import dev.payflow.core.gateway.PaymentProviders;
import dev.payflow.core.gateway.SimulatedPayments;
import dev.payflow.core.app.PaymentMethods;
import dev.payflow.core.app.Payments;
import dev.payflow.core.app.Services;
import dev.payflow.core.persistence.PaymentMethodRepository;
import dev.payflow.core.persistence.PaymentRepository;
import dev.payflow.core.persistence.PartnerRepository;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.SystemAccountRepository;
import dev.payflow.core.persistence.WalletRepository;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.AccessProto;
import dev.payflow.proto.v1.AccessRule;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata.Key;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every RPC of the contract, enumerated from the proto module's descriptor set and its
 * {@code (payflow.v1.access)} rules, called across partners and modes over gRPC and REST:
 * <ul>
 * <li>every partner RPC, by three partners with sandbox and production keys, on the caller's own
 * objects, on the other two partners' objects of both modes, on the caller's own objects of the
 * other mode, and on well-formed ids that do not exist. A foreign or other-mode id must answer
 * exactly like a missing one: the same gRPC code, the same {@code google.rpc.Status} (reason,
 * message, details) and trailer keys, the same HTTP status and JSON body, once the id itself and
 * the request id are replaced by placeholders;</li>
 * <li>the books unchanged by all those calls (see {@link #assertNothingChangedButTheCallersRefusedKeys});</li>
 * <li>admin RPCs refused to every partner key, partner RPCs refused to the admin token, and RPCs
 * that take no PayFlow credential answering a partner key exactly as they answer no credential.</li>
 * </ul>
 * The matrix is generated: {@link #PARTNER_RPCS} says, per partner RPC, which request fields name
 * an object and of what kind, and how to fill the rest of a valid body. The first test fails if
 * the contract has a partner RPC the table does not know, or a request field that looks like an
 * id ({@code id}, {@code *_id}) the table does not classify, so a new RPC cannot escape it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PartnerIsolationMatrixTest {
    /** The descriptor set the proto module ships (and Envoy transcodes with): the contract as built. */
    private static final String DESCRIPTOR_SET = "/descriptor/payflow.pb";
    private static final String PACKAGE = "payflow.v1";
    private static final Key<String> AUTHORIZATION = Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    private static final Pattern PATH_VARIABLE = Pattern.compile("\\{([a-z_]+)(=[^}]*)?}");
    private static final Pattern ID_LIKE = Pattern.compile("(.*_)?ids?");
    private static final String ID = "<id>";
    private static final String REQUEST_ID = "<request-id>";
    private static final JsonFormat.TypeRegistry DETAILS = JsonFormat.TypeRegistry.newBuilder()
            .add(List.of(ErrorInfo.getDescriptor(), com.google.rpc.RequestInfo.getDescriptor(), com.google.rpc.BadRequest.getDescriptor(),
                    com.google.rpc.RetryInfo.getDescriptor(), com.google.rpc.ResourceInfo.getDescriptor(),
                    com.google.rpc.PreconditionFailure.getDescriptor(), com.google.rpc.QuotaFailure.getDescriptor(),
                    com.google.rpc.Help.getDescriptor(), com.google.rpc.LocalizedMessage.getDescriptor(), com.google.rpc.DebugInfo.getDescriptor()))
            .build();

    // --- The table -----------------------------------------------------------------------------

    /** What an id-like request field names, and so which fixture fills it. */
    enum Kind {
        WALLET(IdPrefix.WALLET),
        /** Any transaction (the fixture's is a credit). */
        TRANSACTION(IdPrefix.TRANSACTION),
        /** A transaction of type transfer. */
        TRANSFER(IdPrefix.TRANSACTION),
        HOLD(IdPrefix.HOLD),
        /** A payment (sandbox: through the API and the simulated provider; production: in-process, as no live gateway is configured). */
        PAYMENT(IdPrefix.PAYMENT),
        /** A payment authorised and not captured ({@code capture: false}), which a capture or cancel uses up. */
        AUTHORISED_PAYMENT(IdPrefix.PAYMENT),
        /** A payout in transit from the caller's first wallet to its connected account (made in-process: see {@link #payout}). */
        PAYOUT(IdPrefix.PAYOUT),
        /** A partner event of the outbox (the fixture's transfer wrote some). */
        EVENT(IdPrefix.EVENT),
        /** A connected account (sandbox: through the API and the simulated gateway; production: in-process, as no live gateway is configured). */
        CONNECTED_ACCOUNT(IdPrefix.CONNECTED_ACCOUNT),
        /** The partner's own {@code externalWalletId} of a wallet. */
        EXTERNAL_WALLET_ID(null),
        /** The partner's own {@code externalUserId} of a wallet's user. */
        EXTERNAL_USER_ID(null),
        /** The partner's own {@code externalUserId} of the holder of an onboarded connected account (a payout's recipient). */
        CONNECTED_USER(null),
        /** A payment method (a simulated card token); a detach uses it up. */
        PAYMENT_METHOD(IdPrefix.PAYMENT_METHOD);

        private final IdPrefix prefix;

        Kind(IdPrefix prefix) {
            this.prefix = prefix;
        }

        /** Every kind has a fixture in {@link #caller}; a new kind without one answers false here until it gets one. */
        boolean creatable() {
            return true;
        }

        /** Pending holds are used up by capture and void, so the calls that must succeed get a fresh one each. */
        boolean consumedBySuccess() {
            return this == HOLD || this == AUTHORISED_PAYMENT || this == CONNECTED_ACCOUNT || this == PAYMENT_METHOD;
        }

        /** A well-formed value that names nothing. */
        String missing(Ids ids) {
            return prefix == null ? name().toLowerCase() + "-that-nobody-has-" + UUID.randomUUID() : ids.next(prefix);
        }
    }

    /**
     * One request field that names an object.
     *
     * @param instance which of the caller's objects of that kind fills it when it is not the field
     *        under test (a transfer needs two different wallets)
     * @param missingReason what the RPC answers when the object does not exist: an ErrorInfo reason,
     *        or empty for a filter, which answers an empty list
     */
    record Reference(String field, Kind kind, int instance, Optional<String> missingReason, boolean alternative) {
        Reference(String field, Kind kind, int instance, Optional<String> missingReason) {
            this(field, kind, instance, missingReason, false);
        }
    }

    /** Fills the fields of a valid request that are not references. */
    @FunctionalInterface
    interface Body {
        void fill(DynamicMessage.Builder request);
    }

    /**
     * One partner RPC.
     *
     * @param names id-like fields that are not references, with why: names of a new object in the
     *        caller's own namespace
     * @param notBuilt the RPC answers UNIMPLEMENTED today, for every caller and object alike
     * @param liveRefusal a reason every production-key call answers before any object is looked up
     *        (so own, foreign and missing ids answer the same by construction), but those of
     *        {@code lookedUpFirst}
     * @param lookedUpFirst reference fields looked up before the live refusal: a missing or foreign
     *        one answers its own missing reason in live mode too
     * @param ownRefusal what a call on the caller's own objects answers, when the contract refuses it
     *        (a cancel of a payout the bank has taken) after finding them
     */
    record Entry(String method, List<Reference> references, Map<String, String> names, Body body, boolean notBuilt,
            Optional<String> liveRefusal, Set<String> lookedUpFirst, Optional<String> ownRefusal, Optional<String> repeatRefusal) {
        static Entry of(String method, Body body, Reference... references) {
            return new Entry(method, List.of(references), Map.of(), body, false, Optional.empty(), Set.of(), Optional.empty(), Optional.empty());
        }

        Entry notBuiltYet() {
            return new Entry(method, references, names, body, true, liveRefusal, lookedUpFirst, ownRefusal, repeatRefusal);
        }

        Entry refusedInLivemode(String reason) {
            return new Entry(method, references, names, body, notBuilt, Optional.of(reason), lookedUpFirst, ownRefusal, repeatRefusal);
        }

        /** Refused in live mode once these fields' objects are found (a missing or foreign one answers its missing reason). */
        Entry refusedInLivemodeAfterLookingUp(String reason, String... fields) {
            return new Entry(method, references, names, body, notBuilt, Optional.of(reason), Set.of(fields), ownRefusal, repeatRefusal);
        }

        /** The caller's own objects are found and then refused with this reason, in both modes. */
        Entry ownAnswers(String reason) {
            return new Entry(method, references, names, body, notBuilt, liveRefusal, lookedUpFirst, Optional.of(reason), repeatRefusal);
        }

        Entry withNames(Map<String, String> why) {
            return new Entry(method, references, why, body, notBuilt, liveRefusal, lookedUpFirst, ownRefusal, repeatRefusal);
        }

        /** The RPC works once per caller: the REST call after the gRPC one answers this reason (a key rolls once). */
        Entry refusedWhenRepeated(String reason) {
            return new Entry(method, references, names, body, notBuilt, liveRefusal, lookedUpFirst, ownRefusal, Optional.of(reason));
        }
    }

    private static Reference ref(String field, Kind kind, String missingReason) {
        return new Reference(field, kind, 0, Optional.of(missingReason));
    }

    private static Reference secondRef(String field, Kind kind, String missingReason) {
        return new Reference(field, kind, 1, Optional.of(missingReason));
    }

    /**
     * One of several references a request takes only one of at a time (a payment funds a wallet or
     * is routed to a connected account, never both): it is left empty while another is under test,
     * and only the entry's first alternative is filled while a field that is not one is under test.
     */
    private static Reference alternativeRef(String field, Kind kind, String missingReason) {
        return new Reference(field, kind, 0, Optional.of(missingReason), true);
    }

    private static Reference filter(String field, Kind kind) {
        return new Reference(field, kind, 0, Optional.empty());
    }

    private static final Body NOTHING_ELSE = request -> {
    };

    /** Sets a google.protobuf.Timestamp field of a dynamic request to this many seconds after the epoch. */
    private static void timestamp(DynamicMessage.Builder request, String name, long epochSeconds) {
        Descriptors.FieldDescriptor field = request.getDescriptorForType().findFieldByName(name);
        Descriptors.Descriptor type = field.getMessageType();
        request.setField(field, DynamicMessage.newBuilder(type).setField(type.findFieldByName("seconds"), epochSeconds).build());
    }

    private static Body fields(Object... namesAndValues) {
        return request -> {
            for (int i = 0; i < namesAndValues.length; i += 2) {
                set(request, (String) namesAndValues[i], namesAndValues[i + 1]);
            }
        };
    }


    /** Where sandbox callers' webhooks go: a loopback port nothing listens on, so a replay fails fast and harmlessly. */
    private static final String MATRIX_WEBHOOK_URL = "http://localhost:9/matrix";

    /** Every partner RPC of the contract. A request's {@code idempotency_key} is filled with a fresh key on every call. */
    static final List<Entry> PARTNER_RPCS = List.of(
            Entry.of("payflow.v1.WalletService/CreateWallet", request -> {
                String unique = UUID.randomUUID().toString();
                fields("external_user_id", "matrix-user-" + unique, "external_wallet_id", "matrix-wallet-" + unique, "name", "Matrix",
                        "currency", "USD").fill(request);
            }).withNames(Map.of(
                    "external_user_id", "names the user of the new wallet, in the caller's own namespace",
                    "external_wallet_id", "names the new wallet in the caller's own namespace (per partner and mode)")),
            Entry.of("payflow.v1.WalletService/ListWallets", NOTHING_ELSE, filter("external_user_id", Kind.EXTERNAL_USER_ID)),
            Entry.of("payflow.v1.WalletService/GetWallet", NOTHING_ELSE, ref("id", Kind.WALLET, "WALLET_NOT_FOUND")),
            Entry.of("payflow.v1.WalletService/UpdateWallet", fields("name", "Renamed by the isolation matrix"),
                    ref("id", Kind.WALLET, "WALLET_NOT_FOUND")),
            Entry.of("payflow.v1.WalletService/GetWalletByExternalId", NOTHING_ELSE,
                    ref("external_id", Kind.EXTERNAL_WALLET_ID, "WALLET_NOT_FOUND")),
            Entry.of("payflow.v1.WalletService/GetWalletBalance", NOTHING_ELSE, ref("id", Kind.WALLET, "WALLET_NOT_FOUND")),
            // A live credit needs a payment method, and that is checked before the wallet is looked up.
            Entry.of("payflow.v1.WalletService/CreditWallet", fields("amount", "1.00", "currency", "USD"),
                    ref("wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")).refusedInLivemode("PAYMENT_METHOD_REQUIRED"),
            Entry.of("payflow.v1.WalletService/DebitWallet", fields("amount", "1.00", "currency", "USD"),
                    ref("wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")),
            Entry.of("payflow.v1.LedgerService/ListWalletTransactions", NOTHING_ELSE, ref("wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")),
            Entry.of("payflow.v1.LedgerService/GetTransaction", NOTHING_ELSE, ref("id", Kind.TRANSACTION, "TRANSACTION_NOT_FOUND")),
            Entry.of("payflow.v1.LedgerService/ListLedgerEntries", NOTHING_ELSE, ref("wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")),
            // No id to name: a window over every fixture; the lines it answers must all be the caller's own (outsideTheCallersScope).
            Entry.of("payflow.v1.ExportService/ExportTransactions", request -> {
                timestamp(request, "from", 0);
                timestamp(request, "to", 4_102_444_800L);
            }),
            Entry.of("payflow.v1.TransferService/CreateTransfer", fields("amount", "1.00", "currency", "USD"),
                    ref("from_wallet_id", Kind.WALLET, "WALLET_NOT_FOUND"), secondRef("to_wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")),
            Entry.of("payflow.v1.TransferService/GetTransfer", NOTHING_ELSE, ref("id", Kind.TRANSFER, "TRANSFER_NOT_FOUND")),
            // One member, whose own result carries the refusal (see memberRefusal): the batch answers OK as a whole.
            Entry.of("payflow.v1.TransferService/BatchCreateTransfers", fields("transfers.amount", "1.00", "transfers.currency", "USD"),
                    ref("transfers.from_wallet_id", Kind.WALLET, "WALLET_NOT_FOUND"),
                    secondRef("transfers.to_wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")),
            Entry.of("payflow.v1.HoldService/CreateHold", fields("amount", "1.00", "currency", "USD"),
                    ref("wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")),
            // The hold is on the caller's first wallet, so a capture into another wallet names the second.
            Entry.of("payflow.v1.HoldService/CaptureHold", NOTHING_ELSE,
                    ref("id", Kind.HOLD, "HOLD_NOT_FOUND"), secondRef("to_wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")),
            Entry.of("payflow.v1.HoldService/VoidHold", NOTHING_ELSE, ref("id", Kind.HOLD, "HOLD_NOT_FOUND")),
            Entry.of("payflow.v1.HoldService/GetHold", NOTHING_ELSE, ref("id", Kind.HOLD, "HOLD_NOT_FOUND")),
            Entry.of("payflow.v1.HoldService/ListWalletHolds", NOTHING_ELSE, ref("wallet_id", Kind.WALLET, "WALLET_NOT_FOUND")),
            // Each sandbox caller has an endpoint on loopback (the fixture sets it); production callers have none, and
            // live mode refuses a loopback http URL before anything is stored.
            Entry.of("payflow.v1.WebhookEndpointService/GetWebhookEndpoint", NOTHING_ELSE).refusedInLivemode("WEBHOOK_ENDPOINT_NOT_FOUND"),
            Entry.of("payflow.v1.WebhookEndpointService/PutWebhookEndpoint", fields("url", MATRIX_WEBHOOK_URL))
                    .refusedInLivemode("WEBHOOK_URL_NOT_ALLOWED"),
            Entry.of("payflow.v1.WebhookEndpointService/RollWebhookSecret", NOTHING_ELSE).refusedInLivemode("WEBHOOK_ENDPOINT_NOT_FOUND"),
            Entry.of("payflow.v1.WebhookEndpointService/ListEvents", NOTHING_ELSE),
            // No id to name: the caller's own key is rolled, by gRPC; the REST call after it finds that key rolled already.
            Entry.of("payflow.v1.ApiKeyService/RollOwnApiKey", NOTHING_ELSE).refusedWhenRepeated("INVALID_STATUS_TRANSITION"),
            Entry.of("payflow.v1.WebhookEndpointService/GetEvent", NOTHING_ELSE, ref("id", Kind.EVENT, "EVENT_NOT_FOUND")),
            Entry.of("payflow.v1.WebhookEndpointService/ReplayEvent", NOTHING_ELSE, ref("event_id", Kind.EVENT, "EVENT_NOT_FOUND")),
            // A dollar to an onboarded connected account of the caller's, named by its id or by its holder's user id (one at a
            // time). The recipient is looked up first, then (live) the gateway that holds it: the matrix's server has no live
            // payout gateway, so a live payout to an own account is refused before the wallet is looked up.
            Entry.of("payflow.v1.PayoutService/CreatePayout", fields("amount", "1.00", "currency", "USD"),
                    ref("wallet_id", Kind.WALLET, "WALLET_NOT_FOUND"),
                    alternativeRef("destination.connected_account_id", Kind.CONNECTED_ACCOUNT, "CONNECT_ACCOUNT_NOT_FOUND"),
                    alternativeRef("destination.external_user_id", Kind.CONNECTED_USER, "CONNECT_ACCOUNT_NOT_FOUND"))
                    .refusedInLivemodeAfterLookingUp("GATEWAY_NOT_CONFIGURED", "destination.connected_account_id",
                            "destination.external_user_id"),
            Entry.of("payflow.v1.PayoutService/ListPayouts", NOTHING_ELSE, filter("wallet_id", Kind.WALLET)),
            Entry.of("payflow.v1.PayoutService/GetPayout", NOTHING_ELSE, ref("id", Kind.PAYOUT, "PAYOUT_NOT_FOUND")),
            // The fixture payout is in transit at the (simulated) bank, which has taken it: an own cancel is found and refused.
            Entry.of("payflow.v1.PayoutService/CancelPayout", NOTHING_ELSE, ref("id", Kind.PAYOUT, "PAYOUT_NOT_FOUND"))
                    .ownAnswers("PAYOUT_NOT_CANCELLABLE"),
            // The matrix's server has no live gateway, and that is checked before the wallet is looked up.
            // Paid with the caller's payment method: another partner's is not found.
            Entry.of("payflow.v1.PaymentService/CreatePayment", fields("amount", "1.00", "currency", "USD"),
                    alternativeRef("wallet_id", Kind.WALLET, "WALLET_NOT_FOUND"),
                    alternativeRef("connected_account_id", Kind.CONNECTED_ACCOUNT, "CONNECT_ACCOUNT_NOT_FOUND"),
                    ref("payment_method_id", Kind.PAYMENT_METHOD, "PAYMENT_METHOD_NOT_FOUND"))
                    .refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            Entry.of("payflow.v1.PaymentService/GetPaymentConfig", NOTHING_ELSE).refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            Entry.of("payflow.v1.PaymentService/GetPayment", NOTHING_ELSE, ref("id", Kind.PAYMENT, "PAYMENT_NOT_FOUND")),
            Entry.of("payflow.v1.PaymentService/ListPayments", NOTHING_ELSE, filter("wallet_id", Kind.WALLET)),
            Entry.of("payflow.v1.PaymentService/CapturePayment", NOTHING_ELSE, ref("id", Kind.AUTHORISED_PAYMENT, "PAYMENT_NOT_FOUND"))
                    .refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            Entry.of("payflow.v1.PaymentService/CancelPayment", NOTHING_ELSE, ref("id", Kind.AUTHORISED_PAYMENT, "PAYMENT_NOT_FOUND"))
                    .refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            // A cent at a time, so that every caller's own refunds succeed on the one fixture payment.
            Entry.of("payflow.v1.PaymentService/RefundPayment", fields("amount", "0.01", "reason", "requested_by_customer"),
                    ref("id", Kind.PAYMENT, "PAYMENT_NOT_FOUND")).refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            // The matrix's server has no live gateway: every Connect call that needs one is refused in live mode before the
            // account is looked up. A metadata-only update needs none.
            Entry.of("payflow.v1.ConnectService/CreateConnectedAccount", request -> fields("external_user_id", "matrix-holder-" + UUID.randomUUID(),
                    "country", "US", "email", "holder@matrix.example").fill(request)).withNames(Map.of(
                    "external_user_id", "names the holder of the new account, in the caller's own namespace"))
                    .refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            Entry.of("payflow.v1.ConnectService/CreateOnboardingLink", NOTHING_ELSE,
                    ref("id", Kind.CONNECTED_ACCOUNT, "CONNECT_ACCOUNT_NOT_FOUND")).refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            Entry.of("payflow.v1.ConnectService/GetConnectedAccount", NOTHING_ELSE, ref("id", Kind.CONNECTED_ACCOUNT, "CONNECT_ACCOUNT_NOT_FOUND")),
            Entry.of("payflow.v1.ConnectService/ListConnectedAccounts", NOTHING_ELSE, filter("external_user_id", Kind.EXTERNAL_USER_ID)),
            Entry.of("payflow.v1.ConnectService/UpdateConnectedAccount", request -> request.setField(
                    request.getDescriptorForType().findFieldByName("metadata"), com.google.protobuf.Struct.newBuilder()
                            .putFields("matrix", com.google.protobuf.Value.newBuilder().setStringValue("yes").build()).build()),
                    ref("id", Kind.CONNECTED_ACCOUNT, "CONNECT_ACCOUNT_NOT_FOUND")),
            Entry.of("payflow.v1.ConnectService/DeleteConnectedAccount", NOTHING_ELSE,
                    ref("id", Kind.CONNECTED_ACCOUNT, "CONNECT_ACCOUNT_NOT_FOUND")).refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            Entry.of("payflow.v1.ConnectService/GetConnectedAccountBalance", NOTHING_ELSE,
                    ref("id", Kind.CONNECTED_ACCOUNT, "CONNECT_ACCOUNT_NOT_FOUND")).refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            // OAuth needs Stripe and a Connect client id, which the matrix's server has in neither mode (ConnectOAuthTest covers
            // the state binding the partner); the callback is public and checked with the uncredentialed RPCs.
            Entry.of("payflow.v1.ConnectService/CreateConnectOAuthUrl", request -> fields("external_user_id", "matrix-holder-" + UUID.randomUUID())
                    .fill(request)).withNames(Map.of("external_user_id", "names the holder who connects, in the caller's own namespace"))
                    .ownAnswers("GATEWAY_NOT_CONFIGURED").refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            // A fresh token each time, as a detach of the caller's own method uses its token up.
            Entry.of("payflow.v1.PaymentMethodService/CreatePaymentMethod", request -> fields("provider", "stripe", "provider_token",
                    "pm_matrix_" + UUID.randomUUID().toString().replace("-", ""), "external_user_id", "matrix-user").fill(request))
                    .withNames(Map.of("external_user_id", "names the partner's user the new method belongs to, in the caller's own namespace"))
                    .refusedInLivemode("GATEWAY_NOT_CONFIGURED"),
            Entry.of("payflow.v1.PaymentMethodService/GetPaymentMethod", NOTHING_ELSE, ref("id", Kind.PAYMENT_METHOD, "PAYMENT_METHOD_NOT_FOUND")),
            Entry.of("payflow.v1.PaymentMethodService/ListPaymentMethods", NOTHING_ELSE, filter("external_user_id", Kind.EXTERNAL_USER_ID)),
            Entry.of("payflow.v1.PaymentMethodService/UpdatePaymentMethod", NOTHING_ELSE,
                    ref("id", Kind.PAYMENT_METHOD, "PAYMENT_METHOD_NOT_FOUND")),
            Entry.of("payflow.v1.PaymentMethodService/DeletePaymentMethod", NOTHING_ELSE,
                    ref("id", Kind.PAYMENT_METHOD, "PAYMENT_METHOD_NOT_FOUND")));

    // --- The contract, read from the descriptor set ----------------------------------------------

    /** One RPC of the contract, with its access rule and HTTP rule. */
    record Rpc(Descriptors.MethodDescriptor method, AccessRule access, HttpRule http) {
        String name() {
            return method.getService().getFullName() + "/" + method.getName();
        }

        boolean forPartners() {
            return access.getRuleCase() == AccessRule.RuleCase.PARTNER_PERMISSION;
        }

        boolean forOperators() {
            return access.getRuleCase() == AccessRule.RuleCase.ADMIN || access.getRuleCase() == AccessRule.RuleCase.OPERATOR_ROLE;
        }
    }

    /**
     * Every RPC of every payflow.v1 service in the descriptor set. The set names the files; each
     * file's generated descriptor (found by its java_package and java_outer_classname options)
     * carries the options resolved, as the server reads them.
     */
    static List<Rpc> contract() {
        DescriptorProtos.FileDescriptorSet set;
        try (InputStream in = PartnerIsolationMatrixTest.class.getResourceAsStream(DESCRIPTOR_SET)) {
            assertThat(in).as("the proto module's descriptor set %s on the class path", DESCRIPTOR_SET).isNotNull();
            set = DescriptorProtos.FileDescriptorSet.parseFrom(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<Rpc> rpcs = new ArrayList<>();
        for (DescriptorProtos.FileDescriptorProto file : set.getFileList()) {
            if (!file.getPackage().equals(PACKAGE)) {
                continue;
            }
            Descriptors.FileDescriptor generated = generatedDescriptor(file);
            assertThat(generated.getServices()).as("services of %s", file.getName()).hasSize(file.getServiceCount());
            for (Descriptors.ServiceDescriptor service : generated.getServices()) {
                for (Descriptors.MethodDescriptor method : service.getMethods()) {
                    rpcs.add(new Rpc(method, method.getOptions().getExtension(AccessProto.access),
                            method.getOptions().getExtension(AnnotationsProto.http)));
                }
            }
        }
        return rpcs;
    }

    private static Descriptors.FileDescriptor generatedDescriptor(DescriptorProtos.FileDescriptorProto file) {
        String className = file.getOptions().getJavaPackage() + "." + file.getOptions().getJavaOuterClassname();
        try {
            return (Descriptors.FileDescriptor) Class.forName(className).getMethod("getDescriptor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no generated descriptor " + className + " for " + file.getName(), e);
        }
    }

    // --- Fixtures ------------------------------------------------------------------------------

    /** A caller: one partner's key for one mode, and the objects it owns in that mode. */
    record Caller(String name, TestServer.PartnerKeys partner, boolean livemode, Map<Kind, List<String>> objects) {
        String key() {
            return livemode ? partner.productionKey() : partner.sandboxKey();
        }

        PartnerScope scope() {
            return new PartnerScope(partner.partnerId(), livemode);
        }

        String object(Kind kind, int instance) {
            List<String> ofKind = objects.get(kind);
            return ofKind == null || ofKind.size() <= instance ? null : ofKind.get(instance);
        }
    }

    /** Which object a call names in the field under test. */
    enum Target {
        OWN, OTHER_PARTNER, OTHER_MODE, MISSING
    }

    private static TestServer payflow;
    private static final List<Caller> CALLERS = new ArrayList<>();
    private static final Ids IDS = new Ids(Clock.systemUTC(), new SecureRandom());
    /** The idempotency keys each caller's scope sent, so the keys a refused call consumed can be told from anything else. */
    private static final Map<PartnerScope, Set<String>> SENT_KEYS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
    /** Calls in flight at once: enough to overlap database waits, few enough not to starve a shared two-core machine. */
    private static final int PARALLEL_CALLERS = 4;
    private static Credits liveFunding;
    /** Payments of both modes, through the simulated provider: the matrix's server has no live gateway. */
    private static Payments livePayments;
    /** Connected accounts of both modes, simulated: the matrix's server has no live gateway. */
    private static dev.payflow.core.app.ConnectAccounts liveConnect;
    /**
     * Payouts of both modes to simulated connected accounts, whose simulated bank payout arrives in
     * an hour: in transit for the whole run, so the server's payout worker does not touch them
     * between the snapshots of the foreign calls (its own simulated payouts arrive in seconds).
     */
    private static dev.payflow.core.app.Payouts livePayouts;
    /** Payment methods of both modes, through the simulated provider. */
    private static PaymentMethods livePaymentMethods;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        // Production wallets cannot be funded through the API until a live gateway exists; the
        // books of a Stripe-funded wallet are made here with the simulated gateway for both modes.
        LedgerEngine engine = new LedgerEngine(payflow.server().database(), Clock.systemUTC(), IDS, new WalletRepository(),
                new LedgerRepository(), new HoldRepository(), new IdempotencyRepository(), new SystemAccountRepository());
        liveFunding = new Credits(engine, new GatewayRegistry(new SimulatedGateway(), Optional.of(new SimulatedGateway())));
        livePaymentMethods = new PaymentMethods(payflow.server().database(), new Services(Clock.systemUTC(), new SecureRandom(), IDS),
                new PaymentProviders(new SimulatedPayments(), Optional.of(new SimulatedPayments())), new PaymentMethodRepository());
        livePayments = new Payments(payflow.server().database(), new Services(Clock.systemUTC(), new SecureRandom(), IDS), engine,
                new PaymentProviders(new SimulatedPayments(), Optional.of(new SimulatedPayments())), new PaymentRepository(), new WalletRepository(),
                new PartnerRepository(), new LedgerRepository(), new IdempotencyRepository());
        java.util.function.Supplier<String> base = () -> "http://localhost:" + payflow.server().httpPort();
        liveConnect = new dev.payflow.core.app.ConnectAccounts(payflow.server().database(), new Services(Clock.systemUTC(), new SecureRandom(), IDS),
                new dev.payflow.core.gateway.ConnectProviders(new dev.payflow.core.gateway.SimulatedConnect(base, Clock.systemUTC()),
                        Optional.of(new dev.payflow.core.gateway.SimulatedConnect(base, Clock.systemUTC()))),
                new dev.payflow.core.persistence.ConnectedAccountRepository(), dev.payflow.core.webhook.ConnectEvents.NONE, base);
        dev.payflow.core.gateway.SimulatedPayouts inAnHour = new dev.payflow.core.gateway.SimulatedPayouts(Clock.systemUTC(), java.time.Duration.ofHours(1));
        livePayouts = new dev.payflow.core.app.Payouts(payflow.server().database(), new Services(Clock.systemUTC(), new SecureRandom(), IDS), engine,
                new dev.payflow.core.gateway.PayoutProviders(List.of(inAnHour), List.of(inAnHour)), new dev.payflow.core.persistence.PayoutRepository(),
                new dev.payflow.core.persistence.ConnectedAccountRepository(), dev.payflow.core.webhook.PayoutEvents.NONE,
                dev.payflow.core.app.Payouts.STEP_LEASE);
        for (String name : List.of("A", "B", "C")) {
            TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
            CALLERS.add(caller(name + "/sandbox", partner, false));
            CALLERS.add(caller(name + "/production", partner, true));
        }
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
    }

    /** Two funded wallets, a credit, a transfer between them and a pending hold, all of one partner and mode. */
    private static Caller caller(String name, TestServer.PartnerKeys partner, boolean livemode) {
        String key = livemode ? partner.productionKey() : partner.sandboxKey();
        Wallet first = payflow.newWallet(key, "USD");
        Wallet second = payflow.newWallet(key, "USD");
        String credit = liveFunding.credit(new PartnerScope(partner.partnerId(), livemode),
                new MovementTerms.OnWallet(first.getId(), "100.00", "USD", "matrix funding", Metadata.EMPTY),
                IdempotencyKey.fromPartner(TestServer.newIdempotencyKey())).id();
        String transfer = payflow.transfer(key, first.getId(), second.getId(), "10.00", "USD").getId();
        Map<Kind, List<String>> objects = new LinkedHashMap<>();
        objects.put(Kind.WALLET, List.of(first.getId(), second.getId()));
        objects.put(Kind.TRANSACTION, List.of(credit));
        objects.put(Kind.TRANSFER, List.of(transfer));
        objects.put(Kind.HOLD, List.of(placeHold(key, first.getId())));
        objects.put(Kind.AUTHORISED_PAYMENT, List.of(authorisedPayment(new PartnerScope(partner.partnerId(), livemode), first.getId())));
        objects.put(Kind.PAYMENT, List.of(livePayments.create(new PartnerScope(partner.partnerId(), livemode),
                Payments.CreateTerms.of("2.00", "USD", "pm_card_visa", "", "", "matrix payment", first.getId(), true, Metadata.EMPTY),
                IdempotencyKey.fromPartner(TestServer.newIdempotencyKey()), "matrix").id()));
        dev.payflow.core.domain.ConnectedAccount recipient = onboardedAccount(new PartnerScope(partner.partnerId(), livemode));
        objects.put(Kind.CONNECTED_ACCOUNT, List.of(recipient.id()));
        objects.put(Kind.CONNECTED_USER, List.of(recipient.externalUserId().orElseThrow()));
        objects.put(Kind.PAYOUT, List.of(payout(new PartnerScope(partner.partnerId(), livemode), first.getId(), recipient.id())));
        objects.put(Kind.EVENT, List.of(payflow.webhooks(key).listEvents(dev.payflow.proto.v1.ListEventsRequest.getDefaultInstance())
                .getEvents(0).getId()));
        if (!livemode) {
            payflow.webhooks(key).putWebhookEndpoint(dev.payflow.proto.v1.PutWebhookEndpointRequest.newBuilder().setUrl(MATRIX_WEBHOOK_URL).build());
        }
        objects.put(Kind.EXTERNAL_WALLET_ID, List.of(first.getExternalWalletId()));
        objects.put(Kind.EXTERNAL_USER_ID, List.of(first.getExternalUserId()));
        objects.put(Kind.PAYMENT_METHOD, List.of(paymentMethod(new PartnerScope(partner.partnerId(), livemode), first.getExternalUserId())));
        return new Caller(name, partner, livemode, objects);
    }

    /** An onboarded connected account, so payments can be routed to it and payouts made to it. */
    private static String connectedAccount(PartnerScope scope) {
        return onboardedAccount(scope).id();
    }

    /**
     * A simulated connected account, onboarded: in sandbox its simulated onboarding followed, as
     * its onboarding page does; in production, which has no such page (and no live gateway here),
     * marked onboarded in the database as the gateway's answer would.
     */
    private static dev.payflow.core.domain.ConnectedAccount onboardedAccount(PartnerScope scope) {
        dev.payflow.core.domain.ConnectedAccount account = liveConnect.create(scope, dev.payflow.core.app.ConnectAccounts.CreateTerms.of(
                "matrix-holder-" + UUID.randomUUID(), "US", "holder@matrix.example", "", "", "", Metadata.EMPTY)).account();
        String providerAccountId = account.providerAccountId().orElseThrow();
        if (!scope.livemode()) {
            liveConnect.completeSimulatedOnboarding(providerAccountId).orElseThrow();
            return account;
        }
        dev.payflow.core.persistence.ConnectedAccountRepository accounts = new dev.payflow.core.persistence.ConnectedAccountRepository();
        return payflow.server().database().inTransaction(tx -> {
            dev.payflow.core.domain.ConnectedAccount locked = accounts.findForUpdateFromGateway(tx,
                    dev.payflow.core.gateway.SimulatedConnect.NAME, true, providerAccountId).orElseThrow();
            dev.payflow.core.domain.ConnectedAccount onboarded = locked.withGateway(dev.payflow.core.gateway.SimulatedConnect.onboarded(),
                    java.time.Instant.now());
            accounts.update(tx, onboarded);
            return onboarded;
        });
    }

    /** A dollar paid out from the wallet to the account: transferred and in transit at the simulated bank for an hour. */
    private static String payout(PartnerScope scope, String walletId, String connectedAccountId) {
        dev.payflow.core.domain.Payout payout = livePayouts.create(scope, dev.payflow.core.app.Payouts.CreateTerms.of(walletId, "1.00", "USD",
                "matrix payout", true, connectedAccountId, "", Metadata.EMPTY), IdempotencyKey.fromPartner(TestServer.newIdempotencyKey()),
                "matrix");
        assertThat(payout.status()).as("the fixture payout %s", payout.id()).isEqualTo(dev.payflow.core.domain.PayoutStatus.IN_TRANSIT);
        return payout.id();
    }

    private static String authorisedPayment(PartnerScope scope, String walletId) {
        return livePayments.create(scope, Payments.CreateTerms.of("1.00", "USD", "pm_card_visa", "", "", "matrix authorisation", walletId, false,
                Metadata.EMPTY), IdempotencyKey.fromPartner(TestServer.newIdempotencyKey()), "matrix").id();
    }

    private static String paymentMethod(PartnerScope scope, String externalUserId) {
        return livePaymentMethods.attach(scope, PaymentMethods.AttachTerms.of("stripe", "pm_matrix_" + UUID.randomUUID().toString().replace("-", ""),
                "", externalUserId, dev.payflow.core.domain.PaymentMethod.BillingDetails.NONE, Metadata.EMPTY)).id();
    }

    private static String placeHold(String key, String walletId) {
        return payflow.holds(key).createHold(CreateHoldRequest.newBuilder().setWalletId(walletId).setAmount("5.00").setCurrency("USD")
                .setIdempotencyKey(TestServer.newIdempotencyKey()).build()).getId();
    }

    // --- The tests -----------------------------------------------------------------------------

    @Test
    @Order(1)
    void everyRpcOfTheContractIsCoveredByTheMatrix() {
        List<Rpc> contract = contract();
        assertThat(coverageProblems(contract, PARTNER_RPCS)).as("RPCs and request fields the isolation matrix does not cover").isEmpty();
        assertThat(contract.stream().filter(Rpc::forPartners)).hasSize(PARTNER_RPCS.size());
    }

    @Test
    @Order(1)
    void theCoverageCheckNamesAPartnerRpcMissingFromTheTableAndAnIdFieldItDoesNotFill() {
        List<Entry> incomplete = new ArrayList<>(PARTNER_RPCS.stream().filter(entry -> !entry.method().endsWith("/GetHold")).toList());
        incomplete.replaceAll(entry -> entry.method().endsWith("/CaptureHold")
                ? Entry.of(entry.method(), entry.body(), entry.references().get(0)) : entry);

        assertThat(coverageProblems(contract(), incomplete))
                .anySatisfy(problem -> assertThat(problem).startsWith("payflow.v1.HoldService/GetHold: a partner RPC"))
                .anySatisfy(problem -> assertThat(problem).startsWith("payflow.v1.HoldService/CaptureHold: request field to_wallet_id"))
                .hasSize(2);
    }

    /** What the table misses of the contract, one line each; empty when every RPC and id field is covered. */
    private static List<String> coverageProblems(List<Rpc> contract, List<Entry> partnerRpcs) {
        Map<String, Entry> table = partnerRpcs.stream().collect(Collectors.toMap(Entry::method, entry -> entry));
        List<String> problems = new ArrayList<>();
        Set<String> inContract = new HashSet<>();
        for (Rpc rpc : contract) {
            inContract.add(rpc.name());
            switch (rpc.access().getRuleCase()) {
                case PARTNER_PERMISSION -> {
                    Entry entry = table.get(rpc.name());
                    if (entry == null) {
                        problems.add(rpc.name() + ": a partner RPC (" + rpc.access().getPartnerPermission()
                                + ") the matrix does not know: add it to PARTNER_RPCS with its id fields and a valid body");
                        continue;
                    }
                    problems.addAll(unclassifiedFields(rpc, entry));
                    if (rpc.http().getPatternCase() == HttpRule.PatternCase.CUSTOM) {
                        problems.add(rpc.name() + ": a custom HTTP verb the matrix cannot call over REST");
                    }
                    for (Reference reference : entry.references()) {
                        if (!reference.kind().creatable() && !entry.notBuilt()) {
                            problems.add(rpc.name() + ": names a " + reference.kind() + ", which the matrix cannot make yet: give the kind a fixture");
                        }
                    }
                }
                case ADMIN, OPERATOR_ROLE, SIGNED_BY_SENDER, PUBLIC -> {
                    // Called generically, with an empty request: none of them may accept a partner key.
                }
                case RULE_NOT_SET -> problems.add(rpc.name() + ": no (payflow.v1.access) rule");
            }
            if (rpc.http().getPatternCase() == HttpRule.PatternCase.PATTERN_NOT_SET) {
                problems.add(rpc.name() + ": no google.api.http rule, so no REST path to call");
            }
        }
        for (String listed : table.keySet()) {
            if (!inContract.contains(listed)) {
                problems.add(listed + ": in PARTNER_RPCS but not a partner RPC of the contract");
            }
        }
        return problems;
    }

    /** Id-like fields of the request (nested messages too) the entry neither references nor names; and entry fields that do not exist. */
    private static List<String> unclassifiedFields(Rpc rpc, Entry entry) {
        List<String> problems = new ArrayList<>();
        Set<String> classified = new HashSet<>(entry.names().keySet());
        entry.references().forEach(reference -> classified.add(reference.field()));
        Set<String> idLike = new TreeSet<>();
        collectIdLikeFields(rpc.method().getInputType(), "", idLike, new HashSet<>());
        for (String field : idLike) {
            if (!classified.contains(field)) {
                problems.add(rpc.name() + ": request field " + field + " looks like an id, but the matrix neither fills it with objects "
                        + "of every partner and mode nor names it a non-reference");
            }
        }
        for (String field : classified) {
            if (fieldAt(rpc.method().getInputType(), field) == null) {
                problems.add(rpc.name() + ": the matrix names a field " + field + " the request does not have");
            }
        }
        return problems;
    }

    private static void collectIdLikeFields(Descriptors.Descriptor type, String prefix, Set<String> out, Set<String> seen) {
        if (!seen.add(type.getFullName()) || type.getFullName().startsWith("google.protobuf.")) {
            return;
        }
        for (Descriptors.FieldDescriptor field : type.getFields()) {
            if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                collectIdLikeFields(field.getMessageType(), prefix + field.getName() + ".", out, seen);
            } else if (ID_LIKE.matcher(field.getName()).matches()) {
                out.add(prefix + field.getName());
            }
        }
    }

    @Test
    @Order(2)
    void foreignAndOtherModeIdsAnswerExactlyLikeMissingOnesAndChangeNothing() {
        Map<String, Rpc> contract = contract().stream().collect(Collectors.toMap(Rpc::name, rpc -> rpc));
        DbSnapshot before = DbSnapshot.take(payflow.server().database().reader());
        List<Callable<List<String>>> cells = new ArrayList<>();
        for (Entry entry : PARTNER_RPCS) {
            Rpc rpc = contract.get(entry.method());
            for (Reference reference : entry.references()) {
                for (Caller caller : CALLERS) {
                    cells.add(() -> foreignCallsOf(rpc, entry, reference, caller));
                }
            }
        }
        List<String> leaks = inParallel(cells);
        DbSnapshot after = DbSnapshot.take(payflow.server().database().reader());

        assertThat(leaks).as("foreign or other-mode ids that answered differently from missing ones").isEmpty();
        assertNothingChangedButTheCallersRefusedKeys(before, after);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    /** One field of one RPC for one caller: the missing id's answer, then every foreign object's, on both doors. */
    private static List<String> foreignCallsOf(Rpc rpc, Entry entry, Reference reference, Caller caller) {
        List<String> leaks = new ArrayList<>();
        String missing = reference.kind().missing(IDS);
        Answer grpcMissing = callGrpc(rpc, entry, reference, caller, missing, Target.MISSING);
        Answer restMissing = callRest(rpc, entry, reference, caller, missing, Target.MISSING);
        String where = rpc.name() + " " + reference.field() + " by " + caller.name();
        Optional<String> expected = expectedWhenMissing(entry, reference, caller);
        if (!grpcMissing.answers(expected.orElse("")) || !restMissing.answers(expected.orElse(""))) {
            leaks.add(where + ": a missing " + reference.kind() + " answered " + grpcMissing + " / " + restMissing + " (expected: "
                    + expected.orElse("OK") + "), so the matrix would not see a leak");
        }
        for (Caller owner : CALLERS) {
            if (owner == caller) {
                continue;
            }
            Target target = owner.partner().equals(caller.partner()) ? Target.OTHER_MODE : Target.OTHER_PARTNER;
            String theirs = owner.object(reference.kind(), reference.instance());
            if (theirs == null) {
                // No such object can exist yet (a payout): the call names an id nobody has, like the missing one.
                theirs = reference.kind().missing(IDS);
            }
            Answer grpc = callGrpc(rpc, entry, reference, caller, theirs, target);
            if (!grpc.normalised().equals(grpcMissing.normalised())) {
                leaks.add(where + " on " + owner.name() + "'s object over gRPC:\n  theirs:  " + grpc.normalised() + "\n  missing: "
                        + grpcMissing.normalised());
            }
            Answer rest = callRest(rpc, entry, reference, caller, theirs, target);
            if (!rest.normalised().equals(restMissing.normalised())) {
                leaks.add(where + " on " + owner.name() + "'s object over REST:\n  theirs:  " + rest.normalised() + "\n  missing: "
                        + restMissing.normalised());
            }
        }
        return leaks;
    }

    private static Optional<String> expectedWhenMissing(Entry entry, Reference reference, Caller caller) {
        if (caller.livemode() && entry.liveRefusal().isPresent() && !entry.lookedUpFirst().contains(reference.field())) {
            return entry.liveRefusal();
        }
        return reference.missingReason();
    }

    /**
     * "Unchanged" means: every row of every table is as it was (compared as the row's full text),
     * with one exception. A money-moving call that names a foreign object gets as far as the
     * ledger's WALLET_NOT_FOUND or HOLD_NOT_FOUND, which consumes the caller's idempotency key (a
     * replay must answer the same error). So {@code idempotency_keys} may gain rows, and only rows
     * that are the caller's own (its partner and mode, a key the matrix sent from that scope)
     * recording an error and neither a transaction nor a hold. Nothing of another partner or mode
     * changes, and no money moves: no wallet, transaction, entry or hold row changes at all.
     * {@code api_key_usage} is left out too: the caller's own key counts its calls there (the
     * usage flush may run at any moment), which is bookkeeping, not a change to another scope.
     */
    private static void assertNothingChangedButTheCallersRefusedKeys(DbSnapshot before, DbSnapshot after) {
        assertThat(after.tables()).as("every table but idempotency_keys and api_key_usage, row for row").isEqualTo(before.tables());
        assertThat(after.keys()).as("idempotency keys that were there before").containsAllEntriesOf(before.keys());
        List<String> unexpected = new ArrayList<>();
        int added = 0;
        for (Map.Entry<List<Object>, KeyRow> row : after.keys().entrySet()) {
            if (before.keys().containsKey(row.getKey())) {
                continue;
            }
            added++;
            KeyRow key = row.getValue();
            PartnerScope scope = new PartnerScope(key.partnerId(), key.livemode());
            boolean sentByThatScope = SENT_KEYS.getOrDefault(scope, Set.of()).contains(key.key());
            if (!sentByThatScope || key.errorReason() == null || key.transactionId() != null || key.holdId() != null) {
                unexpected.add(key.toString());
            }
        }
        assertThat(unexpected).as("new idempotency keys that are not a caller's own refused call").isEmpty();
        System.out.printf("Partner-isolation matrix: foreign calls consumed %d idempotency keys of their callers, and changed nothing else%n",
                added);
    }

    @Test
    @Order(3)
    void ownObjectsAnswerForEveryCallerSoTheRefusalsAboveAreNotVacuous() {
        Map<String, Rpc> contract = contract().stream().collect(Collectors.toMap(Rpc::name, rpc -> rpc));
        // One task per caller: its own calls run in order (they share its wallets), callers side by side.
        List<String> problems = inParallel(CALLERS.stream().<Callable<List<String>>>map(caller -> () -> ownCallsOf(contract, caller)).toList());
        assertThat(problems).as("calls on the caller's own objects that did not answer as the contract says").isEmpty();
        LedgerInvariants.assertHold(payflow.server().database());
    }

    private static List<String> ownCallsOf(Map<String, Rpc> contract, Caller caller) {
        List<String> problems = new ArrayList<>();
        for (Entry entry : PARTNER_RPCS) {
            Rpc rpc = contract.get(entry.method());
            List<Reference> references = entry.references().isEmpty() ? java.util.Collections.<Reference>singletonList(null) : entry.references();
            for (Reference reference : references) {
                String own = reference == null ? null : ownObjectFor(caller, reference.kind(), reference.instance());
                Answer grpc = callGrpc(rpc, entry, reference, caller, own, Target.OWN);
                Answer rest = callRest(rpc, entry, reference, caller, own == null ? null : ownObjectFor(caller, reference.kind(),
                        reference.instance()), Target.OWN);
                String expected = expectedForOwn(entry, caller);
                String where = rpc.name() + (reference == null ? "" : " " + reference.field()) + " by " + caller.name() + " on its own";
                if (!grpc.answers(expected) || !rest.answers(entry.repeatRefusal().orElse(expected))) {
                    problems.add(where + ": " + grpc + " / " + rest + " (expected: " + (expected.isEmpty() ? "OK" : expected) + ")");
                }
                problems.addAll(outsideTheCallersScope(where, grpc.response(), caller));
            }
        }
        return problems;
    }

    /**
     * Runs the cells on a few threads and gathers what they found. The server answers on its own
     * thread pool and spends most of each call waiting for PostgreSQL, so a few callers at once
     * keep the matrix well inside its time budget on two cores.
     */
    private static List<String> inParallel(List<Callable<List<String>>> cells) {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_CALLERS);
        try {
            List<String> found = new ArrayList<>();
            for (Future<List<String>> cell : pool.invokeAll(cells)) {
                found.addAll(cell.get());
            }
            return found;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The caller's object; a fresh pending hold where a successful call would use one up. */
    private static String ownObjectFor(Caller caller, Kind kind, int instance) {
        if (kind == Kind.AUTHORISED_PAYMENT) {
            return authorisedPayment(caller.scope(), caller.object(Kind.WALLET, 0));
        }
        if (kind == Kind.CONNECTED_ACCOUNT) {
            return connectedAccount(caller.scope());
        }
        if (kind == Kind.PAYMENT_METHOD) {
            return paymentMethod(caller.scope(), caller.object(Kind.EXTERNAL_USER_ID, 0));
        }
        if (kind.consumedBySuccess()) {
            return placeHold(caller.key(), caller.object(Kind.WALLET, 0));
        }
        String own = caller.object(kind, instance);
        return own == null ? kind.missing(IDS) : own;
    }

    private static String expectedForOwn(Entry entry, Caller caller) {
        if (entry.notBuilt()) {
            return "NOT_IMPLEMENTED";
        }
        if (caller.livemode() && entry.liveRefusal().isPresent()) {
            return entry.liveRefusal().get();
        }
        return entry.ownRefusal().orElse("");
    }

    /** Every {@code partner_id} and {@code livemode} in a response must be the caller's. */
    private static List<String> outsideTheCallersScope(String where, Optional<Message> response, Caller caller) {
        List<String> problems = new ArrayList<>();
        response.filter(message -> message.getDescriptorForType().getFullName().equals("google.api.HttpBody"))
                .ifPresent(body -> problems.addAll(exportedOutsideTheCallersScope(where, body, caller)));
        response.ifPresent(message -> walk(message, (field, value) -> {
            if (field.getName().equals("partner_id") && !value.equals(caller.partner().partnerId())
                    || field.getName().equals("livemode") && !value.equals(caller.livemode())) {
                problems.add(where + ": the answer shows " + field.getName() + " " + value);
            }
        }));
        return problems;
    }

    /**
     * An export's JSON lines: every transaction line must be of the caller's mode and none may be
     * an object of another caller (the lines carry no partner id, so the fixtures' ids tell).
     */
    private static List<String> exportedOutsideTheCallersScope(String where, Message body, Caller caller) {
        List<String> problems = new ArrayList<>();
        Descriptors.FieldDescriptor data = body.getDescriptorForType().findFieldByName("data");
        String text = ((com.google.protobuf.ByteString) body.getField(data)).toStringUtf8();
        Set<String> others = new java.util.HashSet<>();
        for (Caller other : CALLERS) {
            if (other != caller) {
                other.objects().values().forEach(others::addAll);
            }
        }
        int transactions = 0;
        for (String line : text.split("\n")) {
            JsonObject object = JsonParser.parseString(line).getAsJsonObject();
            if (!object.has("id")) {
                continue;
            }
            transactions++;
            if (object.get("livemode").getAsBoolean() != caller.livemode() || others.contains(object.get("id").getAsString())) {
                problems.add(where + ": the export shows " + object.get("id").getAsString() + " of livemode " + object.get("livemode"));
            }
        }
        if (transactions == 0) {
            problems.add(where + ": the export shows none of the caller's own transactions");
        }
        return problems;
    }

    private static void walk(Message message, java.util.function.BiConsumer<Descriptors.FieldDescriptor, Object> visit) {
        for (Map.Entry<Descriptors.FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            List<?> values = field.getKey().isRepeated() ? (List<?>) field.getValue() : List.of(field.getValue());
            for (Object value : values) {
                if (value instanceof Message nested) {
                    walk(nested, visit);
                } else {
                    visit.accept(field.getKey(), value);
                }
            }
        }
        // Proto3 leaves false out of getAllFields: a livemode of false must still be the caller's.
        Descriptors.FieldDescriptor livemode = message.getDescriptorForType().findFieldByName("livemode");
        if (livemode != null && !message.hasField(livemode)) {
            visit.accept(livemode, false);
        }
    }

    @Test
    @Order(4)
    void adminRpcsRefuseEveryPartnerKeyAndPartnerRpcsRefuseTheAdminToken() {
        List<String> problems = new ArrayList<>();
        Caller someone = CALLERS.get(0);
        for (Rpc rpc : contract()) {
            if (rpc.forOperators()) {
                for (Caller caller : CALLERS) {
                    Answer grpc = callGrpc(rpc, caller.key(), DynamicMessage.newBuilder(rpc.method().getInputType()), caller.partner().partnerId(),
                            "partner key on admin");
                    Answer rest = callRest(rpc, caller.key(), DynamicMessage.newBuilder(rpc.method().getInputType()), caller.partner().partnerId(),
                            "partner key on admin");
                    if (grpc.code() != Status.Code.PERMISSION_DENIED || !grpc.reason().equals("ADMIN_CREDENTIALS_REQUIRED")
                            || rest.httpStatus() != 403 || !rest.reason().equals("ADMIN_CREDENTIALS_REQUIRED")) {
                        problems.add(rpc.name() + " with " + caller.name() + "'s key: " + grpc + " / " + rest);
                    }
                }
            } else if (rpc.forPartners()) {
                Entry entry = PARTNER_RPCS.stream().filter(e -> e.method().equals(rpc.name())).findFirst().orElseThrow();
                DynamicMessage.Builder request = validRequest(rpc, entry, null, someone, null, Target.OWN);
                Answer grpc = callGrpc(rpc, TestServer.ADMIN_TOKEN, request, null, "admin token on partner");
                Answer rest = callRest(rpc, TestServer.ADMIN_TOKEN, request, null, "admin token on partner");
                if (grpc.code() != Status.Code.UNAUTHENTICATED || !grpc.reason().equals("INVALID_API_KEY") || rest.httpStatus() != 401
                        || !rest.reason().equals("INVALID_API_KEY")) {
                    problems.add(rpc.name() + " with the admin token: " + grpc + " / " + rest);
                }
            } else {
                // Signed by its sender, or public: a partner key or the admin token must get exactly what no credential gets.
                Answer grpcBare = callGrpc(rpc, null, DynamicMessage.newBuilder(rpc.method().getInputType()), null, "no credential");
                Answer restBare = callRest(rpc, null, DynamicMessage.newBuilder(rpc.method().getInputType()), null, "no credential");
                List<String> credentials = new ArrayList<>(CALLERS.stream().map(Caller::key).toList());
                credentials.add(TestServer.ADMIN_TOKEN);
                for (String credential : credentials) {
                    Answer grpc = callGrpc(rpc, credential, DynamicMessage.newBuilder(rpc.method().getInputType()), null, "credential on uncredentialed");
                    Answer rest = callRest(rpc, credential, DynamicMessage.newBuilder(rpc.method().getInputType()), null, "credential on uncredentialed");
                    if (!grpc.normalised().equals(grpcBare.normalised()) || !rest.normalised().equals(restBare.normalised())) {
                        problems.add(rpc.name() + " answers a credential differently from none: " + grpc + " / " + rest);
                    }
                }
            }
        }
        assertThat(problems).as("calls with the wrong kind of credential that were not refused as the server refuses them").isEmpty();
        printSummary();
    }

    private static void printSummary() {
        long partnerRpcs = PARTNER_RPCS.size();
        long references = PARTNER_RPCS.stream().mapToLong(entry -> entry.references().size()).sum();
        int total = CALLS.values().stream().mapToInt(AtomicInteger::get).sum();
        String byTarget = new TreeMap<>(CALLS).entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        System.out.printf("Partner-isolation matrix: %d partner RPCs (%d id fields) x %d caller keys (3 partners x sandbox/production) x "
                + "%d targets (own, 2 other partners x 2 modes, own other mode, missing) x 2 doors (gRPC, REST); %d calls in all (%s)%n",
                partnerRpcs, references, CALLERS.size(), CALLERS.size() + 1, total, byTarget);
    }

    // --- Calls ---------------------------------------------------------------------------------

    /** What a call answered, and the same with the object id and the request id replaced by placeholders. */
    record Answer(Status.Code code, int httpStatus, String reason, String normalised, Optional<Message> response) {
        /** The call answered as expected: this ErrorInfo reason, or success if {@code expected} is empty. */
        boolean answers(String expected) {
            boolean succeeded = reason.isEmpty() && (httpStatus == 0 ? code == Status.Code.OK : httpStatus == 200);
            return expected.isEmpty() ? succeeded : reason.equals(expected);
        }

        @Override
        public String toString() {
            return (httpStatus == 0 ? code.toString() : "HTTP " + httpStatus) + (reason.isEmpty() ? "" : " " + reason);
        }
    }

    /**
     * A valid request of this caller, with {@code target} in the field under test and the caller's
     * own objects elsewhere: the shared fixtures while foreign calls must change nothing, fresh
     * holds where a call on the caller's own objects may use one up.
     */
    private static DynamicMessage.Builder validRequest(Rpc rpc, Entry entry, Reference underTest, Caller caller, String target,
            Target targetKind) {
        DynamicMessage.Builder request = DynamicMessage.newBuilder(rpc.method().getInputType());
        entry.body().fill(request);
        Reference firstAlternative = entry.references().stream().filter(Reference::alternative).findFirst().orElse(null);
        boolean alternativeUnderTest = underTest != null && underTest.alternative();
        for (Reference reference : entry.references()) {
            if (reference.alternative() && reference != underTest && (alternativeUnderTest || reference != firstAlternative)) {
                continue;
            }
            String value = reference == underTest ? target : caller.object(reference.kind(), reference.instance());
            if (reference != underTest && targetKind == Target.OWN && reference.kind().consumedBySuccess()) {
                value = ownObjectFor(caller, reference.kind(), reference.instance());
            }
            if (value == null) {
                value = reference.kind().missing(IDS);
            }
            set(request, reference.field(), value);
        }
        if (request.getDescriptorForType().findFieldByName("idempotency_key") != null) {
            String key = TestServer.newIdempotencyKey();
            SENT_KEYS.computeIfAbsent(caller.scope(), scope -> ConcurrentHashMap.newKeySet()).add(key);
            set(request, "idempotency_key", key);
        }
        // The members of a batch (BatchCreateTransfers' transfers) carry keys of their own.
        for (Descriptors.FieldDescriptor field : request.getDescriptorForType().getFields()) {
            if (field.isRepeated() && field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE
                    && field.getMessageType().findFieldByName("idempotency_key") != null && request.getRepeatedFieldCount(field) > 0) {
                String key = TestServer.newIdempotencyKey();
                SENT_KEYS.computeIfAbsent(caller.scope(), scope -> ConcurrentHashMap.newKeySet()).add(key);
                set(request, field.getName() + ".idempotency_key", key);
            }
        }
        return request;
    }

    private static Answer callGrpc(Rpc rpc, Entry entry, Reference reference, Caller caller, String target, Target kind) {
        return callGrpc(rpc, caller.key(), validRequest(rpc, entry, reference, caller, target, kind), target, kind.name().toLowerCase());
    }

    private static Answer callRest(Rpc rpc, Entry entry, Reference reference, Caller caller, String target, Target kind) {
        return callRest(rpc, caller.key(), validRequest(rpc, entry, reference, caller, target, kind), target, kind.name().toLowerCase());
    }

    private static Answer callGrpc(Rpc rpc, String credential, DynamicMessage.Builder request, String target, String counted) {
        CALLS.computeIfAbsent(counted, k -> new AtomicInteger()).incrementAndGet();
        Descriptors.MethodDescriptor method = rpc.method();
        MethodDescriptor<DynamicMessage, DynamicMessage> descriptor = MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(rpc.name())
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
                .build();
        io.grpc.Metadata headers = new io.grpc.Metadata();
        if (credential != null) {
            headers.put(AUTHORIZATION, "Bearer " + credential);
        }
        io.grpc.Channel channel = ClientInterceptors.intercept(payflow.channel(), MetadataUtils.newAttachHeadersInterceptor(headers));
        try {
            DynamicMessage response = ClientCalls.blockingUnaryCall(channel, descriptor,
                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request.build());
            JsonObject printed = JsonParser.parseString(json(response)).getAsJsonObject();
            return new Answer(Status.Code.OK, 0, memberRefusal(printed), "OK " + replace(json(response), target, null), Optional.of(response));
        } catch (StatusRuntimeException failure) {
            com.google.rpc.Status status = StatusProto.fromThrowable(failure);
            String reason = "";
            String requestId = null;
            if (status != null) {
                for (com.google.protobuf.Any detail : status.getDetailsList()) {
                    if (detail.is(ErrorInfo.class)) {
                        ErrorInfo info = unpack(detail);
                        reason = info.getReason();
                        requestId = info.getMetadataOrDefault("requestId", null);
                    }
                }
            }
            io.grpc.Metadata trailers = Status.trailersFromThrowable(failure);
            String text = failure.getStatus().getCode() + " " + failure.getStatus().getDescription() + " "
                    + (status == null ? "no status details" : json(status)) + " trailers " + (trailers == null ? "[]" : new TreeSet<>(trailers.keys()));
            return new Answer(failure.getStatus().getCode(), 0, reason, replace(text, target, requestId), Optional.empty());
        }
    }

    private static Answer callRest(Rpc rpc, String credential, DynamicMessage.Builder request, String target, String counted) {
        CALLS.computeIfAbsent(counted, k -> new AtomicInteger()).incrementAndGet();
        HttpRule http = rpc.http();
        String[] verbAndTemplate = switch (http.getPatternCase()) {
            case GET -> new String[] {"GET", http.getGet()};
            case POST -> new String[] {"POST", http.getPost()};
            case PATCH -> new String[] {"PATCH", http.getPatch()};
            case PUT -> new String[] {"PUT", http.getPut()};
            case DELETE -> new String[] {"DELETE", http.getDelete()};
            default -> throw new IllegalStateException(rpc.name() + ": HTTP rule " + http.getPatternCase());
        };
        JsonObject fields = JsonParser.parseString(json(request.build())).getAsJsonObject();
        Matcher variables = PATH_VARIABLE.matcher(verbAndTemplate[1]);
        StringBuilder path = new StringBuilder();
        while (variables.find()) {
            Descriptors.FieldDescriptor field = request.getDescriptorForType().findFieldByName(variables.group(1));
            Object value = field == null ? "" : request.getField(field);
            String text = value.toString().isEmpty() && target != null ? target : value.toString();
            variables.appendReplacement(path, Matcher.quoteReplacement(URLEncoder.encode(text, StandardCharsets.UTF_8)));
            if (field != null) {
                fields.remove(field.getJsonName());
            }
        }
        variables.appendTail(path);
        String body = null;
        if (http.getBody().equals("*")) {
            body = fields.toString();
        } else if (!fields.isEmpty()) {
            path.append('?').append(fields.entrySet().stream()
                    .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue().getAsString(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&")));
        }
        TestServer.Rest answer = payflow.rest(verbAndTemplate[0], path.toString(), credential, body);
        String requestId = answer.headers().firstValue("x-request-id").orElse(null);
        String reason = "";
        if (answer.body().has("details")) {
            for (var detail : answer.body().getAsJsonArray("details")) {
                JsonObject object = detail.getAsJsonObject();
                if (object.get("@type").getAsString().endsWith("google.rpc.ErrorInfo")) {
                    reason = object.get("reason").getAsString();
                }
            }
        }
        if (reason.isEmpty() && answer.status() == 200) {
            reason = memberRefusal(answer.body());
        }
        return new Answer(Status.Code.OK, answer.status(), reason, replace(answer.status() + " " + answer.body(), target, requestId),
                Optional.empty());
    }

    /**
     * A batch (BatchCreateTransfers) answers OK as a whole and each member in {@code results}, a
     * refused one with its {@code error.reason}: that is where a foreign object is refused, so it
     * is the call's reason here. Empty for every other answer.
     */
    private static String memberRefusal(JsonObject body) {
        if (body.has("results") && body.get("results").isJsonArray()) {
            for (var result : body.getAsJsonArray("results")) {
                JsonObject member = result.getAsJsonObject();
                if (member.has("error") && member.getAsJsonObject("error").has("reason")) {
                    return member.getAsJsonObject("error").get("reason").getAsString();
                }
            }
        }
        return "";
    }

    private static String replace(String text, String target, String requestId) {
        String replaced = target == null ? text : text.replace(target, ID);
        return requestId == null ? replaced : replaced.replace(requestId, REQUEST_ID);
    }

    private static String json(com.google.protobuf.MessageOrBuilder message) {
        try {
            return JsonFormat.printer().usingTypeRegistry(DETAILS).omittingInsignificantWhitespace().print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ErrorInfo unpack(com.google.protobuf.Any detail) {
        try {
            return detail.unpack(ErrorInfo.class);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The field a name or dotted path ({@code destination.connected_account_id}) names, or null. */
    private static Descriptors.FieldDescriptor fieldAt(Descriptors.Descriptor type, String path) {
        int dot = path.indexOf('.');
        Descriptors.FieldDescriptor field = type.findFieldByName(dot < 0 ? path : path.substring(0, dot));
        if (dot < 0 || field == null) {
            return field;
        }
        return field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE ? fieldAt(field.getMessageType(), path.substring(dot + 1))
                : null;
    }

    private static void set(DynamicMessage.Builder request, String name, Object value) {
        int dot = name.indexOf('.');
        if (dot >= 0) {
            Descriptors.FieldDescriptor outer = request.getDescriptorForType().findFieldByName(name.substring(0, dot));
            if (outer == null || outer.getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                throw new IllegalStateException(request.getDescriptorForType().getFullName() + " has no message field " + name.substring(0, dot));
            }
            if (outer.isRepeated()) {
                // A list of messages (a batch's members): the path names its first element, made if absent.
                boolean present = request.getRepeatedFieldCount(outer) > 0;
                DynamicMessage.Builder first = present ? ((DynamicMessage) request.getRepeatedField(outer, 0)).toBuilder()
                        : DynamicMessage.newBuilder(outer.getMessageType());
                set(first, name.substring(dot + 1), value);
                if (present) {
                    request.setRepeatedField(outer, 0, first.build());
                } else {
                    request.addRepeatedField(outer, first.build());
                }
                return;
            }
            DynamicMessage.Builder nested = request.hasField(outer) ? ((DynamicMessage) request.getField(outer)).toBuilder()
                    : DynamicMessage.newBuilder(outer.getMessageType());
            set(nested, name.substring(dot + 1), value);
            request.setField(outer, nested.build());
            return;
        }
        Descriptors.FieldDescriptor field = request.getDescriptorForType().findFieldByName(name);
        if (field == null) {
            throw new IllegalStateException(request.getDescriptorForType().getFullName() + " has no field " + name);
        }
        request.setField(field, value);
    }

    // --- The books, before and after ---------------------------------------------------------------

    record KeyRow(String partnerId, boolean livemode, String key, String errorReason, String transactionId, String holdId, String text) {
    }

    /** Every table's row count and rows (as text, in order), and the idempotency keys row by row. */
    record DbSnapshot(Map<String, String> tables, Map<List<Object>, KeyRow> keys) {
        static DbSnapshot take(DSLContext db) {
            Map<String, String> tables = new TreeMap<>();
            for (Record table : db.fetch("select table_name from information_schema.tables where table_schema = current_schema() "
                    + "and table_type = 'BASE TABLE' and table_name not in ('flyway_schema_history', 'idempotency_keys', 'api_key_usage')")) {
                String name = table.get(0, String.class);
                Record digest = db.fetchOne("select count(*), md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) from \""
                        + name + "\" t");
                tables.put(name, digest.get(0, Long.class) + " rows, md5 " + digest.get(1, String.class));
            }
            assertThat(tables).containsKeys("wallets", "transactions", "ledger_entries", "holds", "partners", "api_keys");
            Map<List<Object>, KeyRow> keys = new HashMap<>();
            for (Record row : db.fetch("select partner_id, livemode, idempotency_key, error_reason, transaction_id, hold_id, k::text "
                    + "from idempotency_keys k")) {
                KeyRow key = new KeyRow(row.get(0, String.class), row.get(1, Boolean.class), row.get(2, String.class), row.get(3, String.class),
                        row.get(4, String.class), row.get(5, String.class), row.get(6, String.class));
                keys.put(List.of(key.partnerId(), key.livemode(), key.key()), key);
            }
            return new DbSnapshot(tables, keys);
        }
    }
}
