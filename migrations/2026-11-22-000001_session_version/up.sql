-- Bumped by every update: an update carries the version it loaded and is refused if another
-- request (on another instance) has written since, instead of silently overwriting it.
ALTER TABLE sessions ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
