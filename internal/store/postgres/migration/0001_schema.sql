-- The schema of the SQLite driver's migrations 0001 to 0005 in one file:
-- the same tables, columns and indexes, so both drivers answer alike.
--
-- Times are Unix milliseconds in BIGINT, 0 for none. Records the engine
-- keeps whole (executions, runs, jobs, transitions, revisions) are JSON
-- documents in a TEXT doc column, as declarations and definitions are: the
-- columns beside them are only what queries filter or sort on. TEXT, not
-- JSONB: nothing queries inside a document, and declarations must come
-- back byte for byte as stored.
--
-- Names, keys and ids are COLLATE "C": compared byte by byte, as SQLite
-- compares them, so listings come out in the same order whatever locale
-- the database was created with.

-- Pipelines: one row per pipeline (its latest version) and one row per version.
CREATE TABLE pipelines (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account        TEXT COLLATE "C" NOT NULL,
    region         TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    version        INTEGER NOT NULL,
    pipeline_type  TEXT    NOT NULL,
    execution_mode TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (account, region, name)
);

CREATE TABLE pipeline_versions (
    pipeline_id BIGINT  NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    declaration TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (pipeline_id, version)
);

-- Custom action types; deleted ones stay so their id cannot be reused.
CREATE TABLE action_types (
    account    TEXT COLLATE "C" NOT NULL,
    region     TEXT COLLATE "C" NOT NULL,
    owner      TEXT COLLATE "C" NOT NULL,
    category   TEXT COLLATE "C" NOT NULL,
    provider   TEXT COLLATE "C" NOT NULL,
    version    TEXT COLLATE "C" NOT NULL,
    definition TEXT    NOT NULL,
    deleted    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (account, region, owner, category, provider, version)
);

CREATE TABLE tags (
    account TEXT COLLATE "C" NOT NULL,
    region  TEXT COLLATE "C" NOT NULL,
    arn     TEXT COLLATE "C" NOT NULL,
    key     TEXT COLLATE "C" NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (account, region, arn, key)
);

CREATE TABLE webhooks (
    account        TEXT COLLATE "C" NOT NULL,
    region         TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    definition     TEXT    NOT NULL,
    url            TEXT COLLATE "C" NOT NULL,
    registered     BOOLEAN NOT NULL DEFAULT FALSE,
    last_triggered BIGINT  NOT NULL DEFAULT 0,
    error_code     TEXT    NOT NULL DEFAULT '',
    error_message  TEXT    NOT NULL DEFAULT '',
    created_at     BIGINT  NOT NULL,
    PRIMARY KEY (account, region, name)
);

-- seq orders executions, stage runs and action runs by creation. An
-- identity column never hands a value out twice, so a seq is not reused
-- after a pipeline is deleted. It is compared only within one pipeline, so
-- it has no index of its own: the planner could walk one backwards for a
-- pipeline's newest rows, filtering out every other pipeline's history on
-- the way. The indexes that end in seq serve those reads.
CREATE TABLE executions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    seq          BIGINT GENERATED ALWAYS AS IDENTITY,
    account      TEXT COLLATE "C" NOT NULL,
    region       TEXT COLLATE "C" NOT NULL,
    pipeline     TEXT COLLATE "C" NOT NULL,
    status       TEXT NOT NULL,
    client_token TEXT COLLATE "C" NOT NULL DEFAULT '',
    doc          TEXT NOT NULL
);
CREATE INDEX executions_pipeline ON executions (account, region, pipeline, seq);
CREATE UNIQUE INDEX executions_token ON executions (account, region, pipeline, client_token)
    WHERE client_token <> '';
-- Few executions are ever active: the engine's restart and ActivePipelines
-- read this small index instead of all history.
CREATE INDEX executions_active ON executions (account, region, pipeline, seq)
    WHERE status IN ('InProgress', 'Stopping');

CREATE TABLE stage_runs (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY,
    account      TEXT COLLATE "C" NOT NULL,
    region       TEXT COLLATE "C" NOT NULL,
    pipeline     TEXT COLLATE "C" NOT NULL,
    execution_id TEXT COLLATE "C" NOT NULL,
    stage        TEXT COLLATE "C" NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    PRIMARY KEY (execution_id, stage)
);
-- Latest run per stage: a seek per distinct stage, then the highest seq within it.
CREATE INDEX stage_runs_stage ON stage_runs (account, region, pipeline, stage, seq);
CREATE INDEX stage_runs_execution ON stage_runs (account, region, pipeline, execution_id, seq);

CREATE TABLE action_runs (
    id           TEXT COLLATE "C" PRIMARY KEY,
    seq          BIGINT GENERATED ALWAYS AS IDENTITY,
    account      TEXT COLLATE "C" NOT NULL,
    region       TEXT COLLATE "C" NOT NULL,
    pipeline     TEXT COLLATE "C" NOT NULL,
    execution_id TEXT COLLATE "C" NOT NULL,
    stage        TEXT COLLATE "C" NOT NULL,
    action       TEXT COLLATE "C" NOT NULL,
    status       TEXT   NOT NULL,
    token        TEXT COLLATE "C" NOT NULL DEFAULT '',
    deadline     BIGINT NOT NULL DEFAULT 0,
    doc          TEXT   NOT NULL
);
CREATE INDEX action_runs_pipeline ON action_runs (account, region, pipeline, seq);
CREATE INDEX action_runs_execution ON action_runs (account, region, pipeline, execution_id, seq);
CREATE INDEX action_runs_action ON action_runs (account, region, pipeline, stage, action, seq);
-- Only manual approvals hold tokens.
CREATE INDEX action_runs_token ON action_runs (account, region, pipeline, stage, action, token)
    WHERE token <> '';
CREATE INDEX action_runs_deadline ON action_runs (deadline) WHERE status = 'InProgress';

-- A job's data (the JobData handed to workers, several KB) has a column of
-- its own, out of the document, so claiming and acknowledging rewrite a
-- small document.
CREATE TABLE jobs (
    id            TEXT COLLATE "C" PRIMARY KEY,
    account       TEXT COLLATE "C" NOT NULL,
    region        TEXT COLLATE "C" NOT NULL,
    pipeline      TEXT COLLATE "C" NOT NULL,
    action_run_id TEXT COLLATE "C" NOT NULL,
    category      TEXT COLLATE "C" NOT NULL,
    owner         TEXT COLLATE "C" NOT NULL,
    provider      TEXT COLLATE "C" NOT NULL,
    version       TEXT COLLATE "C" NOT NULL,
    status        TEXT   NOT NULL,
    query_value   TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    deadline      BIGINT NOT NULL DEFAULT 0,
    doc           TEXT   NOT NULL,
    data          TEXT   NOT NULL DEFAULT '',
    access_key_id TEXT COLLATE "C" NOT NULL DEFAULT ''
);
-- PollForJobs: the Queued jobs of one action type (and query value), oldest first.
-- id ends the indexes that order by it too, as ties are broken by id.
CREATE INDEX jobs_claim ON jobs (account, region, category, owner, provider, version, status, query_value, created_at, id);
-- PollForJobs without a query value; partial, so it stays as small as the queue.
CREATE INDEX jobs_queue ON jobs (account, region, category, owner, provider, version, created_at, id)
    WHERE status = 'Queued';
CREATE INDEX jobs_deadline ON jobs (deadline, id) WHERE status IN ('Dispatched', 'InProgress');
CREATE INDEX jobs_action_run ON jobs (action_run_id, created_at, id);
-- For PipelineDelete.
CREATE INDEX jobs_pipeline ON jobs (account, region, pipeline);
-- Per-job artifact credentials: the S3 endpoint looks a job up by the access
-- key id a request was signed with.
CREATE INDEX jobs_access_key ON jobs (access_key_id) WHERE access_key_id <> '';
-- The embedded worker claims queued built-in jobs of every scope, oldest first.
CREATE INDEX jobs_queue_owner ON jobs (owner, created_at, id) WHERE status = 'Queued';

-- A stage transition has a row once it was disabled or enabled.
CREATE TABLE transitions (
    account  TEXT COLLATE "C" NOT NULL,
    region   TEXT COLLATE "C" NOT NULL,
    pipeline TEXT COLLATE "C" NOT NULL,
    stage    TEXT COLLATE "C" NOT NULL,
    kind     TEXT COLLATE "C" NOT NULL,
    doc      TEXT NOT NULL,
    PRIMARY KEY (account, region, pipeline, stage, kind)
);

-- Revisions given to source actions with PutActionRevision.
CREATE TABLE revisions (
    account     TEXT COLLATE "C" NOT NULL,
    region      TEXT COLLATE "C" NOT NULL,
    pipeline    TEXT COLLATE "C" NOT NULL,
    stage       TEXT COLLATE "C" NOT NULL,
    action      TEXT COLLATE "C" NOT NULL,
    revision_id TEXT COLLATE "C" NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (account, region, pipeline, stage, action, revision_id)
);
