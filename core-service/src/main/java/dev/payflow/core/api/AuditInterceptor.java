package dev.payflow.core.api;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import dev.payflow.core.app.AuditTrail;
import dev.payflow.core.domain.Operator;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place every admin action is recorded. Two parts of the chain:
 * <ul>
 * <li>the {@linkplain AuditInterceptor outer part}, before error mapping, opens an {@link AuditNote}
 * for each audited call and, when the call closes, writes the record with the outcome the caller
 * saw (ok, or the ErrorInfo reason), before the reply leaves;</li>
 * <li>the {@linkplain Capture inner part}, after the access rule, notes the request (target, reason,
 * the object's state before the call) and the reply (its state after).</li>
 * </ul>
 * Audited are the state-changing calls (REST rule other than GET) of operator RPCs, and sign-in.
 * A call refused before anyone was authenticated has no actor and is not recorded (it is counted
 * as an authentication failure); a sign-in is recorded with the operator its email names, or
 * {@code anonymous}.
 */
final class AuditInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(AuditInterceptor.class);
    static final String ANONYMOUS = "anonymous";
    /**
     * The fields that name what a call acts on when it has no {@code id} of its own, in the order
     * they are looked for; a call that creates an object is about that object (its reply's id).
     */
    private static final String[] TARGET_FIELDS = {"key_id", "partner_id", "wallet_id"};

    private final Set<String> audited;
    private final Set<String> signIn;
    private final AuditTrail trail;

    /**
     * @param audited full names of the methods to record
     * @param signIn  full names of the sign-in methods (recorded without an authenticated actor)
     */
    AuditInterceptor(Set<String> audited, Set<String> signIn, AuditTrail trail) {
        this.audited = Set.copyOf(audited);
        this.signIn = Set.copyOf(signIn);
        this.trail = Objects.requireNonNull(trail, "trail");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        String source = source(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        Context context = Context.current().withValue(CallContext.SOURCE_ADDRESS, source);
        if (!audited.contains(method)) {
            return Contexts.interceptCall(context, call, headers, next);
        }
        AuditNote note = new AuditNote();
        String requestId = CallContext.REQUEST_ID.get();
        ServerCall<Q, R> recording = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                record(method, note, status, trailers, requestId, source);
                super.close(status, trailers);
            }
        };
        return Contexts.interceptCall(context.withValue(CallContext.AUDIT_NOTE, note), recording, headers, next);
    }

    private void record(String method, AuditNote note, Status status, Metadata trailers, String requestId, String source) {
        Operator actor = note.actor();
        if (actor == null && !signIn.contains(method)) {
            return;
        }
        String outcome = status.isOk() ? "ok" : reason(status, trailers);
        String after = status.isOk() ? note.after() : "{\"request\":" + note.request() + "}";
        try {
            trail.record(new AuditTrail.Entry(actor == null ? ANONYMOUS : actor.id(), actor == null ? "" : actor.role().wireName(),
                    shortName(method), note.target(), outcome, note.reason(), note.before(), after, requestId == null ? "" : requestId, source));
        } catch (RuntimeException e) {
            // The action itself has happened (or failed) already; its record is what is missing now. Loud, counted by the log's alerting.
            LOG.error("AUDIT RECORD LOST for {} by {} (request {}, outcome {})", method, actor == null ? ANONYMOUS : actor.id(), requestId,
                    outcome, e);
        }
    }

    private static String reason(Status status, Metadata trailers) {
        com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
        for (com.google.protobuf.Any detail : details.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return detail.unpack(ErrorInfo.class).getReason();
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    break;
                }
            }
        }
        return status.getCode().name();
    }

    /** {@code payflow.v1.PartnerAdminService/UpdatePartnerStatus} as {@code PartnerAdminService.UpdatePartnerStatus}. */
    static String shortName(String fullMethodName) {
        String name = fullMethodName.replace('/', '.');
        return name.startsWith("payflow.v1.") ? name.substring("payflow.v1.".length()) : name;
    }

    private static String source(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return address == null ? "unknown" : address.toString();
    }

    /** The inner part: notes the request and the reply of an audited call in its {@link AuditNote}. */
    static final class Capture implements ServerInterceptor {
        private final AuditJson json;
        /** How to read an object's current state by the prefix of its id, for "before". */
        private final Map<String, Function<String, Optional<Message>>> readers;

        Capture(AuditJson json, Map<String, Function<String, Optional<Message>>> readers) {
            this.json = Objects.requireNonNull(json, "json");
            this.readers = Map.copyOf(readers);
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            AuditNote note = CallContext.AUDIT_NOTE.get();
            if (note == null) {
                return next.startCall(call, headers);
            }
            ServerCall<Q, R> capturing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendMessage(R message) {
                    if (message instanceof Message reply) {
                        note.after(json.of(reply));
                        note.targetIfNone(text(reply, "id"));
                    }
                    super.sendMessage(message);
                }
            };
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(capturing, headers)) {
                @Override
                public void onMessage(Q message) {
                    if (message instanceof Message request) {
                        String own = text(request, "id");
                        String target = own.isEmpty() ? target(request) : own;
                        note.request(target, text(request, "reason"), json.of(request), before(target));
                        note.creates(own.isEmpty());
                    }
                    super.onMessage(message);
                }
            };
        }

        private String before(String target) {
            for (Map.Entry<String, Function<String, Optional<Message>>> reader : readers.entrySet()) {
                if (target.startsWith(reader.getKey())) {
                    try {
                        return reader.getValue().apply(target).map(json::of).orElse("{}");
                    } catch (RuntimeException notReadable) {
                        // A malformed or unknown id: the call itself will answer that; there is no state before.
                        return "{}";
                    }
                }
            }
            return "{}";
        }

        private static String target(Message request) {
            for (String field : TARGET_FIELDS) {
                String value = text(request, field);
                if (!value.isEmpty()) {
                    return value;
                }
            }
            return "";
        }

        private static String text(Message message, String fieldName) {
            Descriptors.FieldDescriptor field = message.getDescriptorForType().findFieldByName(fieldName);
            if (field == null || field.getType() != Descriptors.FieldDescriptor.Type.STRING || field.isRepeated()) {
                return "";
            }
            return (String) message.getField(field);
        }
    }
}
