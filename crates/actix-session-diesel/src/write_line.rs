//! PostgreSQL: a session's writes that queue up behind one still on its way are written as one.
//!
//! On SQLite one writer thread applies writes in the order they were queued, so a request passes
//! its session's turn on as soon as its write is queued (see [`PendingWrite`]). PostgreSQL has no
//! such queue: each write is a transaction of its own, and a session whose requests overlap (a
//! visitor's parallel requests, an API client) would take turns through one commit each, every
//! one waiting for PostgreSQL to flush its WAL (about half a millisecond here).
//!
//! So the queue is in this process, one line per session. A write that finds its session's line
//! empty goes out at once. Writes made while it is on its way wait in line; once it is committed,
//! the writes that waited are written as one `UPDATE`: the newest one's data, from the version the
//! row has to the version the newest one expects. Each of them started from the write before it
//! (the turn hands each request the row the one before it wrote), so the newest holds every
//! change made before it, and all of them are answered by that one commit, or all refused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDateTime;
use futures_util::FutureExt as _;
use tokio::sync::oneshot;

use crate::Error;
use crate::database::on_postgres;
use crate::database::postgres::Pools;
use crate::guard::{PendingWrite, Settles};
use crate::protocol::Update;
use crate::sql_time::SqlTime;
use crate::update::{UpdateSession, apply_update};

/// The sessions of this process with a write on its way, and the writes waiting behind it.
#[derive(Clone, Default)]
pub(crate) struct WriteLines(Arc<Mutex<HashMap<String, Vec<InLine>>>>);

/// One request's update of its session.
pub(crate) struct Write {
    pub data: String,
    /// The version the request loaded, which the row must still be at.
    pub expected: i64,
    pub now: NaiveDateTime,
    pub expires: NaiveDateTime,
    /// The write the request started from, if it was not committed when the request loaded it.
    pub after: Option<Arc<PendingWrite>>,
}

/// A [`Write`] in line, and where its answer goes.
struct InLine {
    write: Write,
    /// Settled as failed if it is dropped unanswered (the runtime stopped).
    pending: Settles,
    answer: oneshot::Sender<Result<Option<i64>, Error>>,
}

impl WriteLines {
    /// Puts `write` in its session's line, which a task on the caller's runtime writes out (the
    /// connection pools are per runtime). Returns at once.
    pub(crate) fn queue(&self, pools: &Pools, key: &str, write: Write) -> Update {
        let pending = PendingWrite::new();
        let (answer, answered) = oneshot::channel();
        let in_line = InLine {
            write,
            pending: Settles(pending.clone()),
            answer,
        };
        let mut lines = self.lock();
        match lines.get_mut(key) {
            Some(waiting) => waiting.push(in_line),
            None => {
                lines.insert(key.to_owned(), Vec::new());
                let driver = Driver {
                    lines: self.clone(),
                    key: key.to_owned(),
                    done: false,
                };
                tokio::spawn(driver.run(pools.clone(), vec![in_line]));
            }
        }
        Update::Queued {
            write: pending,
            answer: async {
                answered.await.unwrap_or_else(|_| {
                    Err(Error::Gone(
                        "the session's write ended without an answer".into(),
                    ))
                })
            }
            .boxed(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<InLine>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Writes one session's line out, batch after batch, until nothing waits in it.
struct Driver {
    lines: WriteLines,
    key: String,
    /// The line was found empty and removed.
    done: bool,
}

impl Driver {
    async fn run(mut self, pools: Pools, mut batch: Vec<InLine>) {
        loop {
            for chain in chains(batch) {
                write_chain(&pools, &self.key, chain).await;
            }
            let mut lines = self.lines.lock();
            let waiting = lines.get_mut(&self.key).map(std::mem::take);
            match waiting {
                Some(waiting) if !waiting.is_empty() => batch = waiting,
                _ => {
                    lines.remove(&self.key);
                    self.done = true;
                    return;
                }
            }
        }
    }
}

impl Drop for Driver {
    /// Stopped before its line was empty (its runtime stopped): the writes still waiting are
    /// answered with an error, and the session's next write starts a new line.
    fn drop(&mut self) {
        if !self.done {
            let waiting = self.lines.lock().remove(&self.key);
            drop(waiting);
        }
    }
}

/// Splits a batch into chains: runs of writes each of which started from the one before it.
fn chains(batch: Vec<InLine>) -> Vec<Vec<InLine>> {
    let mut chains: Vec<Vec<InLine>> = Vec::new();
    for in_line in batch {
        match chains.last_mut() {
            Some(chain) if in_line.continues(&chain[chain.len() - 1]) => chain.push(in_line),
            _ => chains.push(vec![in_line]),
        }
    }
    chains
}

impl InLine {
    fn continues(&self, previous: &InLine) -> bool {
        let after = self.write.after.as_ref();
        after.is_some_and(|after| Arc::ptr_eq(after, &previous.pending.0))
            && self.write.expected == previous.write.expected + 1
    }
}

/// Writes a chain as one `UPDATE`, the newest write's data from the first one's version to the
/// newest one's, and answers each; refused as a whole if the write the first one started from
/// was (it was earlier in this line, so it is settled by now).
async fn write_chain(pools: &Pools, key: &str, chain: Vec<InLine>) {
    let (first, newest) = (&chain[0].write, &chain[chain.len() - 1].write);
    let started_from_stored = match &first.after {
        Some(after) => after.committed().await,
        None => true,
    };
    let written = if started_from_stored {
        let update = UpdateSession {
            key,
            data: &newest.data,
            expected: first.expected,
            next: newest.expected + 1,
            now: SqlTime(newest.now),
            expires: SqlTime(newest.expires),
        };
        on_postgres!(pools, write, |conn| async {
            diesel::QueryResult::Ok(apply_update!(conn, update))
        }
        .await)
    } else {
        Ok(None)
    };
    let answer = |in_line: InLine, result| {
        drop(in_line.pending); // settles it as failed, unless it was committed
        let _ = in_line.answer.send(result);
    };
    match written {
        Ok(Some(_)) => {
            for in_line in chain {
                in_line.pending.0.applied();
                in_line.pending.0.settle(true);
                let version = in_line.write.expected + 1;
                answer(in_line, Ok(Some(version)));
            }
        }
        Ok(None) => chain
            .into_iter()
            .for_each(|in_line| answer(in_line, Ok(None))),
        Err(error) => {
            let error = Arc::new(error);
            for in_line in chain {
                answer(in_line, Err(Error::InLine(error.clone())));
            }
        }
    }
}
