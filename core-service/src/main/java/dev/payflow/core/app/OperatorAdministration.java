package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Operator;
import dev.payflow.core.domain.OperatorRole;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Strings;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.OperatorRepository;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/** Admins create, re-role, disable and unlock operators; the first admin comes from the configuration. */
public final class OperatorAdministration {
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    /** NIST SP 800-63B asks for at least 8; operators hold the keys to every partner, so 12. */
    public static final int PASSWORD_LENGTH_MIN = 12;
    /** Long passphrases are welcome; beyond this, hashing becomes a way to burn our CPU. */
    public static final int PASSWORD_LENGTH_MAX = 200;

    private final Database database;
    private final Services services;
    private final OperatorRepository operators;
    private final PasswordHasher passwords;
    private final OperatorSessions sessions;

    public OperatorAdministration(Database database, Services services, OperatorRepository operators, PasswordHasher passwords,
            OperatorSessions sessions) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.operators = Objects.requireNonNull(operators, "operators");
        this.passwords = Objects.requireNonNull(passwords, "passwords");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
    }

    public record CreateOperator(String email, String displayName, Optional<OperatorRole> role, String password) {
    }

    public Operator create(CreateOperator command) {
        String email = Fields.required(command.email(), "email", Limits.EMAIL_LENGTH_MAX).trim().toLowerCase(Locale.ROOT);
        if (!EMAIL.matcher(email).matches()) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "email: %s (expected: an email address)", Strings.forMessage(email));
        }
        String displayName = Fields.required(command.displayName(), "displayName", Limits.NAME_LENGTH_MAX);
        OperatorRole role = command.role().orElseThrow(
                () -> PayflowException.of(ErrorReason.MISSING_FIELD, "role is required (expected: viewer, operator or admin)"));
        String password = requirePassword(command.password());
        Instant now = services.now();
        Operator operator = new Operator(services.ids().next(IdPrefix.OPERATOR), email, displayName, role, Operator.Status.ACTIVE, now, now);
        String hash = passwords.hash(password);
        return database.inTransaction(tx -> {
            if (!operators.insert(tx, operator, hash)) {
                throw PayflowException.of(ErrorReason.OPERATOR_ALREADY_EXISTS, "an operator with email %s already exists", email);
            }
            return operator;
        });
    }

    /**
     * Creates the first admin from the configuration, once: nothing happens if an operator with
     * this email exists already (its password is never overwritten from the environment).
     *
     * @return whether the operator was created now
     */
    public boolean bootstrapAdmin(String email, String password) {
        if (operators.findByEmail(database.reader(), email.trim().toLowerCase(Locale.ROOT)).isPresent()) {
            return false;
        }
        try {
            create(new CreateOperator(email, "Bootstrap admin", Optional.of(OperatorRole.ADMIN), password));
            return true;
        } catch (PayflowException e) {
            if (e.reason() == ErrorReason.OPERATOR_ALREADY_EXISTS) {
                // Another replica created it between our read and our insert.
                return false;
            }
            throw new IllegalStateException("PAYFLOW_BOOTSTRAP_ADMIN_EMAIL/PASSWORD: " + e.getMessage(), e);
        }
    }

    public boolean exists(String email) {
        return operators.findByEmail(database.reader(), email.trim().toLowerCase(Locale.ROOT)).isPresent();
    }

    public Operator get(String id) {
        String operatorId = Ids.require(id, IdPrefix.OPERATOR, "id");
        return operators.find(database.reader(), operatorId).orElseThrow(() -> notFound(operatorId));
    }

    public Page<Operator> list(int pageSize, String pageToken) {
        PageRequest page = PageRequest.of(pageSize, pageToken, "operators");
        List<Operator> rows = operators.list(database.reader(), page.afterId(), page.size());
        return Pages.of(rows, page, Operator::id);
    }

    /**
     * Changes role and/or status. Disabling ends every session of the operator in the same
     * transaction. An admin may not disable or demote themself: the last admin could lock
     * everyone out, and a change of one's own rights deserves a second person anyway.
     */
    public Operator update(Operator actor, String id, Optional<OperatorRole> role, Optional<Operator.Status> status, String reasonText) {
        String operatorId = Ids.require(id, IdPrefix.OPERATOR, "id");
        Fields.required(reasonText, "reason", Limits.REASON_LENGTH_MAX);
        if (role.isEmpty() && status.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "role or status is required");
        }
        if (operatorId.equals(actor.id())) {
            throw PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION, "operators cannot change their own role or status");
        }
        Instant now = services.now();
        return database.inTransaction(tx -> {
            Operator current = operators.findForUpdate(tx, operatorId).orElseThrow(() -> notFound(operatorId));
            Operator.Status nextStatus = status.orElse(current.status());
            operators.update(tx, operatorId, role.orElse(current.role()), nextStatus, now);
            if (nextStatus == Operator.Status.DISABLED) {
                operators.endSessionsOf(tx, operatorId, now);
            }
            return operators.find(tx, operatorId).orElseThrow();
        });
    }

    public Operator unlock(String id, String reasonText) {
        Fields.required(reasonText, "reason", Limits.REASON_LENGTH_MAX);
        Operator operator = get(id);
        sessions.unlock(operator.email());
        return operator;
    }

    private static String requirePassword(String password) {
        if (password == null || password.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "password is required");
        }
        if (password.length() < PASSWORD_LENGTH_MIN || password.length() > PASSWORD_LENGTH_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "password: %d characters (expected: %d..%d)", password.length(),
                    PASSWORD_LENGTH_MIN, PASSWORD_LENGTH_MAX);
        }
        return password;
    }

    static PayflowException notFound(String operatorId) {
        return PayflowException.of(ErrorReason.OPERATOR_NOT_FOUND, "operator %s not found", operatorId);
    }
}
