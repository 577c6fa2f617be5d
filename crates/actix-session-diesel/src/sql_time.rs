//! Timestamps bound and read by the two statements every request runs, without chrono's format
//! strings on SQLite.
//!
//! SQLite has no date type: diesel keeps a `Timestamp` as text (`%F %T%.f`), and rows compare as
//! text. It writes and reads that text through chrono's format-string interpreter, which was about
//! a tenth of the SQLite writer thread's time (three timestamps bound and two read per `/session/`
//! request; `bench/notes.md`, ninth pass). [`SqlTime`] writes the same text digit by digit and
//! reads it back the same way. Anything else (years past 9999, leap seconds, text another tool
//! wrote) goes through diesel's own code; on PostgreSQL, which sends timestamps as binary numbers,
//! it is diesel's code throughout.

use chrono::NaiveDateTime;
#[cfg(feature = "sqlite")]
use chrono::{Datelike as _, NaiveDate, Timelike as _};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
#[cfg(feature = "postgres")]
use diesel::pg::Pg;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Timestamp;
#[cfg(feature = "sqlite")]
use diesel::sqlite::Sqlite;

/// A UTC time as the `sessions` table keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Timestamp)]
pub(crate) struct SqlTime(pub NaiveDateTime);

/// A stored time read back where a damaged one must not fail the statement: `purge_after`,
/// which the update returns. `None` when it is not a time (SQLite keeps any text), so that the
/// write rewrites it, instead of failing, and on SQLite rolling back the writes of other sessions
/// committed with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub(crate) struct ReadableTime(pub Option<NaiveDateTime>);

impl<DB> FromSql<Timestamp, DB> for ReadableTime
where
    DB: diesel::backend::Backend,
    SqlTime: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Self(SqlTime::from_sql(value).ok().map(|time| time.0)))
    }
}

#[cfg(feature = "sqlite")]
impl ToSql<Timestamp, Sqlite> for SqlTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        match to_text(self.0) {
            Some(text) => {
                out.set_value(text);
                Ok(serialize::IsNull::No)
            }
            None => <NaiveDateTime as ToSql<Timestamp, Sqlite>>::to_sql(&self.0, out),
        }
    }
}

#[cfg(feature = "sqlite")]
impl FromSql<Timestamp, Sqlite> for SqlTime {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        match from_text(value.read_text()) {
            Some(time) => Ok(Self(time)),
            None => <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self),
        }
    }
}

#[cfg(feature = "postgres")]
impl ToSql<Timestamp, Pg> for SqlTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Pg>>::to_sql(&self.0, out)
    }
}

#[cfg(feature = "postgres")]
impl FromSql<Timestamp, Pg> for SqlTime {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

/// `time` as chrono's `%F %T%.f` writes it (the fraction in 3, 6 or 9 digits, none when zero), or
/// `None` for what that needs more than digits for: a year outside 0-9999, a leap second.
#[cfg(feature = "sqlite")]
fn to_text(time: NaiveDateTime) -> Option<String> {
    let year = u32::try_from(time.year())
        .ok()
        .filter(|year| *year <= 9999)?;
    let nanos = Some(time.nanosecond()).filter(|nanos| *nanos < 1_000_000_000)?;
    let mut text = String::with_capacity(29);
    let mut push = |value: u32, width: usize, before: Option<char>| {
        text.extend(before);
        let digits = (0..width).rev().map(|place| 10u32.pow(place as u32));
        text.extend(digits.map(|unit| char::from(b'0' + (value / unit % 10) as u8)));
    };
    push(year, 4, None);
    push(time.month(), 2, Some('-'));
    push(time.day(), 2, Some('-'));
    push(time.hour(), 2, Some(' '));
    push(time.minute(), 2, Some(':'));
    push(time.second(), 2, Some(':'));
    match nanos {
        0 => {}
        _ if nanos % 1_000_000 == 0 => push(nanos / 1_000_000, 3, Some('.')),
        _ if nanos % 1_000 == 0 => push(nanos / 1_000, 6, Some('.')),
        _ => push(nanos, 9, Some('.')),
    }
    Some(text)
}

/// Reads `YYYY-MM-DD HH:MM:SS`, with a fraction of 1 to 9 digits or none: what [`to_text`] and
/// diesel write. `None` for anything else.
#[cfg(feature = "sqlite")]
fn from_text(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |number, digit| {
            digit
                .is_ascii_digit()
                .then(|| number * 10 + u32::from(digit - b'0'))
        })
    };
    let field = |at: usize, width: usize, after: u8| {
        let digits = bytes.get(at..at + width)?;
        (bytes.get(at + width).copied().unwrap_or(after) == after).then_some(())?;
        number(digits)
    };
    let nanos = match bytes.get(19..)? {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(
        i32::try_from(field(0, 4, b'-')?).ok()?,
        field(5, 2, b'-')?,
        field(8, 2, b' ')?,
    )?
    .and_hms_nano_opt(
        field(11, 2, b':')?,
        field(14, 2, b':')?,
        field(17, 2, b'.')?,
        nanos,
    )
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    fn at(year: i32, nanos: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(year, 11, 23)
            .and_then(|day| day.and_hms_nano_opt(8, 5, 59, nanos))
            .expect("a valid time")
    }

    /// Every fraction width, the ends of the four-digit years, and what is left to diesel.
    fn samples() -> Vec<NaiveDateTime> {
        let nanos = [
            0,
            1,
            7_000,
            120_000_000,
            123_456_000,
            999_999_999,
            1_500_000_000,
        ];
        [0, 1, 999, 2026, 9999, 10_000, -1]
            .into_iter()
            .flat_map(|year| nanos.map(|nanos| at(year, nanos)))
            .collect()
    }

    #[test]
    fn writes_the_text_diesel_writes_or_leaves_it_to_diesel() {
        use diesel::{Connection as _, RunQueryDsl as _, dsl::sql, sql_types::Text};
        let mut sqlite =
            diesel::SqliteConnection::establish(":memory:").expect("an in-memory database");
        // The text SQLite receives for a bound `Timestamp`.
        macro_rules! as_bound {
            ($time:expr) => {
                diesel::select(
                    sql::<Text>("CAST(")
                        .bind::<Timestamp, _>($time)
                        .sql(" AS TEXT)"),
                )
                .get_result::<String>(&mut sqlite)
                .expect("a bound timestamp, read back as text")
            };
        }
        for time in samples() {
            let diesels = as_bound!(time);
            assert_eq!(as_bound!(SqlTime(time)), diesels);
            if to_text(time).is_none() {
                assert!(
                    !(0..=9999).contains(&time.year()) || time.nanosecond() >= 1_000_000_000,
                    "{diesels} left to diesel"
                );
            }
        }
        assert_eq!(
            to_text(at(2026, 120_000_000)).as_deref(),
            Some("2026-11-23 08:05:59.120")
        );
    }

    #[test]
    fn reads_back_what_it_and_chrono_write() {
        for time in samples() {
            let text = time.format("%F %T%.f").to_string();
            if let Some(written) = to_text(time) {
                assert_eq!(from_text(&written), Some(time), "{written}");
            } else {
                assert_eq!(from_text(&text), None, "{text}");
            }
        }
        assert_eq!(
            from_text("2026-11-23 08:05:59.5"),
            Some(at(2026, 500_000_000))
        );
    }

    #[test]
    fn leaves_any_other_text_to_diesel() {
        for text in [
            "2026-11-23T08:05:09",
            "2026-11-23 08:05:09.",
            "2026-11-23 08:05:09.1234567890",
            "2026-11-23 08:05",
            "2026-13-23 08:05:09",
            "2026-11-23 08:05:09Z",
            "+2026-11-23 08:05:09",
            "2460000.5",
            "",
        ] {
            assert_eq!(from_text(text), None, "{text}");
        }
    }
}
