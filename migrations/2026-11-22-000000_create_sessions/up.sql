-- Django's django_session, under a plain name. SQL that SQLite and PostgreSQL both accept.
CREATE TABLE sessions (
    session_key VARCHAR(64) NOT NULL PRIMARY KEY,
    session_data TEXT NOT NULL,
    expire_date TIMESTAMP NOT NULL
);

-- Loads filter on it and the purge scans it.
CREATE INDEX sessions_expire_date_idx ON sessions (expire_date);
