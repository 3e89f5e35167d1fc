package dev.payflow.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** The JSON walk that redacts one wallet inside a stored event body, without a database. */
class WalletRedactionTest {
    private static final String WALLET = "wal_old";

    @Test
    void aTransfersEventLosesTheWalletsPersonalDataAndKeepsTheOtherWalletsAndEveryAmount() {
        String body = """
                {"id":"evt_1","type":"wallet.debited","data":{"object":{"id":"txn_1","type":"transfer","amount":"30.00",\
                "description":"Rent of Jane Roe","fromWalletId":"wal_old","toWalletId":"wal_other","metadata":{"flat":"4B","n":2},\
                "entries":[{"walletId":"wal_old","amount":"-30.00","balance":"0.00","description":"Rent of Jane Roe"},\
                {"walletId":"wal_other","amount":"30.00","balance":"30.00","description":"From Jane"}]},\
                "walletId":"wal_old","externalWalletId":"jane_savings","amount":"30.00","balance":"0.00","walletSequence":"3"}}""";

        JsonObject redacted = JsonParser.parseString(WalletRedaction.redact(body, WALLET).orElseThrow()).getAsJsonObject();

        JsonObject data = redacted.getAsJsonObject("data");
        assertThat(data.get("externalWalletId").getAsString()).isEqualTo("redacted_wal_old");
        assertThat(data.get("amount").getAsString()).isEqualTo("30.00");
        assertThat(data.get("balance").getAsString()).isEqualTo("0.00");
        assertThat(data.get("walletSequence").getAsString()).isEqualTo("3");
        JsonObject transaction = data.getAsJsonObject("object");
        assertThat(transaction.get("description").getAsString()).isEmpty();
        assertThat(transaction.getAsJsonObject("metadata").size()).isZero();
        assertThat(transaction.get("amount").getAsString()).isEqualTo("30.00");
        assertThat(transaction.getAsJsonArray("entries").get(0).getAsJsonObject().get("description").getAsString()).isEmpty();
        assertThat(transaction.getAsJsonArray("entries").get(1).getAsJsonObject().get("description").getAsString())
                .as("the other wallet's entry is the other wallet's").isEqualTo("From Jane");
        assertThat(redacted.get("id").getAsString()).isEqualTo("evt_1");
    }

    @Test
    void theWalletAsObjectGetsThePlaceholdersAndEmptyMetadata() {
        String body = """
                {"data":{"object":{"id":"wal_old","name":"Jane's pot","externalUserId":"jane","externalWalletId":"jane_pot",\
                "balance":"0.00","metadata":{"k":"v"}}}}""";

        JsonObject wallet = JsonParser.parseString(WalletRedaction.redact(body, WALLET).orElseThrow()).getAsJsonObject()
                .getAsJsonObject("data").getAsJsonObject("object");

        assertThat(wallet.get("name").getAsString()).isEqualTo("redacted_wal_old");
        assertThat(wallet.get("externalUserId").getAsString()).isEqualTo("redacted_wal_old");
        assertThat(wallet.get("externalWalletId").getAsString()).isEqualTo("redacted_wal_old");
        assertThat(wallet.getAsJsonObject("metadata").size()).isZero();
        assertThat(wallet.get("balance").getAsString()).isEqualTo("0.00");
    }

    @Test
    void aBodyAboutAnotherWalletOrAlreadyRedactedIsLeftAsItIs() {
        String other = "{\"data\":{\"walletId\":\"wal_other\",\"externalWalletId\":\"bob\",\"note\":\"mentions wal_old in text\"}}";
        assertThat(WalletRedaction.redact(other, WALLET)).isEmpty();

        String once = WalletRedaction.redact("{\"data\":{\"walletId\":\"wal_old\",\"externalWalletId\":\"jane\"}}", WALLET).orElseThrow();
        assertThat(WalletRedaction.redact(once, WALLET)).as("a second run changes nothing").isEmpty();
    }
}
