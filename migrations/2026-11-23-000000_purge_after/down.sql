DROP INDEX sessions_purge_after_idx;
CREATE INDEX sessions_expire_date_idx ON sessions (expire_date);
ALTER TABLE sessions DROP COLUMN purge_after;
