-- The purge's index moves off expire_date, which every write changes, onto purge_after, which the
-- store keeps between expire_date and one minute after it and rewrites only when an update moves
-- expire_date out of that range: about once a minute for a busy session instead of on every write.
-- An index on expire_date cost each write a delete and an insert in it (about an eighth of a SQLite
-- session request's CPU), and on PostgreSQL it made every update a non-HOT one.
ALTER TABLE sessions ADD COLUMN purge_after TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE sessions SET purge_after = expire_date;
DROP INDEX sessions_expire_date_idx;
CREATE INDEX sessions_purge_after_idx ON sessions (purge_after);
