package dev.payflow.core.domain;

/** The type prefix of every id PayFlow hands out, so an id passed in the wrong place fails clearly. */
public enum IdPrefix {
    PARTNER("ptn_"),
    API_KEY("key_"),
    WALLET("wal_"),
    TRANSACTION("txn_"),
    HOLD("hld_"),
    LEDGER_ENTRY("ent_"),
    SYSTEM_ACCOUNT("acc_"),
    PAYOUT("pout_"),
    EVENT("evt_"),
    REQUEST("req_"),
    PAYMENT("pmt_"),
    REFUND("ref_"),
    GATEWAY_EVENT("gwe_"),
    CONNECTED_ACCOUNT("con_"),
    OPERATOR("opr_"),
    ADJUSTMENT("adj_"),
    PAYMENT_METHOD("pmd_");

    private final String prefix;

    IdPrefix(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }
}
