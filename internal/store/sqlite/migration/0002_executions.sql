-- What pipelines run. Every row keeps its core record as a JSON document in
-- doc; the other columns are only what queries filter or sort on, so adding a
-- field to a record needs no migration. Times are Unix milliseconds, 0 for none.
--
-- seq orders executions, stage runs and action runs by creation. AUTOINCREMENT
-- keeps it from ever being reused after a pipeline is deleted, as a
-- PostgreSQL identity column would.

CREATE TABLE executions (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    pipeline     TEXT NOT NULL,
    status       TEXT NOT NULL,
    client_token TEXT NOT NULL DEFAULT '',
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
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    pipeline     TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    stage        TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    UNIQUE (execution_id, stage)
);
-- Latest run per stage: a seek per distinct stage, then MAX(seq) within it.
CREATE INDEX stage_runs_stage ON stage_runs (account, region, pipeline, stage, seq);
-- StageRunsOf. Without it SQLite, lacking statistics, would answer from
-- stage_runs_stage, which matches more of the query's columns, and read
-- every stage run of the pipeline.
CREATE INDEX stage_runs_execution ON stage_runs (account, region, pipeline, execution_id, seq);

-- Action runs are addressed by their text id; seq is the rowid so it is
-- assigned on insert like the others.
CREATE TABLE action_runs (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT   NOT NULL UNIQUE,
    account      TEXT   NOT NULL,
    region       TEXT   NOT NULL,
    pipeline     TEXT   NOT NULL,
    execution_id TEXT   NOT NULL,
    stage        TEXT   NOT NULL,
    action       TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    token        TEXT   NOT NULL DEFAULT '',
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

CREATE TABLE jobs (
    id            TEXT   PRIMARY KEY,
    account       TEXT   NOT NULL,
    region        TEXT   NOT NULL,
    pipeline      TEXT   NOT NULL,
    action_run_id TEXT   NOT NULL,
    category      TEXT   NOT NULL,
    owner         TEXT   NOT NULL,
    provider      TEXT   NOT NULL,
    version       TEXT   NOT NULL,
    status        TEXT   NOT NULL,
    query_value   TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    deadline      BIGINT NOT NULL DEFAULT 0,
    doc           TEXT   NOT NULL
);
-- PollForJobs: the Queued jobs of one action type (and query value), oldest first.
-- id ends the indexes that order by it too, as ties are broken by id.
CREATE INDEX jobs_claim ON jobs (account, region, category, owner, provider, version, status, query_value, created_at, id);
CREATE INDEX jobs_deadline ON jobs (deadline, id) WHERE status IN ('Dispatched', 'InProgress');
CREATE INDEX jobs_action_run ON jobs (action_run_id, created_at, id);
-- For PipelineDelete.
CREATE INDEX jobs_pipeline ON jobs (account, region, pipeline);

-- A stage transition has a row once it was disabled or enabled.
CREATE TABLE transitions (
    account  TEXT NOT NULL,
    region   TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    stage    TEXT NOT NULL,
    kind     TEXT NOT NULL,
    doc      TEXT NOT NULL,
    PRIMARY KEY (account, region, pipeline, stage, kind)
);

-- Revisions given to source actions with PutActionRevision.
CREATE TABLE revisions (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    pipeline    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    action      TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (account, region, pipeline, stage, action, revision_id)
);
