-- Per-job artifact credentials: the S3 endpoint looks a job up by the access
-- key id a request was signed with.
ALTER TABLE jobs ADD COLUMN access_key_id TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_access_key ON jobs (access_key_id) WHERE access_key_id != '';
-- The embedded worker claims queued built-in jobs of every scope, oldest first.
CREATE INDEX jobs_queue_owner ON jobs (owner, created_at, id) WHERE status = 'Queued';
