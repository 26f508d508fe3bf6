-- PollForJobs without a query value (types with no queryable property): the
-- Queued jobs of one action type, oldest first. jobs_claim has query_value
-- between status and created_at, so without a query value SQLite read and
-- sorted every queued job of the type, document included, on each poll.
-- Partial: only queued jobs are in it, so it stays as small as the queue.
CREATE INDEX jobs_queue ON jobs (account, region, category, owner, provider, version, created_at, id)
    WHERE status = 'Queued';
