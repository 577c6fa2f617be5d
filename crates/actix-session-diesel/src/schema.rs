// The table the migrations under migrations/ build (diesel print-schema layout).

diesel::table! {
    /// One row per session: a random key, the session's JSON, when it stops being valid (UTC),
    /// and how many times it has been updated.
    sessions (session_key) {
        session_key -> Text,
        session_data -> Text,
        expire_date -> Timestamp,
        version -> BigInt,
    }
}
