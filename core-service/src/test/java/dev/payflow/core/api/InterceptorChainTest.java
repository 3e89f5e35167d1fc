package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.app.Authenticator;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.OperatorRole;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Permission;
import dev.payflow.proto.v1.AccessRule;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The interceptor chain on its own, over an in-process server with a few echo methods whose rules
 * are given directly: what each access rule lets through, and that a new interceptor slots in
 * without any other changing. (Partner keys need a database; the API tests cover them.)
 */
class InterceptorChainTest {
    private static final String ADMIN_TOKEN = "chain-test-admin-token-0123456789abcdefghijklmnop";
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private static final MethodDescriptor<String, String> PUBLIC = echo("Public");
    private static final MethodDescriptor<String, String> VIEWER = echo("Viewer");
    private static final MethodDescriptor<String, String> PARTNER = echo("Partner");
    private static final MethodDescriptor<String, String> BROKEN = echo("Broken");

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AccessRules rules = AccessRules.of(Map.of(
            PUBLIC.getFullMethodName(), new AccessRules.Public(),
            VIEWER.getFullMethodName(), new AccessRules.Operator(OperatorRole.VIEWER),
            PARTNER.getFullMethodName(), new AccessRules.PartnerPermission(Permission.WALLETS_READ),
            BROKEN.getFullMethodName(), new AccessRules.Public()));
    private final AtomicReference<String> requestIdSeenByService = new AtomicReference<>();
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.shutdownNow();
        }
    }

    @Test
    void aPublicRpcAnswersWithoutAnyCredentials() {
        start(chain());

        assertThat(call(PUBLIC, null)).isEqualTo("echo: hello");
        assertThat(requestIdSeenByService.get()).startsWith("req_");
    }

    @Test
    void anOperatorRoleRuleIsSatisfiedByTheAdminTokenUntilOperatorSessionsExist() {
        start(chain());

        assertThat(call(VIEWER, ADMIN_TOKEN)).isEqualTo("echo: hello");
    }

    @Test
    void anOperatorRoleRuleRefusesACallWithoutCredentialsAndCountsTheRefusal() {
        start(chain());

        assertGrpcError(() -> call(VIEWER, null), Status.Code.UNAUTHENTICATED, "MISSING_CREDENTIALS");
        assertGrpcError(() -> call(VIEWER, "not-the-admin-token-but-long-enough-to-look-like-one"), Status.Code.UNAUTHENTICATED,
                "INVALID_ADMIN_TOKEN");
        assertThat(meters.counter("payflow.auth.failures", "reason", "MISSING_CREDENTIALS").count()).isEqualTo(1);
        assertThat(meters.counter("payflow.auth.failures", "reason", "INVALID_ADMIN_TOKEN").count()).isEqualTo(1);
    }

    @Test
    void aPartnerPermissionRuleRefusesTheAdminToken() {
        start(chain());

        assertGrpcError(() -> call(PARTNER, ADMIN_TOKEN), Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
    }

    @Test
    void aServiceThatThrowsAnswersInternalWithoutItsMessageAndIsTimedWithTheCodeTheCallerSaw() {
        start(chain());

        com.google.rpc.Status status = assertGrpcError(() -> call(BROKEN, null), Status.Code.INTERNAL, "INTERNAL_ERROR");

        assertThat(status.getMessage()).isEqualTo(ErrorStatuses.INTERNAL_MESSAGE).doesNotContain("select");
        assertThat(meters.get("payflow.grpc.server.calls").tag("method", BROKEN.getBareMethodName()).tag("code", "INTERNAL").timer().count())
                .isEqualTo(1);
    }

    @Test
    void aRateLimiterSlotsInAfterTheAccessRuleAndItsRefusalGetsTheRequestIdAndAnErrorInfo() {
        List<ServerInterceptor> chain = new ArrayList<>(chain());
        ServerInterceptor limiter = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                throw PayflowException.of(ErrorReason.RATE_LIMITED, "slow down (retry after 1 s)");
            }
        };
        chain.add(chain.indexOf(chain.stream().filter(AccessRuleInterceptor.class::isInstance).findFirst().orElseThrow()) + 1, limiter);
        start(chain);

        com.google.rpc.Status status = assertGrpcError(() -> call(PUBLIC, null, "ticket-42"), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");

        assertThat(status.getMessage()).isEqualTo("slow down (retry after 1 s)");
        assertThat(dev.payflow.core.testing.ApiErrors.errorInfo(status).getMetadataMap()).containsEntry("requestId", "ticket-42");
        assertThat(requestIdSeenByService.get()).as("the service was never reached").isNull();
    }

    @Test
    void everyRuleThatGrantsNothingOrNamesSomethingUnknownStopsTheServerFromStarting() {
        assertThat(AccessRules.requirementOf("m", AccessRule.newBuilder().setPublic(true).build())).isEqualTo(new AccessRules.Public());
        assertThat(AccessRules.requirementOf("m", AccessRule.newBuilder().setAdmin(true).build()))
                .isEqualTo(new AccessRules.Operator(OperatorRole.ADMIN));
        assertThat(AccessRules.requirementOf("m", AccessRule.newBuilder().setOperatorRole("operator").build()))
                .isEqualTo(new AccessRules.Operator(OperatorRole.OPERATOR));
        assertThat(AccessRules.requirementOf("m", AccessRule.newBuilder().setPartnerPermission("payouts:read").build()))
                .isEqualTo(new AccessRules.PartnerPermission(Permission.PAYOUTS_READ));

        assertThatThrownBy(() -> AccessRules.requirementOf("m", AccessRule.newBuilder().setPublic(false).build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("public: false");
        assertThatThrownBy(() -> AccessRules.requirementOf("m", AccessRule.newBuilder().setAdmin(false).build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("admin: false");
        assertThatThrownBy(() -> AccessRules.requirementOf("m", AccessRule.newBuilder().setOperatorRole("root").build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown operator role 'root'");
        assertThatThrownBy(() -> AccessRules.requirementOf("m", AccessRule.newBuilder().setPartnerPermission("exports:write").build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown permission 'exports:write'");
        assertThatThrownBy(() -> AccessRules.requirementOf("m", AccessRule.getDefaultInstance()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("sets no rule");
    }

    private List<ServerInterceptor> chain() {
        // Operator and public rules never reach the database, so the authenticator needs none here.
        return PayflowApi.chain(rules, new Authenticator(null, null, ADMIN_TOKEN), meters, new SecureRandom());
    }

    private void start(List<ServerInterceptor> chain) {
        ServerServiceDefinition.Builder service = ServerServiceDefinition.builder("payflow.test.Echo");
        for (MethodDescriptor<String, String> method : List.of(PUBLIC, VIEWER, PARTNER)) {
            service.addMethod(method, ServerCalls.asyncUnaryCall((request, response) -> {
                requestIdSeenByService.set(CallContext.REQUEST_ID.get());
                response.onNext("echo: " + request);
                response.onCompleted();
            }));
        }
        service.addMethod(BROKEN, ServerCalls.asyncUnaryCall((request, response) -> {
            throw new IllegalStateException("select * from wallets");
        }));
        String name = InProcessServerBuilder.generateName();
        try {
            server = InProcessServerBuilder.forName(name).directExecutor()
                    .addService(ServerInterceptors.interceptForward(service.build(), chain)).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    private String call(MethodDescriptor<String, String> method, String bearer) {
        return call(method, bearer, null);
    }

    private String call(MethodDescriptor<String, String> method, String bearer, String requestId) {
        Metadata headers = new Metadata();
        if (bearer != null) {
            headers.put(AUTHORIZATION, "Bearer " + bearer);
        }
        if (requestId != null) {
            headers.put(REQUEST_ID, requestId);
        }
        return ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
                method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hello");
    }

    private static MethodDescriptor<String, String> echo(String name) {
        return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("payflow.test.Echo", name))
                .setRequestMarshaller(Utf8.INSTANCE).setResponseMarshaller(Utf8.INSTANCE).build();
    }

    private enum Utf8 implements MethodDescriptor.Marshaller<String> {
        INSTANCE;

        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
