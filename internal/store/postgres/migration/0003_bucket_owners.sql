-- The account that owns each bucket of the artifact store: one account
-- never reaches another's buckets through the S3 endpoint or a pipeline.
-- A bucket without a row is nobody's (made before ownership existed).
-- SQLite's 0007.
CREATE TABLE buckets (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    account    TEXT COLLATE "C" NOT NULL,
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
INSERT INTO buckets (name, account, created_at)
SELECT DISTINCT ON (name) name, account, created_at FROM (
    SELECT v.declaration::jsonb #>> '{artifactStore,location}' AS name, p.account, v.created_at
    FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id
    UNION ALL
    SELECT s.value ->> 'location', p.account, v.created_at
    FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id,
         jsonb_each(COALESCE(v.declaration::jsonb -> 'artifactStores', '{}'::jsonb)) s
) stores
WHERE name IS NOT NULL AND name <> ''
ORDER BY name, created_at, account
ON CONFLICT (name) DO NOTHING;
