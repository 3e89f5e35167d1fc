-- A key issued without naming permissions holds every permission, including those added after
-- it was issued. Until now such a key stored the permissions that existed at its creation, so a
-- permission added later (payments:read, ...) would have been missing from it. From here on the
-- grant itself is stored: all_permissions = true and an empty list, or the named permissions.
ALTER TABLE api_keys ADD COLUMN all_permissions boolean NOT NULL DEFAULT false;

/* [jooq ignore start] */
-- Keys that hold every permission this version knew were issued with none named (or with all
-- nine named, which asked for the same thing): they become all-permission keys.
UPDATE api_keys
   SET all_permissions = true, permissions = '{}'
 WHERE permissions @> ARRAY['wallets:read', 'wallets:write', 'transactions:read', 'transactions:write', 'transfers:write',
                            'payouts:read', 'payouts:write', 'webhooks:read', 'webhooks:write']::varchar(32)[];

-- Exactly one of the two forms: all permissions and no list, or a list of at least one.
ALTER TABLE api_keys ADD CONSTRAINT api_keys_permissions_grant
    CHECK (all_permissions = (cardinality(permissions) = 0));
/* [jooq ignore stop] */

ALTER TABLE api_keys ALTER COLUMN all_permissions DROP DEFAULT;
