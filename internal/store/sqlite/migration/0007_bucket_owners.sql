-- The account that owns each bucket of the artifact store: one account
-- never reaches another's buckets through the S3 endpoint or a pipeline.
-- A bucket without a row is nobody's (made before ownership existed).
CREATE TABLE buckets (
    name       TEXT   NOT NULL PRIMARY KEY,
    account    TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
-- ListBuckets: an account's buckets in name order.
CREATE INDEX buckets_account ON buckets (account, name);

-- The build log bucket (worker.LogBucket) is the server's own
-- (store.ServerOwner): no account may claim it, below or later.
INSERT INTO buckets (name, account, created_at) VALUES ('sluice-logs', 'sluice', 0);

-- The artifact store buckets of existing pipelines were made by the
-- engine for them: each goes to the account of the earliest pipeline
-- version that named it, as the engine would have claimed it.
WITH stores AS (
    SELECT json_extract(v.declaration, '$.artifactStore.location') AS name, p.account, v.created_at
    FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id
    UNION ALL
    SELECT json_extract(s.value, '$.location'), p.account, v.created_at
    FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id,
         json_each(v.declaration, '$.artifactStores') s
), first AS (
    SELECT name, account, created_at,
           ROW_NUMBER() OVER (PARTITION BY name ORDER BY created_at, account) AS n
    FROM stores WHERE name IS NOT NULL AND name <> ''
)
INSERT OR IGNORE INTO buckets (name, account, created_at)
SELECT name, account, created_at FROM first WHERE n = 1;
