// The table of migrations/2026-11-22-000000_create_sessions (diesel print-schema layout).

diesel::table! {
    /// One row per session: a random key, the session's JSON, and when it stops being valid (UTC).
    sessions (session_key) {
        session_key -> Text,
        session_data -> Text,
        expire_date -> Timestamp,
    }
}
