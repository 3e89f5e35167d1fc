package dev.payflow.core.api;

import com.google.protobuf.Descriptors;
import dev.payflow.core.domain.OperatorRole;
import dev.payflow.core.domain.Permission;
import dev.payflow.proto.v1.AccessProto;
import dev.payflow.proto.v1.AccessRule;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The access rule each RPC declares in the contract ({@code option (payflow.v1.access)}), read once
 * at start-up. A method without a valid rule stops the server from starting: nothing is exposed
 * without authentication by accident.
 */
final class AccessRules {
    /** What an RPC requires, resolved from its proto option. */
    sealed interface Requirement permits PartnerPermission, Operator, SignedBySender, Public {
    }

    /** A partner API key carrying this permission; none: any valid partner key (an empty permission in the rule). */
    record PartnerPermission(java.util.Optional<Permission> permission) implements Requirement {
        PartnerPermission {
            Objects.requireNonNull(permission, "permission");
        }

        PartnerPermission(Permission permission) {
            this(java.util.Optional.of(permission));
        }
    }

    /** A PayFlow operator holding this role or a higher one. */
    record Operator(OperatorRole role) implements Requirement {
        Operator {
            Objects.requireNonNull(role, "role");
        }
    }

    /** No PayFlow credentials; the handler verifies the sender's signature over the raw body. */
    record SignedBySender() implements Requirement {
    }

    /** No credentials at all. */
    record Public() implements Requirement {
    }

    private final Map<String, Requirement> byFullMethodName;

    private AccessRules(Map<String, Requirement> byFullMethodName) {
        this.byFullMethodName = Map.copyOf(byFullMethodName);
    }

    /** The rules of every method of these services; throws if any method lacks a valid rule. */
    static AccessRules of(List<ServerServiceDefinition> services) {
        Map<String, Requirement> rules = new HashMap<>();
        for (ServerServiceDefinition service : services) {
            for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
                String name = method.getMethodDescriptor().getFullMethodName();
                rules.put(name, requirementOf(name, method.getMethodDescriptor().getSchemaDescriptor()));
            }
        }
        return new AccessRules(rules);
    }

    /** Rules given directly, by full method name (for tests of the interceptor chain). */
    static AccessRules of(Map<String, Requirement> byFullMethodName) {
        return new AccessRules(byFullMethodName);
    }

    Optional<Requirement> forMethod(String fullMethodName) {
        return Optional.ofNullable(byFullMethodName.get(fullMethodName));
    }

    /** The rule of a method being called. Every served method has one (checked at start-up), so a miss is a bug. */
    Requirement require(String fullMethodName) {
        return forMethod(fullMethodName).orElseThrow(() -> new IllegalStateException("no access rule for " + fullMethodName));
    }

    private static Requirement requirementOf(String name, Object schema) {
        if (!(schema instanceof ProtoMethodDescriptorSupplier supplier)) {
            throw new IllegalStateException(name + ": no proto descriptor, so no access rule can be read");
        }
        Descriptors.MethodDescriptor method = supplier.getMethodDescriptor();
        if (!method.getOptions().hasExtension(AccessProto.access)) {
            throw new IllegalStateException(name + ": no (payflow.v1.access) option; every RPC must declare who may call it");
        }
        return requirementOf(name, method.getOptions().getExtension(AccessProto.access));
    }

    /** Parses one rule; anything it cannot read exactly stops the server from starting. */
    static Requirement requirementOf(String name, AccessRule rule) {
        return switch (rule.getRuleCase()) {
            case PARTNER_PERMISSION -> rule.getPartnerPermission().isEmpty()
                    ? new PartnerPermission(java.util.Optional.empty())
                    : new PartnerPermission(Permission.fromWireName(rule.getPartnerPermission()).orElseThrow(
                            () -> new IllegalStateException(name + ": unknown permission '" + rule.getPartnerPermission() + "'")));
            case ADMIN -> {
                requireTrue(name, "admin", rule.getAdmin());
                yield new Operator(OperatorRole.ADMIN);
            }
            case OPERATOR_ROLE -> new Operator(OperatorRole.fromWireName(rule.getOperatorRole()).orElseThrow(
                    () -> new IllegalStateException(name + ": unknown operator role '" + rule.getOperatorRole()
                            + "' (expected: viewer, operator or admin)")));
            case SIGNED_BY_SENDER -> {
                requireTrue(name, "signed_by_sender", rule.getSignedBySender());
                yield new SignedBySender();
            }
            case PUBLIC -> {
                requireTrue(name, "public", rule.getPublic());
                yield new Public();
            }
            case RULE_NOT_SET -> throw new IllegalStateException(name + ": (payflow.v1.access) sets no rule");
        };
    }

    /** {@code admin: false} and the like grant nothing and read like a mistake; refuse them instead of guessing. */
    private static void requireTrue(String name, String field, boolean value) {
        if (!value) {
            throw new IllegalStateException(name + ": (payflow.v1.access) sets " + field + ": false (expected: true, or another rule)");
        }
    }
}
