package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.OperatorAdministration;
import dev.payflow.core.app.OperatorPrincipal;
import dev.payflow.core.app.OperatorSessions;
import dev.payflow.core.domain.Operator;
import dev.payflow.core.domain.OperatorRole;
import dev.payflow.core.domain.Page;
import dev.payflow.proto.v1.CreateOperatorRequest;
import dev.payflow.proto.v1.CreateSessionRequest;
import dev.payflow.proto.v1.CsrfToken;
import dev.payflow.proto.v1.DeleteSessionRequest;
import dev.payflow.proto.v1.DeleteSessionResponse;
import dev.payflow.proto.v1.GetCsrfTokenRequest;
import dev.payflow.proto.v1.GetSessionRequest;
import dev.payflow.proto.v1.ListOperatorsRequest;
import dev.payflow.proto.v1.ListOperatorsResponse;
import dev.payflow.proto.v1.OperatorServiceGrpc;
import dev.payflow.proto.v1.OperatorSession;
import dev.payflow.proto.v1.UnlockOperatorRequest;
import dev.payflow.proto.v1.UpdateOperatorRequest;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.OperatorService: console sign-in, sessions, CSRF tokens and the operators themselves. */
final class OperatorGrpcService extends OperatorServiceGrpc.OperatorServiceImplBase {
    private final OperatorSessions sessions;
    private final OperatorAdministration operators;
    /** Whether cookies carry {@code Secure} (production: the console is only ever served over TLS there). */
    private final boolean secureCookies;

    OperatorGrpcService(OperatorSessions sessions, OperatorAdministration operators, boolean secureCookies) {
        this.sessions = sessions;
        this.operators = operators;
        this.secureCookies = secureCookies;
    }

    @Override
    public void createSession(CreateSessionRequest request, StreamObserver<OperatorSession> response) {
        AuditNote note = CallContext.AUDIT_NOTE.get();
        OperatorSessions.SignedIn signedIn = sessions.signIn(request.getEmail(), request.getPassword(),
                CallContext.SOURCE_ADDRESS.get() == null ? "unknown" : CallContext.SOURCE_ADDRESS.get(),
                Optional.ofNullable(CallContext.SESSION_COOKIE.get()), operator -> {
                    if (note != null) {
                        note.actor(operator);
                        note.targetIfNone(operator.id());
                    }
                });
        setCookie(signedIn.cookieValue(), OperatorSessions.ABSOLUTE_TIMEOUT.toSeconds());
        reply(response, ConsoleMapping.session(signedIn.principal()));
    }

    @Override
    public void getSession(GetSessionRequest request, StreamObserver<OperatorSession> response) {
        reply(response, ConsoleMapping.session(CallContext.operator()));
    }

    @Override
    public void deleteSession(DeleteSessionRequest request, StreamObserver<DeleteSessionResponse> response) {
        OperatorPrincipal operator = CallContext.operator();
        sessions.signOut(operator);
        if (operator.bySession()) {
            setCookie("", 0);
        }
        reply(response, DeleteSessionResponse.getDefaultInstance());
    }

    @Override
    public void getCsrfToken(GetCsrfTokenRequest request, StreamObserver<CsrfToken> response) {
        reply(response, CsrfToken.newBuilder().setToken(CallContext.operator().session().map(OperatorPrincipal.Session::csrfToken).orElse(""))
                .build());
    }

    @Override
    public void createOperator(CreateOperatorRequest request, StreamObserver<dev.payflow.proto.v1.Operator> response) {
        Operator created = operators.create(new OperatorAdministration.CreateOperator(request.getEmail(), request.getDisplayName(),
                ProtoMapping.domainEnum(request.getRole(), OperatorRole.class, "role"), request.getPassword()));
        reply(response, ConsoleMapping.operator(created));
    }

    @Override
    public void listOperators(ListOperatorsRequest request, StreamObserver<ListOperatorsResponse> response) {
        Page<Operator> page = operators.list(request.getPageSize(), request.getPageToken());
        reply(response, ListOperatorsResponse.newBuilder()
                .addAllOperators(page.items().stream().map(ConsoleMapping::operator).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void updateOperator(UpdateOperatorRequest request, StreamObserver<dev.payflow.proto.v1.Operator> response) {
        Operator updated = operators.update(CallContext.operator().operator(), request.getId(),
                ProtoMapping.domainEnum(request.getRole(), OperatorRole.class, "role"),
                ProtoMapping.domainEnum(request.getStatus(), Operator.Status.class, "status"), request.getReason());
        reply(response, ConsoleMapping.operator(updated));
    }

    @Override
    public void unlockOperator(UnlockOperatorRequest request, StreamObserver<dev.payflow.proto.v1.Operator> response) {
        reply(response, ConsoleMapping.operator(operators.unlock(request.getId(), request.getReason())));
    }

    /** {@code payflow_session} for the whole site (the console, /api/admin and /api/csrf-token), script-proof and same-site. */
    private void setCookie(String value, long maxAgeSeconds) {
        CallContext.SET_COOKIE.get().set(OperatorSessions.COOKIE_NAME + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; SameSite=Lax" + (secureCookies ? "; Secure" : ""));
    }
}
