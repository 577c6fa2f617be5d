// The table the migrations under migrations/ build (diesel print-schema layout).

diesel::table! {
    /// One row per session: a random key, the session's JSON, when it stops being valid (UTC),
    /// how many times it has been updated, and from when the purge looks at it (indexed; see
    /// `crate::update::PURGE_SLACK`).
    sessions (session_key) {
        session_key -> Text,
        session_data -> Text,
        expire_date -> Timestamp,
        version -> BigInt,
        purge_after -> Timestamp,
    }
}
