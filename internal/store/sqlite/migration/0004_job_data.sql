-- A job's data (the JobData handed to workers, several KB) in a column of
-- its own: kept in the JSON document it was base64-encoded and decoded on
-- every poll, acknowledgement and result. Rows written before this keep it
-- in the document, and readers take it from there when the column is empty.
ALTER TABLE jobs ADD COLUMN data TEXT NOT NULL DEFAULT '';
