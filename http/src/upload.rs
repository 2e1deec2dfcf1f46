//! Workbook uploads to `POST /v1/appraisals`, read and appraised as a stream.
//!
//! The upload runs through `greenlight_workbooks::pipeline` on the blocking pool: a reader
//! thread hands projects on as their rows are read, they are appraised and rendered to JSON
//! one by one, and the answer goes to the client in pieces through a bounded channel, so
//! neither the batch document nor the outcomes nor the answer are ever held whole. A client
//! that reads slowly stalls the appraisal (the channel is full), it does not make the
//! service buffer the answer.
//!
//! **When the status is decided.** The head of the answer waits for the first outcome (or
//! the end, for a workbook without projects): a file the archive check, the workbook reader
//! or the reading of Settings and the sheets before the first project rejects, and settings
//! core cannot read, are answered 422 with the usual error shape before any byte of a 200.
//! A file found unreadable after the head was sent (a cell beyond the caps late in
//! CashFlows, say) cannot change the status any more: the body is then ended with an error
//! (the chunked transfer is cut, without its last chunk), so no client takes the part sent
//! for a complete answer, and the failure is logged with the request id.
//!
//! **The results workbook** needs every outcome (its summary and MAC curve), so outcomes are
//! kept for it, at most `workbook_answer_max_projects` of them; an upload with more is
//! answered 413 as soon as the limit is passed, before the workbook is written.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{AppraisalOutput, EligibilityJudge, ProjectOutcome};
use greenlight_core::emissions::cost::MacCurve;
use greenlight_workbooks::{ReportOptions, WorkbookAppraisal, appraise_workbook, results_workbook};
use hyper::body::Frame;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::AppState;
use crate::api::WorkbookProblem;
use crate::error::Error;
use crate::middleware::HeldSlot;
use crate::routes::{AppraisalAnswer, WorkbookUpload, batch_error};

/// Appraising threads per upload: one, the blocking-pool thread that runs the upload, with
/// the workbook's reader (and its quick passes) on threads of their own. The service answers
/// several requests at once, bounded by the concurrency limit and the blocking pool, so its
/// parallelism comes from the requests. Measured on two cores (BENCHMARKS.md): a second
/// worker made one 10 000-project upload about a fifth faster, but three at once slower
/// (3.1–3.5 s against 3.8–3.9 s) and with more memory.
const WORKERS_PER_UPLOAD: usize = 1;

/// Bytes of the answer gathered before they are sent as one piece: a few outcomes (a thirty
/// year project is about 20 KB of JSON), so the runtime is woken once per piece, not once per
/// project.
const PIECE_BYTES: usize = 64 << 10;

/// Pieces sent but not yet taken by the connection at most; with the connection's own
/// buffer this is what a slow client can make the service hold.
const PIECES_AHEAD: usize = 4;

/// Why the appraisal of an upload stopped before its end, as the pipeline's error (the
/// workbook crate's error type, whose codes these are).
mod stop {
    /// The client is gone: the answer's body was dropped.
    pub(super) const GONE: &str = "answer_not_read";
    /// The request's time ran out.
    pub(super) const TIMEOUT: &str = "request_timeout";
    /// More projects than the results workbook is written for.
    pub(super) const TOO_MANY: &str = "too_many_projects_for_workbook";
}

/// Appraises an uploaded workbook on the blocking pool and answers as soon as the status is
/// known: a 200 whose JSON body follows as it is made, the results workbook once written, or
/// the error. The request keeps its place in the concurrency limit until the appraisal ends.
pub(crate) async fn answer_upload(
    upload: WorkbookUpload,
    state: AppState,
    options: AppraisalOptions,
    report: Option<ReportOptions>,
    request_id: String,
) -> Result<AppraisalAnswer, Error> {
    let deadline = Instant::now() + state.config.request_timeout();
    let runtime = tokio::runtime::Handle::current();
    let (head_tx, head_rx) = oneshot::channel();
    let logged = request_id.clone();
    let task = tokio::task::spawn_blocking(move || {
        // Given up before it started (the timeout fired, the client left): skipped.
        if head_tx.is_closed() {
            return;
        }
        let head = Head {
            answer: Some(head_tx),
            request_id,
        };
        match report {
            None => stream_json(upload, &state, &options, head, runtime, deadline),
            Some(report) => write_workbook(upload, &state, &options, &report, head),
        }
    });
    // A panic in the work is logged here, whether or not the head was sent; before it, the
    // handler sees the head's sender dropped and answers 500.
    tokio::spawn(async move {
        if let Err(e) = task.await {
            tracing::error!(request_id = logged, error = %e, "workbook upload failed");
        }
    });
    head_rx.await.unwrap_or_else(|_| Err(Error::internal()))
}

/// The head of the answer, until it is sent.
struct Head {
    answer: Option<oneshot::Sender<Result<AppraisalAnswer, Error>>>,
    request_id: String,
}

impl Head {
    fn is_sent(&self) -> bool {
        self.answer.is_none()
    }

    /// Sends the answer's head (and, for a workbook, the whole answer); an `Err` when the
    /// handler is gone.
    fn send(
        &mut self,
        answer: Result<AppraisalAnswer, Error>,
    ) -> Result<(), greenlight_workbooks::Error> {
        match self.answer.take() {
            Some(tx) => tx.send(answer).map_err(|_| gone()),
            None => Ok(()),
        }
    }

    /// Ends the request with `error`: as its answer while the head is not sent; after it,
    /// only logged, since the status is gone (the body is then cut by the caller).
    fn fail(&mut self, error: Error) {
        if self.is_sent() {
            tracing::warn!(
                request_id = self.request_id,
                code = %error.code,
                message = %error.message,
                "workbook upload failed after its answer began: the answer is cut short"
            );
        } else {
            // The access log records the status; an internal failure's detail was logged
            // where it was found.
            let _ = self.send(Err(error));
        }
    }
}

fn gone() -> greenlight_workbooks::Error {
    greenlight_workbooks::Error::new(stop::GONE, "the client stopped reading the answer")
}

/// A workbook that cannot be read at all, as an answer: 422 with the reader's code and
/// `Sheet!Cell` (or `file`).
fn file_error(e: &greenlight_workbooks::Error) -> Error {
    let problem = WorkbookProblem::of(e);
    let error = Error::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        problem.code,
        problem.message,
    );
    match problem.location {
        Some(at) => error.at(at),
        None => error.at("file"),
    }
}

/// Why the appraisal stopped early, as an answer (while the head is not sent).
fn stop_error(e: &greenlight_workbooks::Error, max_projects: usize) -> Error {
    match e.code {
        stop::TIMEOUT => Error::for_status(StatusCode::REQUEST_TIMEOUT),
        stop::TOO_MANY => Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            stop::TOO_MANY,
            format!(
                "the results workbook is written for at most {max_projects} projects \
                 (workbook_answer_max_projects) and this workbook holds more: ask for the \
                 JSON answer, which has no such bound, or split the workbook"
            ),
        )
        .at("file"),
        _ => {
            tracing::error!(code = e.code, message = %e.message, "workbook upload stopped");
            Error::internal()
        }
    }
}

/// The JSON answer, `{"results": [...], "mac_curve": ..., "problems": [...]}` with the bytes
/// `axum::Json` gives the whole `AppraisalReport` (serde_json's compact form, which writes a
/// value nested in a document as it writes it alone; the pieces are written by
/// `json_text`, which writes those bytes), sent in pieces.
fn stream_json(
    upload: WorkbookUpload,
    state: &AppState,
    options: &AppraisalOptions,
    head: Head,
    runtime: tokio::runtime::Handle,
    deadline: Instant,
) {
    let (pieces, received) = mpsc::channel(PIECES_AHEAD);
    let mut answer = JsonAnswer {
        head,
        slot: upload.slot,
        body: Some(StreamedBody {
            pieces: received,
            ended: false,
        }),
        pieces,
        buffer: Vec::with_capacity(PIECE_BYTES * 2),
        written: 0,
        runtime,
        deadline,
    };
    let limits = state.config.workbook_limits();
    let how = upload_appraisal(state, &limits, options, upload.settings);
    let render = |o: ProjectOutcome| {
        greenlight_core::json_text::to_vec(&o)
            .map_err(|e| greenlight_workbooks::Error::new("internal", e.to_string()))
    };
    let run = appraise_workbook(&upload.file, how, &mut |_| {}, &render, &mut |json| {
        answer.outcome(&json)
    });
    let max = state.config.workbook_answer_max_projects;
    match run {
        Err(e) if e.code == stop::GONE => {}
        Err(e) => answer.head.fail(stop_error(&e, max)),
        Ok(Err(e)) => answer.head.fail(file_error(&e)),
        Ok(Ok(run)) => match run.result {
            Err(e) => answer.head.fail(batch_error(e)),
            Ok(mac) => {
                let problems: Vec<WorkbookProblem> =
                    run.problems.iter().map(WorkbookProblem::of).collect();
                if let Err(e) = answer.finish(mac.as_ref(), &problems)
                    && e.code != stop::GONE
                {
                    answer.head.fail(stop_error(&e, max));
                }
            }
        },
    }
    // Dropping the answer without its end cuts the body, if it was sent.
    drop(answer);
}

/// The JSON answer being written.
struct JsonAnswer {
    head: Head,
    /// The request's place in the concurrency limit, given back before the last piece is
    /// sent: once a client has the whole answer, the place is free.
    slot: Option<HeldSlot>,
    /// The body, until the head carries it.
    body: Option<StreamedBody>,
    pieces: mpsc::Sender<Piece>,
    buffer: Vec<u8>,
    written: usize,
    runtime: tokio::runtime::Handle,
    deadline: Instant,
}

impl JsonAnswer {
    /// The next outcome's JSON; the first sends the head.
    fn outcome(&mut self, json: &[u8]) -> Result<(), greenlight_workbooks::Error> {
        if Instant::now() >= self.deadline {
            return Err(greenlight_workbooks::Error::new(
                stop::TIMEOUT,
                "the request's time ran out while appraising",
            ));
        }
        self.buffer.extend_from_slice(if self.written == 0 {
            b"{\"results\":["
        } else {
            b","
        });
        self.written += 1;
        self.buffer.extend_from_slice(json);
        self.begin()?;
        if self.buffer.len() >= PIECE_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends the head, 200 with the streamed body, if not yet sent.
    fn begin(&mut self) -> Result<(), greenlight_workbooks::Error> {
        if let Some(body) = self.body.take() {
            self.head
                .send(Ok(AppraisalAnswer::Streamed(Body::new(body))))?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), greenlight_workbooks::Error> {
        let piece = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(PIECE_BYTES * 2),
        ));
        self.send(Piece::Bytes(piece))
    }

    /// Waits for room in the channel, until the request's deadline.
    fn send(&mut self, piece: Piece) -> Result<(), greenlight_workbooks::Error> {
        let sent = self.runtime.block_on(tokio::time::timeout_at(
            self.deadline,
            self.pieces.send(piece),
        ));
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(gone()),
            Err(_) => Err(greenlight_workbooks::Error::new(
                stop::TIMEOUT,
                "the request's time ran out while the client was reading the answer",
            )),
        }
    }

    /// Writes the end of the document and marks the body complete.
    fn finish(
        &mut self,
        mac: Option<&MacCurve>,
        problems: &[WorkbookProblem],
    ) -> Result<(), greenlight_workbooks::Error> {
        let internal =
            |e: serde_json::Error| greenlight_workbooks::Error::new("internal", e.to_string());
        if self.written == 0 {
            self.buffer.extend_from_slice(b"{\"results\":[");
        }
        self.buffer.push(b']');
        if let Some(mac) = mac {
            self.buffer.extend_from_slice(b",\"mac_curve\":");
            greenlight_core::json_text::write_compact(&mut self.buffer, mac).map_err(internal)?;
        }
        if !problems.is_empty() {
            self.buffer.extend_from_slice(b",\"problems\":");
            greenlight_core::json_text::write_compact(&mut self.buffer, problems)
                .map_err(internal)?;
        }
        self.buffer.push(b'}');
        self.begin()?;
        self.slot = None;
        self.flush()?;
        self.send(Piece::End)
    }
}

/// What the appraisal sends the connection: pieces of the answer, then its end.
enum Piece {
    Bytes(Bytes),
    End,
}

/// The body of a streamed answer. It ends cleanly only after [`Piece::End`]: a sender
/// dropped before it (a failure after the head, a timeout, a panic) makes the body end with
/// an error, so the transfer is cut instead of looking complete.
struct StreamedBody {
    pieces: mpsc::Receiver<Piece>,
    ended: bool,
}

impl hyper::body::Body for StreamedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.pieces.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Piece::Bytes(bytes))) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
            Poll::Ready(Some(Piece::End)) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(Some(Err(std::io::Error::other(
                    "the answer was cut short: see the service's log for this request",
                ))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }
}

/// How an upload is appraised: within the service's workbook limits, over its registry and
/// rule packs, on [`WORKERS_PER_UPLOAD`] appraising threads, with the request's settings.
fn upload_appraisal<'a>(
    state: &'a AppState,
    limits: &'a greenlight_workbooks::WorkbookLimits,
    options: &'a AppraisalOptions,
    settings: Option<serde_json::Value>,
) -> WorkbookAppraisal<'a> {
    let judge: &dyn EligibilityJudge = state.rules.as_ref();
    WorkbookAppraisal {
        limits,
        registry: &state.registry,
        options,
        judge: Some(judge),
        workers: WORKERS_PER_UPLOAD,
        settings,
    }
}

/// The results workbook: outcomes kept (at most `workbook_answer_max_projects`), then
/// written whole.
fn write_workbook(
    upload: WorkbookUpload,
    state: &AppState,
    options: &AppraisalOptions,
    report: &ReportOptions,
    mut head: Head,
) {
    let limits = state.config.workbook_limits();
    let how = upload_appraisal(state, &limits, options, upload.settings);
    let max = state.config.workbook_answer_max_projects;
    let mut results: Vec<ProjectOutcome> = Vec::new();
    let waiting = &head;
    let run = appraise_workbook(
        &upload.file,
        how,
        &mut |_| {},
        &|o| Ok(Box::new(o)),
        &mut |o: Box<ProjectOutcome>| {
            // No one waits for the answer any more (the timeout answered): stop.
            if waiting
                .answer
                .as_ref()
                .is_none_or(oneshot::Sender::is_closed)
            {
                return Err(gone());
            }
            if results.len() == max {
                return Err(greenlight_workbooks::Error::new(
                    stop::TOO_MANY,
                    "more projects than the results workbook is written for",
                ));
            }
            results.push(*o);
            Ok(())
        },
    );
    let answer = match run {
        Err(e) if e.code == stop::GONE => return,
        Err(e) => Err(stop_error(&e, max)),
        Ok(Err(e)) => Err(file_error(&e)),
        Ok(Ok(run)) => match run.result {
            Err(e) => Err(batch_error(e)),
            Ok(mac_curve) => {
                let output = AppraisalOutput { results, mac_curve };
                results_workbook(&output, report)
                    .map(AppraisalAnswer::Workbook)
                    .map_err(|e| {
                        tracing::error!(code = e.code, message = %e.message, "results workbook failed");
                        Error::internal()
                    })
            }
        },
    };
    match answer {
        Ok(answer) => {
            let _ = head.send(Ok(answer));
        }
        Err(error) => head.fail(error),
    }
    drop(upload.slot);
}
