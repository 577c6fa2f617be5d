//! The session storage of the visit rule, and typed access to all of this site's session data:
//! handlers never spell a session key.

use std::future::{Ready, ready};

use std::cell::Ref;
use std::collections::HashMap;

use actix_session::{Session, SessionExt, SessionInsertError, SessionStatus};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::VisitRecord;

pub struct TypedSession(Session);

impl TypedSession {
    const VISITS: &'static str = "visits";
    const LAST_VISIT: &'static str = "last_visit";
    const NUM_VISITS: &'static str = "num_visits";
    const TEST_COOKIE: &'static str = "testcookie";
    const TEST_COOKIE_VALUE: &'static str = "worked";
    const NOTICE_DISMISSED: &'static str = "notice_dismissed";

    /// True when the request brought no session data: a first visit, or a key we did not accept.
    pub fn is_empty(&self) -> bool {
        self.0.entries().is_empty()
    }

    /// True once this request has changed the data, so the response will write it.
    pub fn is_changed(&self) -> bool {
        self.0.status() != SessionStatus::Unchanged
    }

    /// All data, each value as JSON text (for the inspector).
    pub fn entries(&self) -> Ref<'_, HashMap<String, String>> {
        self.0.entries()
    }

    /// The Rango counter's state; values of the wrong shape count as a new visitor, with a warning.
    pub fn visit_record(&self) -> Option<VisitRecord> {
        let visits = self.read::<u32>(Self::VISITS);
        let last_visit = self.read::<DateTime<Utc>>(Self::LAST_VISIT);
        match (visits, last_visit) {
            (Some(visits), Some(last_visit)) => Some(VisitRecord { visits, last_visit }),
            (None, None) => None,
            _ => {
                tracing::warn!("incomplete visit data in the session; counting as a new visitor");
                None
            }
        }
    }

    pub fn set_visit_record(&self, record: &VisitRecord) -> Result<(), SessionInsertError> {
        self.0.insert(Self::VISITS, record.visits)?;
        self.0.insert(Self::LAST_VISIT, record.last_visit)
    }

    /// MDN's `num_visits`: views of the session index page so far (0 when unknown).
    pub fn num_visits(&self) -> u32 {
        self.read(Self::NUM_VISITS).unwrap_or(0)
    }

    pub fn set_num_visits(&self, num_visits: u32) -> Result<(), SessionInsertError> {
        self.0.insert(Self::NUM_VISITS, num_visits)
    }

    /// Django's `set_test_cookie`, kept in the session.
    pub fn set_test_cookie(&self) -> Result<(), SessionInsertError> {
        self.0.insert(Self::TEST_COOKIE, Self::TEST_COOKIE_VALUE)
    }

    /// Django's `test_cookie_worked` + `delete_test_cookie`: true if it was there, and it is gone.
    pub fn take_test_cookie(&self) -> bool {
        // `Session::remove` marks the session changed even for a missing key: check first so that
        // a page that changes nothing writes nothing.
        if !self.0.contains_key(Self::TEST_COOKIE) {
            return false;
        }
        matches!(
            self.0.remove_as::<String>(Self::TEST_COOKIE),
            Some(Ok(value)) if value == Self::TEST_COOKIE_VALUE
        )
    }

    /// The visitor dismissed the session page's notice.
    pub fn notice_dismissed(&self) -> bool {
        self.read(Self::NOTICE_DISMISSED).unwrap_or(false)
    }

    pub fn dismiss_notice(&self) -> Result<(), SessionInsertError> {
        self.0.insert(Self::NOTICE_DISMISSED, true)
    }

    /// Django's `flush`: the stored session is deleted and the cookie expired.
    pub fn flush(&self) {
        self.0.purge();
    }

    /// A value of the expected type, or `None` (with a warning when it is there but malformed).
    fn read<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.0.get(key).unwrap_or_else(|error| {
            tracing::warn!(key, %error, "ignoring a session value of the wrong shape");
            None
        })
    }
}

impl FromRequest for TypedSession {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.get_session())))
    }
}
