//! SQLite on threads of its own: one writer that commits every write waiting at that moment in one
//! transaction (group commit) and serves reads too, and readers that take the reads while the
//! writer is stuck (another process holds the write lock), never waiting for it (WAL).
//!
//! Why not a pool of connections with a hop to a blocking thread per query, as before: profiled
//! under 16 connections writing sessions, 44 % of the server's CPU was the kernel switching
//! threads (a hop there and back for each of a request's two queries), and each write paid its
//! own commit. Here a busy thread takes the next job without sleeping, one commit covers every
//! write that queued meanwhile, and each connection keeps its prepared statements and its page
//! cache. Reads go to the writer because its page cache stays warm: in WAL mode every commit of
//! the writer empties each reader's cache, which then read the same pages again from the files
//! (measured: 5 `pread`s per read; reads on the writer cut a SQLite `/session/` request's CPU by
//! about a tenth). Queries are still diesel-async's, written once for both databases
//! ([`with_connection!`](super::with_connection)): on these threads they run inline.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel::{ConnectionError, ConnectionResult, QueryResult, SqliteConnection};
use diesel_async::SimpleAsyncConnection as _;
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use crate::Error;
use crate::guard::Settles;

/// A connection as the queries see it: diesel-async's wrapper, whose "blocking" calls run inline
/// because they already run on a thread of the engine's.
pub(crate) type Connection = SyncConnectionWrapper<SqliteConnection, Inline>;

/// Set on every connection, busy timeout first so that nothing after it fails at once on a
/// lock: another process holding the write lock is waited for up to 5 s; `synchronous=NORMAL` is
/// durable across a crash of the process in WAL mode. SQLite's own checkpoint, run by the commit
/// that fills the WAL, is only a safety net here, at four times the length at which the writer
/// catches up with the checkpointer thread (see [`checkpoints`]).
const SETUP: &str =
    "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 4000;";

/// The most writes one transaction takes: enough to spread a commit over a burst, few enough that
/// the first of them is not kept waiting long.
const MOST_PER_COMMIT: usize = 256;

/// Runs diesel-async's blocking calls where they are called: on an engine thread.
pub(crate) struct Inline;

impl SpawnBlocking for Inline {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        futures_util::future::ready(Ok(task())).boxed()
    }

    fn get_runtime() -> Self {
        Self
    }
}

/// A query to run on an engine thread, given its connection or why there is none. It returns
/// what it did; its caller hears of it once the transaction it ran in is committed (writes) or at
/// once (reads).
type Job =
    Box<dyn for<'c> FnOnce(Result<&'c mut Connection, &'c str>) -> BoxFuture<'c, Done> + Send>;

struct Done {
    /// The query failed in a way that may have rolled the transaction back.
    broke_transaction: bool,
    answer: Answer,
}

/// Tells a caller its result, given whether its transaction committed (or why not): a failed
/// commit fails a query that succeeded.
type Answer = Box<dyn FnOnce(Result<(), &str>) + Send>;

enum Message {
    /// A write (writer only), in a transaction shared with the writes queued beside it.
    Write(Job),
    /// A read: inside the writer's open transaction if it has one (answered after its commit,
    /// having seen its writes), else on its own, needing no lock.
    Read(Job),
    /// A job that runs its own transaction (the `clear_expired` rewrite).
    Alone(Job),
    /// Close the connection (the file was deleted); the next job opens a fresh one.
    Close(oneshot::Sender<()>),
}

/// The engine: its threads stop when the last handle is dropped.
pub(crate) struct Engine {
    writer: mpsc::UnboundedSender<Message>,
    /// Since when the writer runs its current batch: it is stuck when that lasts.
    writer_busy: Arc<Busy>,
    /// A queue per reader, so that each gets its own `Close`; reads go round in turn.
    readers: Vec<mpsc::UnboundedSender<Message>>,
    next_reader: AtomicUsize,
    /// The thread that copies the WAL into the database file (see [`checkpoints`]).
    checkpointer: mpsc::UnboundedSender<Message>,
    /// How long a caller waits for its answer: a thread stuck on another process's lock (up to the
    /// busy timeout) must not hold requests forever.
    timeout: Duration,
    file: FileState,
}

struct FileState {
    path: std::path::PathBuf,
    lost: AtomicBool,
}

/// How long a writer's batch may run before reads turn to the reader threads: a batch takes well
/// under a millisecond, unless another process holds the write lock (up to the busy timeout).
const WRITER_STUCK_AFTER: Duration = Duration::from_millis(2);

/// When a thread started its current batch, or that it is idle.
struct Busy {
    epoch: std::time::Instant,
    /// Nanoseconds from `epoch` to the batch's start, plus one; 0 while idle.
    since: std::sync::atomic::AtomicU64,
}

impl Busy {
    fn new() -> Self {
        Self {
            epoch: std::time::Instant::now(),
            since: 0.into(),
        }
    }

    fn nanos(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn start(&self) {
        self.since.store(self.nanos().saturating_add(1), Relaxed);
    }

    fn stop(&self) {
        self.since.store(0, Relaxed);
    }

    /// Busy with one batch for longer than `limit`.
    fn stuck(&self, limit: Duration) -> bool {
        let since = self.since.load(Relaxed);
        since != 0 && self.nanos().saturating_sub(since) > limit.as_nanos() as u64
    }
}

impl Engine {
    /// Starts the threads, the checkpoints and the watch on `path` (which the migrations just
    /// made).
    pub(crate) fn start(path: &std::path::Path, readers: usize, timeout: Duration) -> Arc<Self> {
        Self::start_with(path, readers, timeout, CHECKPOINTS)
    }

    fn start_with(
        path: &std::path::Path,
        readers: usize,
        timeout: Duration,
        plan: Checkpoints,
    ) -> Arc<Self> {
        let url = existing_file_uri(path_str(path).unwrap_or_default());
        let writer_busy = Arc::new(Busy::new());
        let writer = spawn_thread("sqlite-writer", url.clone(), Some(writer_busy.clone()));
        let readers = (0..readers.max(1))
            .map(|_| spawn_thread("sqlite-reader", url.clone(), None))
            .collect();
        let checkpointer = spawn_thread("sqlite-checkpointer", url.clone(), None);
        let engine = Arc::new(Self {
            writer,
            writer_busy,
            readers,
            next_reader: AtomicUsize::new(0),
            checkpointer,
            timeout,
            file: FileState {
                path: path.to_owned(),
                lost: AtomicBool::new(false),
            },
        });
        tokio::spawn(watch_file(Arc::downgrade(&engine)));
        tokio::spawn(checkpoints(Arc::downgrade(&engine), plan));
        engine
    }

    /// Runs a read on the writer thread, or on a reader thread while the writer is stuck.
    pub(crate) async fn read<T, F>(&self, query: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, QueryResult<T>> + Send + 'static,
    {
        let queue = if self.writer_busy.stuck(WRITER_STUCK_AFTER) {
            let turn = self.next_reader.fetch_add(1, Relaxed) % self.readers.len();
            &self.readers[turn]
        } else {
            &self.writer
        };
        self.call(queue, Message::Read, query).await
    }

    /// Runs a write on the writer thread, in a transaction with the writes queued beside it; the
    /// answer comes after the commit.
    pub(crate) async fn write<T, F>(&self, query: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, QueryResult<T>> + Send + 'static,
    {
        self.call(&self.writer, Message::Write, query).await
    }

    /// Runs `query` on the writer thread outside any shared transaction (it runs its own).
    pub(crate) async fn write_alone<T, F>(&self, query: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, QueryResult<T>> + Send + 'static,
    {
        self.call(&self.writer, Message::Alone, query).await
    }

    /// Queues a write, in a transaction with the writes queued beside it, and returns once it is
    /// queued: writes run in the order they were queued. `settles` is settled after the commit.
    pub(crate) fn queue_write<T, F>(
        &self,
        settles: Settles,
        query: F,
    ) -> Result<BoxFuture<'static, Result<T, Error>>, Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, QueryResult<T>> + Send + 'static,
    {
        let answer = self.send(&self.writer, Message::Write, query, Some(settles))?;
        Ok(wait_for(answer, self.timeout).boxed())
    }

    async fn call<T, F>(
        &self,
        queue: &mpsc::UnboundedSender<Message>,
        kind: fn(Job) -> Message,
        query: F,
    ) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, QueryResult<T>> + Send + 'static,
    {
        let answer = self.send(queue, kind, query, None)?;
        wait_for(answer, self.timeout).await
    }

    /// Queues `query` and returns where its answer comes.
    fn send<T, F>(
        &self,
        queue: &mpsc::UnboundedSender<Message>,
        kind: fn(Job) -> Message,
        query: F,
        settles: Option<Settles>,
    ) -> Result<oneshot::Receiver<Result<T, Error>>, Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, QueryResult<T>> + Send + 'static,
    {
        self.file.check()?;
        let (reply, answer) = oneshot::channel::<Result<T, Error>>();
        let job: Job = Box::new(move |conn| {
            async move {
                // The caller gave up (timed out, or its request was dropped): do nothing it would
                // not hear of.
                if reply.is_closed() {
                    return Done {
                        broke_transaction: false,
                        answer: Box::new(|_| {}),
                    };
                }
                let result = match conn {
                    Ok(conn) => query(conn).await,
                    Err(why) => Err(unavailable(why)),
                };
                Done {
                    broke_transaction: result.as_ref().is_err_and(breaks_transaction),
                    answer: Box::new(move |committed| {
                        if let Some(settles) = settles {
                            settles.0.settle(committed.is_ok());
                        }
                        let _ = reply.send(match (result, committed) {
                            (Ok(_), Err(why)) => Err(unavailable(why).into()),
                            (result, _) => result.map_err(Error::from),
                        });
                    }),
                }
            }
            .boxed()
        });
        if queue.send(kind(job)).is_err() {
            return Err(stopped());
        }
        Ok(answer)
    }

    /// Closes every thread's connection and waits until each has.
    async fn close_connections(&self) {
        let mut closed = Vec::new();
        let mut ask = |queue: &mpsc::UnboundedSender<Message>| {
            let (done, wait) = oneshot::channel();
            if queue.send(Message::Close(done)).is_ok() {
                closed.push(wait);
            }
        };
        ask(&self.writer);
        ask(&self.checkpointer);
        self.readers.iter().for_each(ask);
        for wait in closed {
            let _ = wait.await;
        }
    }
}

impl FileState {
    /// An error while the file is lost.
    fn check(&self) -> Result<(), Error> {
        if self.lost.load(Relaxed) {
            let path = self.path.display();
            return Err(Error::Gone(format!(
                "the SQLite file {path} was deleted or replaced"
            )));
        }
        Ok(())
    }
}

/// A caller's answer, or why none came in time.
async fn wait_for<T>(
    answer: oneshot::Receiver<Result<T, Error>>,
    timeout: Duration,
) -> Result<T, Error> {
    match tokio::time::timeout(timeout, answer).await {
        Ok(Ok(result)) => result,
        // The query panicked (the thread goes on with a fresh connection).
        Ok(Err(_)) => Err(Error::Gone(
            "the SQLite call ended without an answer".into(),
        )),
        Err(_) => Err(Error::Pool(
            format!("SQLite gave no answer within {timeout:?} (another process holds its lock?)")
                .into(),
        )),
    }
}

fn stopped() -> Error {
    Error::Gone("the SQLite thread stopped".into())
}

/// An error of the statement alone (the transaction goes on), or of the whole transaction.
fn breaks_transaction(error: &QueryError) -> bool {
    !matches!(
        error,
        QueryError::NotFound
            | QueryError::DatabaseError(
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::CheckViolation,
                _
            )
    )
}

/// A query that could not run, or whose transaction failed to commit: the database is at fault.
fn unavailable(why: &str) -> QueryError {
    QueryError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(why.to_owned()))
}

/// Starts an engine thread (the writer, given where to say since when it is busy) and returns
/// its queue.
fn spawn_thread(
    name: &str,
    url: String,
    busy: Option<Arc<Busy>>,
) -> mpsc::UnboundedSender<Message> {
    let (queue, messages) = mpsc::unbounded_channel();
    let worker = Worker {
        url,
        busy,
        connection: None,
        // Drives the queries' futures, which complete at once (see `Inline`).
        driver: tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime without I/O or timers needs no OS resource"),
    };
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || worker.serve(messages))
        // Only fails when the OS refuses a thread: nothing could run then anyway.
        .expect("the OS should start the SQLite thread");
    queue
}

/// One engine thread: its connection, opened on first use and after a `Close`.
struct Worker {
    url: String,
    /// The writer's: since when it runs its current batch.
    busy: Option<Arc<Busy>>,
    connection: Option<Connection>,
    driver: tokio::runtime::Runtime,
}

impl Worker {
    /// Takes messages until the engine is gone: each time, the first one and every one already
    /// waiting behind it (up to a transaction's worth).
    fn serve(mut self, mut messages: mpsc::UnboundedReceiver<Message>) {
        let mut batch = Vec::new();
        while let Some(first) = messages.blocking_recv() {
            batch.push(first);
            while batch.len() < MOST_PER_COMMIT
                && let Ok(next) = messages.try_recv()
            {
                batch.push(next);
            }
            if let Some(busy) = &self.busy {
                busy.start();
            }
            self.run(&mut batch);
            if let Some(busy) = &self.busy {
                busy.stop();
            }
        }
    }

    /// Runs a batch in order. On the writer, consecutive writes (and the reads among them) share
    /// one transaction, committed before anything else runs and before their callers hear of it.
    fn run(&mut self, batch: &mut Vec<Message>) {
        let mut pending: Vec<Done> = Vec::new();
        for message in batch.drain(..) {
            match message {
                Message::Write(job) => {
                    if pending.is_empty()
                        && let Err(why) = self.begin()
                    {
                        (self.driver.block_on(job(Err(&why))).answer)(Ok(()));
                        continue;
                    }
                    self.in_transaction(job, &mut pending);
                }
                // Inside the open transaction: it saw its writes, so it waits for their commit.
                Message::Read(job) if !pending.is_empty() => self.in_transaction(job, &mut pending),
                Message::Read(job) | Message::Alone(job) => {
                    self.commit(&mut pending);
                    if let Some(done) = self.execute(job) {
                        (done.answer)(Ok(()));
                    }
                }
                Message::Close(closed) => {
                    self.commit(&mut pending);
                    self.connection = None;
                    let _ = closed.send(());
                }
            }
        }
        self.commit(&mut pending);
    }

    /// Runs `job` in the open transaction; its caller hears of it after the commit. A job that
    /// fails the transaction (or panics) ends it, and every job in it fails.
    fn in_transaction(&mut self, job: Job, pending: &mut Vec<Done>) {
        match self.execute(job) {
            Some(done) if !done.broke_transaction => pending.push(done),
            Some(done) => {
                pending.push(done);
                self.finish(pending, Err("another query of its transaction failed"));
            }
            None => self.finish(pending, Err("another query of its transaction panicked")),
        }
    }

    /// Opens a write transaction, and the connection first if need be.
    fn begin(&mut self) -> Result<(), String> {
        let conn = open(&mut self.connection, &self.driver, &self.url)?;
        self.driver
            .block_on(conn.batch_execute("BEGIN IMMEDIATE"))
            .map_err(|e| e.to_string())
    }

    fn commit(&mut self, pending: &mut Vec<Done>) {
        if pending.is_empty() {
            return;
        }
        let outcome = match self.connection.as_mut() {
            Some(conn) => self
                .driver
                .block_on(conn.batch_execute("COMMIT"))
                .map_err(|e| e.to_string()),
            None => Err("the connection was lost".to_owned()),
        };
        self.finish(
            pending,
            outcome.as_ref().map(|_| ()).map_err(String::as_str),
        );
    }

    /// Answers every pending job; on failure the transaction is rolled back first.
    fn finish(&mut self, pending: &mut Vec<Done>, outcome: Result<(), &str>) {
        if outcome.is_err()
            && let Some(conn) = self.connection.as_mut()
        {
            // Fails harmlessly when SQLite has already rolled back.
            let _ = self.driver.block_on(conn.batch_execute("ROLLBACK"));
        }
        for done in pending.drain(..) {
            (done.answer)(outcome);
        }
    }

    /// Runs one job; `None` if it panicked: its caller then hears nothing (its answer is dropped),
    /// and the connection is dropped with whatever it was doing.
    fn execute(&mut self, job: Job) -> Option<Done> {
        let driver = &self.driver;
        let done = match open(&mut self.connection, driver, &self.url) {
            Ok(conn) => {
                std::panic::catch_unwind(AssertUnwindSafe(|| driver.block_on(job(Ok(conn)))))
            }
            Err(why) => Ok(driver.block_on(job(Err(&why)))),
        };
        if done.is_err() {
            self.connection = None;
        }
        done.ok()
    }
}

/// The thread's connection, opened if need be.
fn open<'c>(
    connection: &'c mut Option<Connection>,
    driver: &tokio::runtime::Runtime,
    url: &str,
) -> Result<&'c mut Connection, String> {
    if connection.is_none() {
        let opened = driver.block_on(establish(url)).map_err(|e| e.to_string())?;
        *connection = Some(opened);
    }
    Ok(connection.as_mut().expect("opened above"))
}

pub(crate) fn establish(url: &str) -> BoxFuture<'_, ConnectionResult<Connection>> {
    use diesel_async::AsyncConnection as _;
    async move {
        let mut connection = Connection::establish(url).await?;
        connection
            .batch_execute(SETUP)
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok(connection)
    }
    .boxed()
}

/// The URI that opens `path` only if the file exists: the engine's threads open their connections
/// lazily, and one that opened a file deleted under the store would make an empty one (only the
/// migrations make the file).
fn existing_file_uri(path: &str) -> String {
    let escaped = path
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    format!("file:{escaped}?mode=rw")
}

pub(crate) fn path_str(path: &std::path::Path) -> Result<&str, Error> {
    path.to_str()
        .ok_or_else(|| Error::Config(format!("the SQLite path {} is not UTF-8", path.display())))
}

/// Which file a path names: device and inode, where the platform has them.
async fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
    let metadata = tokio::fs::metadata(path).await.ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    Some((0, u64::from(metadata.is_file())))
}

/// How often the file is looked at.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// The file under a running store: deleted (say, by a clean-up script) or replaced, it would go on
/// taking writes through the connections still open on it, all lost at the next start. The watch
/// notices within a second: calls then fail as unavailable (503), and once the old connections
/// are closed a fresh file is made and migrated, and the store works again. Ends with the engine.
async fn watch_file(engine: Weak<Engine>) {
    let Some(path) = engine.upgrade().map(|e| e.file.path.clone()) else {
        return;
    };
    let mut known = identity(&path).await;
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let now = identity(&path).await;
        if now.is_some() && now == known {
            continue;
        }
        if !engine.file.lost.swap(true, Relaxed) {
            tracing::error!(
                path = %path.display(),
                "the SQLite session file was deleted or replaced under the running store: \
                 answering 503 until a fresh one is made; the sessions in the old one are lost"
            );
        }
        // The old file's connections must be closed first: SQLite removes its WAL and
        // shared-memory files with the last one, which the fresh file would otherwise pick up.
        engine.close_connections().await;
        let url = crate::DatabaseUrl::Sqlite(path.clone());
        if let Err(error) = super::Database::migrate(&url, 0).await {
            tracing::error!(%error, "cannot make a fresh SQLite session file; will retry");
            continue;
        }
        known = identity(&path).await;
        engine.file.lost.store(false, Relaxed);
        tracing::warn!(path = %path.display(), "a fresh SQLite session file is in place");
    }
}

/// When the WAL is copied into the database file (see [`checkpoints`]).
#[derive(Clone, Copy)]
struct Checkpoints {
    /// The pause between two passes of the checkpointer thread while writes come in.
    every: Duration,
    /// The pause once a pass found nothing written since the one before.
    idle: Duration,
    /// The WAL's length, in pages, at which the writer catches up, so that the WAL starts over.
    restart_wal_at: i64,
}

/// 1,000 pages (a WAL of about 4 MB), SQLite's own default. Measured against 2,000 and 10,000
/// (alternating 8 s runs, 16 connections): the catch-up is shorter the shorter the WAL, so
/// `/session/` p99 with new visitors (an insert each, 30,000 WAL pages a second) was 8.5-10.8 ms
/// against 9.4-15.0 and 12.4-23.3 ms, and during a background purge of 1,000,000 rows 11.2 ms
/// against 16.3 and 33.5 ms (SQLite checkpointing in the commit: 15.7 ms).
const CHECKPOINTS: Checkpoints = Checkpoints {
    every: Duration::from_millis(20),
    idle: Duration::from_millis(250),
    restart_wal_at: 1_000,
};

/// What `PRAGMA wal_checkpoint` answers (it also answers `busy` and `checkpointed`).
#[derive(diesel::QueryableByName)]
struct Wal {
    /// Pages in the WAL since it last started over; -1 when another connection was checkpointing.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    log: i64,
}

/// Copies what it can of the WAL into the database file, waiting for no lock.
fn passive_checkpoint(conn: &mut Connection) -> BoxFuture<'_, QueryResult<Wal>> {
    use diesel_async::RunQueryDsl as _;
    diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
        .get_result(conn)
        .boxed()
}

/// The checkpointer's pass: a passive checkpoint, then the database file synced. SQLite syncs the
/// file only in a checkpoint that reaches the WAL's end, which under load is the writer's
/// catch-up: its `fsync` then wrote every page the checkpointer's passes had copied since the last
/// one (about 1,000, 6-8 ms) while every write waited. Synced here, on this thread, after each
/// pass, the catch-up's `fsync` finds only its own pages left.
fn checkpoint_and_sync(
    path: std::path::PathBuf,
) -> impl for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, QueryResult<Wal>> + Send + 'static {
    move |conn| {
        async move {
            let wal = passive_checkpoint(conn).await?;
            // A file that cannot be opened is the file watcher's concern; an extra sync only ever
            // makes what SQLite wrote safe sooner.
            if let Ok(file) = std::fs::File::open(&path) {
                let _ = file.sync_data();
            }
            Ok(wal)
        }
        .boxed()
    }
}

/// Checkpoints off the writer's thread. A checkpoint copies the WAL's pages into the database file
/// and syncs both files: about 10 ms for SQLite's default of 1,000 pages here, nearly all of it
/// two `fsync`s. SQLite runs it inside the commit that fills the WAL, so every write queued
/// behind that commit waited too, many times a second under load (`/session/` p99 of 6-7 ms
/// against 1.3 ms at p50). Here a thread of its own copies the new pages every
/// [`Checkpoints::every`], beside the writer: a passive checkpoint takes no write lock. But the
/// WAL starts over from its first page only when a write begins with every page copied, which a
/// checkpointer racing continuous writes never sees. So once the WAL is
/// [`Checkpoints::restart_wal_at`] pages long, the writer checkpoints between two transactions,
/// right after a pass of the checkpointer: it copies only the pages written during that pass,
/// and its next write starts the WAL over. Ends with the engine.
async fn checkpoints(engine: Weak<Engine>, plan: Checkpoints) {
    let mut pause = plan.every;
    let mut last_length = 0;
    loop {
        tokio::time::sleep(pause).await;
        let Some(engine) = engine.upgrade() else {
            return;
        };
        // On an error (the file lost, say) the next pass tries again.
        let pass = checkpoint_and_sync(engine.file.path.clone());
        let Ok(Wal { log: length }) = engine
            .call(&engine.checkpointer, Message::Alone, pass)
            .await
        else {
            continue;
        };
        // Only after new writes: with none since the last pass, that pass copied everything,
        // and the next write starts the WAL over without the writer's help.
        if length >= plan.restart_wal_at && length != last_length {
            let _ = engine.write_alone(passive_checkpoint).await;
        }
        pause = if length == last_length {
            plan.idle
        } else {
            plan.every
        };
        last_length = length;
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection as _;
    use diesel::{Connection as _, SqliteConnection};

    use super::*;

    /// A WAL-mode file with a table of blobs, and an engine on it.
    fn engine_on_new_file(
        plan: Checkpoints,
    ) -> (tempfile::TempDir, std::path::PathBuf, Arc<Engine>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.sqlite3");
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE blobs (b BLOB NOT NULL);")
            .unwrap();
        let engine = Engine::start_with(&path, 1, Duration::from_secs(10), plan);
        (dir, path, engine)
    }

    /// Inserts one blob of `bytes` (4,000 bytes fill about a page of the WAL).
    async fn insert_blob(engine: &Engine, bytes: i64) {
        use diesel_async::RunQueryDsl as _;
        engine
            .write(move |conn| {
                diesel::sql_query("INSERT INTO blobs VALUES (zeroblob(?))")
                    .bind::<diesel::sql_types::BigInt, _>(bytes)
                    .execute(conn)
                    .boxed()
            })
            .await
            .unwrap();
    }

    /// How many blobs the database file itself holds, leaving its WAL out: read from a copy of
    /// the file alone (`None` while the copy caught the checkpointer halfway through a page).
    fn blobs_in_file_alone(path: &std::path::Path) -> Option<i64> {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let copy = tempfile::tempdir().unwrap();
        let copied = copy.path().join("copy.sqlite3");
        std::fs::copy(path, &copied).unwrap();
        let mut conn = SqliteConnection::establish(copied.to_str()?).ok()?;
        let count: Count = diesel::RunQueryDsl::get_result(
            diesel::sql_query("SELECT count(*) AS n FROM blobs"),
            &mut conn,
        )
        .ok()?;
        Some(count.n)
    }

    /// How many times the WAL has started over: its header's checkpoint sequence number.
    fn wal_restarts(path: &std::path::Path) -> u32 {
        let header = std::fs::read(path.with_extension("sqlite3-wal")).unwrap();
        u32::from_be_bytes(header[12..16].try_into().unwrap())
    }

    /// SQLite alone copies the WAL back only in the commit that fills it to 1,000 pages, so a
    /// few writes stay in the WAL indefinitely.
    #[tokio::test]
    async fn writes_are_copied_into_the_database_file_by_the_checkpointer() {
        let (_dir, path, engine) = engine_on_new_file(CHECKPOINTS);
        for _ in 0..3 {
            insert_blob(&engine, 100).await;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while blobs_in_file_alone(&path) != Some(3) {
            assert!(
                std::time::Instant::now() < deadline,
                "the database file still holds {:?} of 3 blobs after 5 s",
                blobs_in_file_alone(&path)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Once the WAL is `restart_wal_at` pages long it starts over, although the writer's
    /// commits no longer checkpoint. (SQLite's own checkpoint would not restart it before 1,000
    /// pages, and these writes make about 500.)
    #[tokio::test]
    async fn the_wal_starts_over_once_it_reaches_its_limit() {
        let plan = Checkpoints {
            every: Duration::from_millis(5),
            restart_wal_at: 50,
            ..CHECKPOINTS
        };
        let (_dir, path, engine) = engine_on_new_file(plan);
        for _ in 0..150 {
            insert_blob(&engine, 4_000).await;
            // A steady stream, slow enough for the checkpointer's passes to see the WAL grow.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(wal_restarts(&path) >= 1, "the WAL never started over");
    }
}
