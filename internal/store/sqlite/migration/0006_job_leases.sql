-- Leases of the jobs a server's embedded worker holds: the server renews
-- lease_expires while it runs the job, and the sweeper of any server queues
-- again a handed-out job whose lease ran out (its server died). Servers
-- sharing a database then never take each other's running jobs.
ALTER TABLE jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_expires BIGINT NOT NULL DEFAULT 0;
-- The sweeper's expired leases, and a starting server's own; partial, so
-- it holds only the jobs being worked.
CREATE INDEX jobs_lease ON jobs (lease_expires, id)
    WHERE status IN ('Dispatched', 'InProgress') AND lease_expires > 0;
-- Built-in jobs handed out before leases were queued again by the next
-- start of the server: give them a lease that ended long ago, so the first
-- sweep queues them again as that start did.
UPDATE jobs SET lease_owner = 'before-leases', lease_expires = 1
    WHERE owner = 'AWS' AND status IN ('Dispatched', 'InProgress');
