package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.TRANSFER_BATCHES;

import dev.payflow.core.domain.PartnerScope;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;

/** How atomic transfer batches ended, by their batch key (V18). */
public final class TransferBatchRepository {

    /**
     * A batch as recorded: committed with one letter per member ({@code c} created, {@code r}
     * replayed), or failed at one member.
     */
    public record Ending(int memberCount, Optional<String> memberOutcomes, Optional<Integer> failedIndex) {
        public Ending {
            if (memberOutcomes.isPresent() == failedIndex.isPresent()) {
                throw new IllegalArgumentException("a batch ends committed or failed, not both or neither");
            }
            memberOutcomes.ifPresent(outcomes -> {
                if (outcomes.length() != memberCount || !outcomes.matches("[cr]+")) {
                    throw new IllegalArgumentException("member outcomes '" + outcomes + "' for " + memberCount + " members");
                }
            });
        }
    }

    /** Records how the batch whose key this transaction claimed ended. */
    public void record(DSLContext tx, PartnerScope scope, String batchKey, Ending ending, Instant now) {
        Objects.requireNonNull(ending, "ending");
        int inserted = tx.insertInto(TRANSFER_BATCHES)
                .set(TRANSFER_BATCHES.PARTNER_ID, scope.partnerId())
                .set(TRANSFER_BATCHES.LIVEMODE, scope.livemode())
                .set(TRANSFER_BATCHES.IDEMPOTENCY_KEY, batchKey)
                .set(TRANSFER_BATCHES.MEMBER_COUNT, ending.memberCount())
                .set(TRANSFER_BATCHES.MEMBER_OUTCOMES, ending.memberOutcomes().orElse(null))
                .set(TRANSFER_BATCHES.FAILED_INDEX, ending.failedIndex().orElse(null))
                .set(TRANSFER_BATCHES.CREATED_AT, Timestamps.toColumn(now))
                .execute();
        if (inserted != 1) {
            throw new IllegalStateException("transfer batch " + batchKey + ": inserted " + inserted + " rows, expected 1");
        }
    }

    public Optional<Ending> find(DSLContext tx, PartnerScope scope, String batchKey) {
        return tx.selectFrom(TRANSFER_BATCHES)
                .where(TRANSFER_BATCHES.PARTNER_ID.eq(scope.partnerId()))
                .and(TRANSFER_BATCHES.LIVEMODE.eq(scope.livemode()))
                .and(TRANSFER_BATCHES.IDEMPOTENCY_KEY.eq(batchKey))
                .fetchOptional()
                .map(r -> new Ending(r.getMemberCount(), Optional.ofNullable(r.getMemberOutcomes()), Optional.ofNullable(r.getFailedIndex())));
    }
}
