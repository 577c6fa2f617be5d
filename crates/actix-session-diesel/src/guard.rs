//! Lost-update protection that stays out of the session data.
//!
//! actix-session loads a session before the handler and saves it after, handing the store nothing
//! but the key and the new state. To refuse a save that would overwrite a change made meanwhile
//! (by a request on another instance, say), the store must know which version of the row *this*
//! request saw. A [`RequestScope`] carries that across the request, beside the data rather than
//! in it: handlers never see it, and `Session::clear()`, `purge()` and `renew()` cannot drop it.
//!
//! [`session_guard`] opens a scope per request and turns what the store refused into errors the
//! app can answer: [`SessionConflict`] (409) and [`SessionStoreUnavailable`] (503).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use chrono::NaiveDateTime;

use crate::Error;

tokio::task_local! {
    static SCOPE: Arc<Mutex<ScopeState>>;
}

#[derive(Debug, Default)]
struct ScopeState {
    /// Whether this request waits for the other requests of its session in this process.
    takes_turns: bool,
    /// Its turn, once it has loaded its session: held until the scope ends, after the save, or
    /// until its update is queued where writes are applied in order (see [`PendingWrite`]).
    turn: Option<Turn>,
    /// The write this request started from, if it took it from the request before it in line
    /// before that write was committed: its own update is applied only if that one was, and it
    /// answers only once that one is committed.
    started_from: Option<Arc<PendingWrite>>,
    /// The session this request has seen, at the version it saw (loaded, saved or updated).
    known: Option<(String, i64)>,
    /// A session this request deleted, and the version its row had then (`None`: no row).
    deleted: Option<(String, Option<i64>)>,
    /// Why the store refused or failed, for `session_guard` to answer with.
    failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    Conflict,
    Unavailable(String),
}

/// One request's view of its session: the version of the row it loaded, which its update must
/// still find. [`session_guard`] makes one per request; outside actix-web (a test, a job), make
/// one per logical request and run that request's store calls through [`RequestScope::run`].
#[derive(Debug, Clone, Default)]
pub struct RequestScope(Arc<Mutex<ScopeState>>);

impl RequestScope {
    /// A scope that has seen no session yet. Its requests do not take turns: two scopes may load
    /// one session at once (the second to save then gets a conflict), which tests need.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope whose request, once it has loaded a session, holds that session's turn in this
    /// process until the scope is dropped (or until its update is queued): requests of one session
    /// then run one after another instead of one of them failing with a conflict.
    /// [`session_guard`] makes these.
    pub fn taking_turns() -> Self {
        let scope = Self::default();
        scope.state().takes_turns = true;
        scope
    }

    /// Runs `future` (store calls, or a whole request) inside this scope. A scope may be entered
    /// again: two scopes stand for two requests whose calls interleave.
    pub async fn run<F: Future>(&self, future: F) -> F::Output {
        SCOPE.scope(self.0.clone(), future).await
    }

    /// Waits until the write this scope's request started from is committed, and tells whether it
    /// was: `false` means what the request loaded was never stored, so it must not be shown.
    /// True at once unless the request took that write from the request before it in line
    /// before its commit. [`session_guard`] answers 409 when it is `false`; call it before
    /// answering when you run scopes yourself.
    pub async fn started_from_committed(&self) -> bool {
        let write = self.state().started_from.clone();
        match write {
            Some(write) => write.committed().await,
            None => true,
        }
    }

    /// True when a store call in this scope was refused because the session changed or was
    /// deleted since this scope loaded it.
    pub fn conflicted(&self) -> bool {
        self.state().failure == Some(Failure::Conflict)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ScopeState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs `f` on the current request's scope, if there is one.
fn with_scope<R>(f: impl FnOnce(&mut ScopeState) -> R) -> Option<R> {
    SCOPE
        .try_with(|scope| f(&mut scope.lock().unwrap_or_else(PoisonError::into_inner)))
        .ok()
}

/// Turns per session within one process: a fixed set of locks, a session's being the one its key
/// hashes to (two sessions rarely share one, and then merely wait for each other).
#[derive(Clone)]
pub(crate) struct Turns(Arc<[Arc<Stripe>]>);

/// One lock of [`Turns`], and how many requests wait for it.
#[derive(Debug, Default)]
struct Stripe {
    waiting: AtomicUsize,
    /// What the request whose turn it is hands to the next one.
    turn: Arc<tokio::sync::Mutex<Option<Handover>>>,
}

/// The row a request has just written, left for the next request of that session, which waited
/// for it: that request need not read back what was just committed. A visitor's parallel requests
/// then cost the store one round trip each instead of two, and each turn is that much shorter.
/// Left only while a request is waiting, or while the write is still on its way: one that comes
/// later reads the row, which another process may have changed meanwhile. (If another process
/// changes it while a request waits, that request's write is refused with a conflict, as when
/// both load it at once.)
#[derive(Debug, Clone)]
struct Handover {
    key: String,
    version: i64,
    data: String,
    /// The expiry of the written row, or a little before it.
    expires: NaiveDateTime,
    /// The write, when the turn was released before its commit (see [`PendingWrite`]).
    pending: Option<Arc<PendingWrite>>,
    /// Whether a request was waiting when the turn was released.
    waited_for: bool,
}

/// A session's write that was queued, and its turn released, before it was committed: where the
/// store applies writes in the order they were queued (SQLite's one writer thread, PostgreSQL's
/// [write lines](crate::write_line)), the next request of the session need not wait for the
/// commit. Set by whatever runs the write.
///
/// The hazard it guards against: the next request expects the version this write will make. If
/// this write is not applied (another instance changed the row meanwhile) and that instance's write
/// made that same version, the next write would overwrite it; so a write queued behind a pending
/// one is applied only if that one was ([`PendingWrite::is_applied`], checked when it runs).
#[derive(Debug)]
pub(crate) struct PendingWrite(tokio::sync::watch::Sender<WriteState>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteState {
    Queued,
    /// Ran and changed the row, in a transaction not yet committed.
    Applied,
    Committed,
    /// Not applied, or its transaction failed.
    Failed,
}

impl PendingWrite {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self(tokio::sync::watch::Sender::new(WriteState::Queued)))
    }

    fn state(&self) -> WriteState {
        *self.0.borrow()
    }

    /// The write ran and changed the row (its transaction is still open).
    pub(crate) fn applied(&self) {
        self.0.send_if_modified(|state| {
            let queued = *state == WriteState::Queued;
            if queued {
                *state = WriteState::Applied;
            }
            queued
        });
    }

    /// Its transaction ended: committed or not. Once settled it stays so.
    pub(crate) fn settle(&self, committed: bool) {
        self.0.send_if_modified(|state| {
            let settled = match *state {
                WriteState::Committed | WriteState::Failed => return false,
                WriteState::Applied if committed => WriteState::Committed,
                _ => WriteState::Failed,
            };
            *state = settled;
            true
        });
    }

    /// Applied, committed or about to be: a write queued behind it may expect its version.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // PostgreSQL waits for the commit
    pub(crate) fn is_applied(&self) -> bool {
        matches!(self.state(), WriteState::Applied | WriteState::Committed)
    }

    fn is_settled(&self) -> bool {
        matches!(self.state(), WriteState::Committed | WriteState::Failed)
    }

    /// Waits until it is settled: whether it was committed.
    pub(crate) async fn committed(&self) -> bool {
        let mut state = self.0.subscribe();
        // The sender lives in `self`, so waiting cannot fail.
        let settled =
            state.wait_for(|state| matches!(state, WriteState::Committed | WriteState::Failed));
        settled
            .await
            .is_ok_and(|state| *state == WriteState::Committed)
    }
}

/// Settles a [`PendingWrite`] as failed if it is dropped unsettled: the job that carried it was
/// dropped without running (its caller gave up, the thread stopped) or panicked.
pub(crate) struct Settles(pub Arc<PendingWrite>);

impl Drop for Settles {
    fn drop(&mut self) {
        self.0.settle(false);
    }
}

/// A request's turn: the stripe's lock, held until the request's scope ends.
#[derive(Debug)]
struct Turn {
    stripe: Arc<Stripe>,
    handover: tokio::sync::OwnedMutexGuard<Option<Handover>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let waited_for = self.stripe.waiting.load(SeqCst) > 0;
        match self.handover.as_mut() {
            Some(handover)
                if waited_for || handover.pending.as_ref().is_some_and(|w| !w.is_settled()) =>
            {
                handover.waited_for = waited_for;
            }
            _ => *self.handover = None,
        }
    }
}

/// Counts a request among a stripe's waiters until it has the turn (or gives up waiting).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn on(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, SeqCst);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

impl Turns {
    const STRIPES: usize = 1024;

    pub(crate) fn new() -> Self {
        Self((0..Self::STRIPES).map(|_| Arc::default()).collect())
    }

    /// Waits, if the current request takes turns, until no other request of session `key` runs
    /// in this process; the turn is then the request's until its scope ends. Keyed by the key the
    /// store loads, whatever form the cookie that carried it had.
    pub(crate) async fn wait(&self, key: &str) {
        use std::hash::BuildHasher as _;
        static HASHER: std::sync::LazyLock<std::hash::RandomState> =
            std::sync::LazyLock::new(std::hash::RandomState::new);
        if with_scope(|scope| scope.takes_turns && scope.turn.is_none()) != Some(true) {
            return;
        }
        let stripe = self.0[HASHER.hash_one(key) as usize % self.0.len()].clone();
        let handover = {
            let _waiting = Waiting::on(&stripe.waiting);
            stripe.turn.clone().lock_owned().await
        };
        with_scope(|scope| scope.turn = Some(Turn { stripe, handover }));
    }
}

/// The row of `key` that the request before this one in line wrote, if it is still live at `now`:
/// its version and data. A committed row is taken: the store reads the row itself next time. A
/// row whose write is still on its way stays for the request after this one, should this one not
/// write (the store does not hold that row yet). A row whose write failed is not taken, nor one
/// committed when nobody was waiting for it (it may be stale).
pub(crate) fn take_handover(key: &str, now: NaiveDateTime) -> Option<(i64, String)> {
    with_scope(|scope| {
        let handover = &mut scope.turn.as_mut()?.handover;
        let row = handover.as_ref().filter(|row| row.key == key)?;
        let (usable, on_its_way) = match row.pending.as_ref().map(|write| write.state()) {
            None => (true, false),
            Some(WriteState::Queued | WriteState::Applied) => (true, true),
            Some(WriteState::Committed) => (row.waited_for, false),
            Some(WriteState::Failed) => (false, false),
        };
        if !usable || row.expires <= now {
            **handover = None;
            return None;
        }
        let row = if on_its_way {
            handover.clone()
        } else {
            handover.take()
        }?;
        scope.started_from = row.pending;
        Some((row.version, row.data))
    })
    .flatten()
}

/// Leaves the row this request has just written (or queued: `pending`) for the next request of
/// its session in line.
pub(crate) fn hand_over(
    key: &str,
    version: i64,
    data: String,
    expires: NaiveDateTime,
    pending: Option<Arc<PendingWrite>>,
) {
    with_scope(|scope| {
        if let Some(turn) = scope.turn.as_mut() {
            *turn.handover = Some(Handover {
                key: key.to_owned(),
                version,
                data,
                expires,
                pending,
                waited_for: false,
            });
        }
    });
}

/// Ends the current request's turn before its scope ends: its write is queued where writes are
/// applied in order, so the next request of its session may go on.
pub(crate) fn release_turn() {
    with_scope(|scope| scope.turn = None);
}

/// The uncommitted write the current request started from, if any.
pub(crate) fn started_from() -> Option<Arc<PendingWrite>> {
    with_scope(|scope| scope.started_from.clone()).flatten()
}

impl std::fmt::Debug for Turns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Turns")
    }
}

/// The current request has seen the session `key` at `version`.
pub(crate) fn saw(key: &str, version: i64) {
    with_scope(|scope| scope.known = Some((key.to_owned(), version)));
}

/// The version of `key` the current request saw, if it saw that session.
pub(crate) fn seen(key: &str) -> Option<i64> {
    with_scope(|scope| match &scope.known {
        Some((known, version)) if known == key => Some(*version),
        _ => None,
    })
    .flatten()
}

/// The version of `key` the current request saw, which its update must still find.
pub(crate) fn version_seen(key: &str) -> Result<i64, Error> {
    match with_scope(|scope| scope.known.clone()) {
        None => Err(Error::NoScope),
        Some(Some((known, version))) if known == key => Ok(version),
        // An update of a session this request never loaded: it cannot be checked, so refuse it.
        Some(_) => Err(Error::Conflict),
    }
}

/// The current request deleted `key`, whose row had `version` (`None`: there was none).
pub(crate) fn deleted(key: &str, version: Option<i64>) {
    with_scope(|scope| scope.deleted = Some((key.to_owned(), version)));
}

/// A save after a delete in the same request is actix-session's `renew()`. It carries the data
/// this request loaded, so it is refused when the deleted row was not the version this request
/// saw: its data is outdated, or the session had been revoked meanwhile.
pub(crate) fn check_renewal() -> Result<(), Error> {
    let stale = with_scope(|scope| match (&scope.deleted, &scope.known) {
        (Some((deleted, version)), Some((known, seen))) if deleted == known => {
            *version != Some(*seen)
        }
        _ => false,
    });
    if stale == Some(true) {
        return Err(Error::Conflict);
    }
    Ok(())
}

/// Remembers why the store failed, for [`session_guard`]; returns the error for `?`.
pub(crate) fn failed(error: Error) -> Error {
    let failure = match &error {
        Error::Conflict => Some(Failure::Conflict),
        other if other.is_unavailable() => Some(Failure::Unavailable(other.to_string())),
        _ => None,
    };
    if let Some(failure) = failure {
        with_scope(|scope| scope.failure = Some(failure));
    }
    error
}

/// Middleware that gives each request a [`RequestScope`] and answers what the store refused.
///
/// Within one process, requests of one session take turns (from the load to the moment the save is
/// queued), so that a visitor's parallel requests all succeed; across processes the version check
/// catches what turns cannot. A request that started from a write not yet committed answers only
/// once it is, and with 409 if it was not.
///
/// Wrap it *outside* actix-session's `SessionMiddleware` (actix-web runs the last `.wrap()`
/// first), so that the scope covers both the load and the save:
///
/// ```no_run
/// # async fn app() -> Result<(), actix_session_diesel::Error> {
/// # use actix_web::{App, middleware::from_fn, cookie::Key};
/// # use actix_session::SessionMiddleware;
/// # let url = "sqlite://sessions.sqlite3".parse()?;
/// let store = actix_session_diesel::DieselSessionStore::builder(url).build().await?;
/// let app = App::new()
///     .wrap(SessionMiddleware::new(store, Key::generate()))
///     .wrap(from_fn(actix_session_diesel::session_guard));
/// # Ok(()) }
/// ```
///
/// A request whose save was refused gets [`SessionConflict`] (409, `Retry-After: 0`): another
/// request changed or deleted the session meanwhile, and a retry sees that change. One whose store
/// was unreachable gets [`SessionStoreUnavailable`] (503, `Retry-After: 5`). Both are ordinary
/// actix-web errors: an outer middleware may render its own page for them
/// (`error.as_error::<SessionConflict>()`). Nothing of a refused request is saved.
pub async fn session_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let scope = RequestScope::taking_turns();
    let result = scope.run(next.call(req)).await;
    // A page built on a write that was never committed must not be shown.
    if !scope.started_from_committed().await {
        return Err(SessionConflict.into());
    }
    let failure = scope.state().failure.take();
    match (result, failure) {
        (Err(_), Some(Failure::Conflict)) => Err(SessionConflict.into()),
        (Err(_), Some(Failure::Unavailable(cause))) => Err(SessionStoreUnavailable(cause).into()),
        (result, _) => result.map(ServiceResponse::map_into_boxed_body),
    }
}

/// The session changed or was deleted while this request ran, so its changes were not saved.
/// Answered with 409 and `Retry-After: 0`.
#[derive(Debug, thiserror::Error)]
#[error("the session changed or was deleted while this request ran")]
pub struct SessionConflict;

impl ResponseError for SessionConflict {
    fn status_code(&self) -> StatusCode {
        StatusCode::CONFLICT
    }

    fn error_response(&self) -> HttpResponse {
        plain_answer(
            self.status_code(),
            "0",
            "Your session changed meanwhile: reload to retry.",
        )
    }
}

/// The session store could not be reached. Answered with 503 and `Retry-After: 5`.
#[derive(Debug, thiserror::Error)]
#[error("the session store is unavailable: {0}")]
pub struct SessionStoreUnavailable(String);

impl ResponseError for SessionStoreUnavailable {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        plain_answer(
            self.status_code(),
            "5",
            "Sessions are unavailable: try again shortly.",
        )
    }
}

fn plain_answer(status: StatusCode, retry_after: &'static str, text: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::RETRY_AFTER, HeaderValue::from_static(retry_after)))
        .content_type("text/plain; charset=utf-8")
        .body(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn later() -> NaiveDateTime {
        chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(1)
    }

    fn now() -> NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }

    /// Runs `body` in `scope` after waiting for the turn of session `key`.
    async fn in_turn<R>(
        scope: &RequestScope,
        turns: &Turns,
        key: &str,
        body: impl FnOnce() -> R,
    ) -> R {
        scope
            .run(async {
                turns.wait(key).await;
                body()
            })
            .await
    }

    /// A first request of session "k" writes a row expiring at `expires` and keeps its turn; a
    /// second waits for it, and once the first is done, runs `take` in its turn.
    async fn handed_to_the_next<R>(expires: NaiveDateTime, take: impl FnOnce() -> R) -> R {
        let turns = Turns::new();
        let first = RequestScope::taking_turns();
        in_turn(&first, &turns, "k", || {
            hand_over("k", 7, "data".into(), expires, None)
        })
        .await;
        let second = RequestScope::taking_turns();
        let mut waiting = std::pin::pin!(in_turn(&second, &turns, "k", take));
        assert!(futures_util::poll!(&mut waiting).is_pending());
        drop(first);
        waiting.await
    }

    #[tokio::test]
    async fn a_written_row_is_handed_to_the_request_waiting_for_it_and_to_no_one_else() {
        let (other_key, taken, again) = handed_to_the_next(later(), || {
            (
                take_handover("other", now()),
                take_handover("k", now()),
                take_handover("k", now()),
            )
        })
        .await;
        assert_eq!(other_key, None, "only for its own session");
        assert_eq!(taken, Some((7, "data".to_owned())));
        assert_eq!(again, None, "taken once");
    }

    #[tokio::test]
    async fn nothing_is_handed_to_a_request_that_comes_after_the_line_ends() {
        let turns = Turns::new();
        let first = RequestScope::taking_turns();
        in_turn(&first, &turns, "k", || {
            hand_over("k", 7, "data".into(), later(), None)
        })
        .await;
        drop(first);
        let later_request = RequestScope::taking_turns();
        let taken = in_turn(&later_request, &turns, "k", || take_handover("k", now())).await;
        assert_eq!(
            taken, None,
            "it reads the row, which may have changed since"
        );
    }

    #[tokio::test]
    async fn an_expired_row_is_not_handed_over() {
        let expires = now();
        assert_eq!(
            handed_to_the_next(expires, || take_handover("k", expires)).await,
            None
        );
    }

    /// A first request of session "k" leaves a write still on its way (`write`) and releases its
    /// turn with nobody waiting; a later request then runs `take` in its turn.
    async fn left_on_its_way<R>(write: &Arc<PendingWrite>, take: impl FnOnce() -> R) -> R {
        let turns = Turns::new();
        let first = RequestScope::taking_turns();
        in_turn(&first, &turns, "k", || {
            hand_over("k", 8, "data".into(), later(), Some(write.clone()));
            release_turn();
        })
        .await;
        let later_request = RequestScope::taking_turns();
        in_turn(&later_request, &turns, "k", take).await
    }

    #[tokio::test]
    async fn a_write_still_on_its_way_is_handed_even_to_a_request_that_came_later() {
        let write = PendingWrite::new();
        let (taken, from) =
            left_on_its_way(&write, || (take_handover("k", now()), started_from())).await;
        assert_eq!(taken, Some((8, "data".to_owned())));
        assert!(
            from.is_some_and(|from| Arc::ptr_eq(&from, &write)),
            "the request started from that write"
        );
    }

    #[tokio::test]
    async fn a_write_that_failed_or_was_committed_with_nobody_waiting_is_not_handed_over() {
        for committed in [false, true] {
            let write = PendingWrite::new();
            let taken = left_on_its_way(&write, || {
                write.applied();
                write.settle(committed);
                take_handover("k", now())
            })
            .await;
            assert_eq!(taken, None, "committed: {committed}");
        }
    }

    #[tokio::test]
    async fn a_write_is_committed_only_if_it_was_applied_and_its_transaction_committed() {
        for (applied, committed) in [(true, true), (false, true), (true, false)] {
            let write = PendingWrite::new();
            if applied {
                write.applied();
            }
            assert_eq!(write.is_applied(), applied);
            write.settle(committed);
            assert_eq!(write.committed().await, applied && committed);
        }
        let dropped = PendingWrite::new();
        dropped.applied();
        drop(Settles(dropped.clone()));
        assert!(
            !dropped.committed().await,
            "a write whose job was dropped unsettled failed"
        );
    }

    #[tokio::test]
    async fn a_request_that_does_not_take_turns_is_handed_nothing() {
        let turns = Turns::new();
        let scope = RequestScope::new();
        let taken = in_turn(&scope, &turns, "k", || {
            hand_over("k", 7, "data".into(), later(), None);
            take_handover("k", now())
        })
        .await;
        assert_eq!(taken, None);
    }
}
