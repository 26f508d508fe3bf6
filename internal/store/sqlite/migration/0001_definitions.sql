-- Pipelines: one row per pipeline (its latest version) and one row per version.
CREATE TABLE pipelines (
    id             INTEGER PRIMARY KEY,
    account        TEXT    NOT NULL,
    region         TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    pipeline_type  TEXT    NOT NULL,
    execution_mode TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (account, region, name)
);

CREATE TABLE pipeline_versions (
    pipeline_id INTEGER NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    declaration TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (pipeline_id, version)
);

-- Custom action types; deleted ones stay so their id cannot be reused.
CREATE TABLE action_types (
    account    TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    owner      TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    provider   TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    definition TEXT    NOT NULL,
    deleted    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (account, region, owner, category, provider, version)
);

CREATE TABLE tags (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    arn     TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (account, region, arn, key)
);

CREATE TABLE webhooks (
    account        TEXT    NOT NULL,
    region         TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    definition     TEXT    NOT NULL,
    url            TEXT    NOT NULL,
    registered     BOOLEAN NOT NULL DEFAULT FALSE,
    last_triggered BIGINT  NOT NULL DEFAULT 0,
    error_code     TEXT    NOT NULL DEFAULT '',
    error_message  TEXT    NOT NULL DEFAULT '',
    created_at     BIGINT  NOT NULL,
    PRIMARY KEY (account, region, name)
);
