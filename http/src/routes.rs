//! The handlers. CPU-bound work (appraisal, eligibility, root scans) runs on the blocking
//! pool, so the async threads keep accepting and answering while it runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aide::axum::ApiRouter;
use aide::axum::routing::{get_with, post_with};
use aide::transform::TransformOperation;
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use greenlight_core::appraisal::AppraisalOptions;
use greenlight_core::batch::{
    EligibilityJudge, InputError, appraise_json, appraise_projects, plain_projects,
};
use greenlight_core::calc::{CalcRequest, CalcResult, FUNCTIONS, evaluate};
use greenlight_core::project::ProjectInput;
use greenlight_core::registry::DataSet;
use greenlight_workbooks::template::{Layout, write_template};
use greenlight_workbooks::{Lang, ReportOptions, results_workbook};
use serde_json::Value;

use crate::AppState;
use crate::api::{
    ApiLang, AppraisalQuery, AppraisalReport, AppraisalRequest, CalcArguments, CalcPath,
    EligibilityOutcome, EligibilityOutput, EligibilityRequest, Health, IdPath, LangPath,
    RulePackDetail, RulePackSummary, TemplateLayout, TemplateQuery,
};
use crate::error::Error;
use crate::extract::{
    ApiJson, ApiPath, ApiQuery, JsonOrForm, from_value, json_or_form_read, parse_json,
};
use crate::json_body::JsonBody;
use crate::middleware::HeldSlot;

/// The documented routes. A new route is added here with `api_route` (or in a module's own
/// `ApiRouter` merged here, as the exercise routes are), so the OpenAPI document picks it up.
pub(crate) fn api_routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route(
            "/healthz",
            get_with(healthz, |op| op.summary("Liveness").tag("service")),
        )
        .api_route(
            "/v1/appraisals",
            post_with(appraisals, |op| {
                body_errors(common_errors(op))
                                        .summary("Appraise a batch of projects")
                    .description(
                        "JSON `{\"settings\": {...}, \"projects\": [...]}` answered with one \
                         result or one list of errors per project (the CLI's `--format json`). \
                         `?explain=true` adds the working behind every figure. With \
                         `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` \
                         the answer is the results workbook, in `?lang=en|zh` or the \
                         `Accept-Language` language. A multipart workbook upload (field `file`, \
                         optional `settings` as JSON and `lang`) is read within the workbook \
                         limits and appraised the same way; cell problems come back in \
                         `problems`, errors carry their `Sheet!Cell`. An upload's JSON answer \
                         is streamed as its projects are appraised (chunked, no \
                         `content-length`; the same bytes as a whole answer): the status waits \
                         for the first project's outcome, so a file its checks reject, a \
                         workbook of plain values over the cell limit and settings that \
                         cannot be read are 422 as usual, but a file found unreadable later \
                         (a cell beyond the limits late in a sheet holding formulas or \
                         dates) can no \
                         longer change the 200: the transfer is then cut without its last \
                         chunk, so the client sees a failed, not a complete, answer. The \
                         results workbook of an upload is written for at most \
                         `workbook_answer_max_projects` projects (413 \
                         `too_many_projects_for_workbook` above).",
                    )
                    .tag("appraisal")
            }),
        )
        .api_route(
            "/v1/eligibility",
            post_with(eligibility, |op| {
                body_errors(common_errors(op))
                    .summary("Green-bond eligibility of projects under every loaded taxonomy")
                    .tag("eligibility")
            }),
        )
        .api_route(
            "/v1/rule-packs",
            get_with(rule_packs, |op| {
                common_errors(op)
                    .summary("The loaded rule packs").tag("eligibility")
            }),
        )
        .api_route(
            "/v1/rule-packs/{id}",
            get_with(rule_pack, |op| {
                unknown_item(common_errors(op), "No pack with this id (`unknown_rule_pack`).")
                    .summary("One rule pack with its parameters and rules")
                    .tag("eligibility")
            }),
        )
        .api_route(
            "/v1/factor-sets",
            get_with(factor_sets, |op| {
                common_errors(op)
                    .summary("Every reference data set, with sources")
                    .tag("reference data")
            }),
        )
        .api_route(
            "/v1/factor-sets/{id}",
            get_with(factor_set, |op| {
                unknown_item(common_errors(op), "No data set with this id (`unknown_factor_set`).")
                    .summary("One reference data set").tag("reference data")
            }),
        )
        .api_route(
            "/v1/calc/{fn}",
            post_with(calc, |op| {
                unknown_item(body_errors(common_errors(op)), "No such function (`unknown_function`).")
                    .summary(
                    "Financial calculator: npv, irr, mirr, xnpv, xirr, pmt, pv, fv, rate, payback",
                )
                .description(
                    "The same contract as `greenlight calc --batch`: the body holds the \
                         function's arguments (`fn` may be left out, or must match the path).",
                )
                .tag("calculator")
            }),
        )
        .api_route(
            "/v1/templates/{lang}",
            get_with(template, |op| {
                unknown_item(common_errors(op), "No template in this language (`unknown_language`).")
                    .summary("The project workbook template (xlsx), in English or Chinese")
                    .description("`?layout=portfolio` (default: one row per project) or `form` (one sheet per project).")
                    .tag("workbooks")
            }),
        )
        .merge(crate::exercises::routes())
}

/// The failures any route may answer.
pub(crate) fn common_errors(op: TransformOperation<'_>) -> TransformOperation<'_> {
    op.response_with::<401, Error, _>(|r| {
        r.description("An API key is configured and the request has none or a wrong one (`unauthorized`).")
    })
    .response_with::<408, Error, _>(|r| {
        r.description("The request took longer than the timeout (`request_timeout`).")
    })
    .response_with::<429, Error, _>(|r| {
        r.description("The service is at its concurrency limit; retry after the `retry-after` seconds (`too_many_requests`).")
    })
    .response_with::<500, Error, _>(|r| r.description("An internal failure, without details (`internal`)."))
}

/// The failures of a route that reads a request body.
pub(crate) fn body_errors(op: TransformOperation<'_>) -> TransformOperation<'_> {
    op.response_with::<400, Error, _>(|r| {
        r.description("Malformed JSON (`invalid_json`, located by line and column) or query (`invalid_query`).")
    })
    .response_with::<413, Error, _>(|r| r.description("The body is over the limit (`body_too_large`)."))
    .response_with::<415, Error, _>(|r| {
        r.description("The content type is not accepted (`unsupported_media_type`).")
    })
    .response_with::<422, Error, _>(|r| {
        r.description("Valid JSON, but not a valid request: unknown or missing fields, values out of their domain; `location` is the JSON pointer (or `Sheet!Cell`).")
    })
}

/// 404 for an unknown item.
pub(crate) fn unknown_item<'a>(
    op: TransformOperation<'a>,
    description: &'static str,
) -> TransformOperation<'a> {
    op.response_with::<404, Error, _>(|r| r.description(description))
}

async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// A core batch error (the whole document is at fault) as an answer.
pub(crate) fn batch_error(e: InputError) -> Error {
    let status = if e.code == "invalid_json" {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let location = e.location.unwrap_or(e.pointer);
    Error::new(status, e.code, e.message).at(location)
}

/// Runs CPU-bound work on the blocking pool; a panic there is logged and answered 500.
///
/// Work still queued when its request is given up (the timeout fired, the client left) is
/// skipped, so an overloaded service does not spend its cores on answers no one will read.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    /// Marks the request as given up when the handler's future is dropped unfinished.
    struct GivenUp(Arc<AtomicBool>);
    impl Drop for GivenUp {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let given_up = Arc::new(AtomicBool::new(false));
    let guard = GivenUp(given_up.clone());
    let outcome =
        tokio::task::spawn_blocking(move || (!given_up.load(Ordering::Relaxed)).then(work)).await;
    drop(guard);
    match outcome {
        Ok(Some(value)) => Ok(value),
        // Only reachable when the request was given up, and then no one reads this.
        Ok(None) => Err(Error::for_status(StatusCode::REQUEST_TIMEOUT)),
        Err(e) => {
            tracing::error!(error = %e, "blocking task failed");
            Err(Error::internal())
        }
    }
}

/// The body of `POST /v1/appraisals`: JSON, or a workbook upload.
pub(crate) enum AppraisalBody {
    Json(AppraisalRequest),
    /// `{"projects": [...]}` alone, every project read straight from the text (see
    /// `batch::plain_projects`); appraised as the same request read as `Json` would be.
    Projects(Vec<ProjectInput>),
    Workbook(WorkbookUpload),
}

/// What a JSON body of `POST /v1/appraisals` reads into.
enum AppraisalJson {
    Document(AppraisalRequest),
    Projects(Vec<ProjectInput>),
}

/// The fields of a workbook upload, and the request's place in the concurrency limit, which
/// the appraisal keeps while it streams its answer.
pub(crate) struct WorkbookUpload {
    pub(crate) file: Vec<u8>,
    pub(crate) settings: Option<Value>,
    pub(crate) lang: Option<ApiLang>,
    pub(crate) slot: Option<HeldSlot>,
}

/// Reads the multipart fields `file`, `settings` (JSON) and `lang` from a body already read
/// within the upload limit.
async fn read_upload(
    parts: axum::http::request::Parts,
    bytes: axum::body::Bytes,
    state: &AppState,
) -> Result<WorkbookUpload, Error> {
    let slot = parts.extensions.get::<HeldSlot>().cloned();
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    let bad = |message: String| Error::new(StatusCode::BAD_REQUEST, "invalid_multipart", message);
    let mut multipart = axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|e| bad(e.body_text()))?;
    let mut upload = WorkbookUpload {
        file: Vec::new(),
        settings: None,
        lang: None,
        slot,
    };
    let mut has_file = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                upload.file = field
                    .bytes()
                    .await
                    .map_err(|e| bad(e.body_text()))?
                    .to_vec();
                has_file = true;
            }
            "settings" => {
                let text = field.text().await.map_err(|e| bad(e.body_text()))?;
                let value = parse_json(text.as_bytes()).map_err(|e| e.at("settings"))?;
                upload.settings = Some(value);
            }
            "lang" => {
                let text = field.text().await.map_err(|e| bad(e.body_text()))?;
                upload.lang = Some(match text.trim() {
                    "en" => ApiLang::En,
                    "zh" => ApiLang::Zh,
                    other => {
                        return Err(Error::invalid(
                            "lang",
                            format!("lang {other:?} is not en or zh"),
                        ));
                    }
                });
            }
            other => {
                return Err(Error::invalid(
                    other.to_owned(),
                    format!("unknown form field {other:?}; expected file, settings or lang"),
                ));
            }
        }
    }
    if !has_file {
        return Err(Error::invalid(
            "file",
            "missing the form field file: the workbook",
        ));
    }
    Ok(upload)
}

impl FromRequest<AppState> for AppraisalBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // The usual request, projects and nothing else, is read straight into projects;
        // anything else, a bad request included, is read as before, which names the problem.
        let read = |bytes: &[u8]| match plain_projects(bytes) {
            Some(projects) => Ok(AppraisalJson::Projects(projects)),
            None => from_value(&parse_json(bytes)?).map(AppraisalJson::Document),
        };
        match json_or_form_read(
            req,
            state,
            "application/json or a multipart/form-data workbook upload",
            read,
        )
        .await?
        {
            JsonOrForm::Json(AppraisalJson::Document(request)) => Ok(AppraisalBody::Json(request)),
            JsonOrForm::Json(AppraisalJson::Projects(projects)) => {
                Ok(AppraisalBody::Projects(projects))
            }
            JsonOrForm::Form(parts, bytes) => read_upload(*parts, bytes, state)
                .await
                .map(AppraisalBody::Workbook),
        }
    }
}

impl aide::OperationInput for AppraisalBody {
    fn operation_input(
        ctx: &mut aide::generate::GenContext,
        operation: &mut aide::openapi::Operation,
    ) {
        ApiJson::<AppraisalRequest>::operation_input(ctx, operation);
        document_multipart_body(
            operation,
            schemars::json_schema!({
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "contentMediaType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "description": "The filled-in project workbook (xlsx)."
                    },
                    "settings": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "description": "Batch settings as JSON, as in the JSON request."
                    },
                    "lang": {
                        "type": "string",
                        "enum": ["en", "zh"],
                        "description": "Language of the results workbook."
                    }
                }
            }),
        );
    }
}

/// The media type of xlsx files.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Documents a `multipart/form-data` body beside an operation's JSON body: aide describes a
/// multipart body as an untyped array, so the form's fields are written out by hand.
pub(crate) fn document_multipart_body(
    operation: &mut aide::openapi::Operation,
    form: schemars::Schema,
) {
    use aide::openapi::{MediaType, SchemaObject};
    let upload = MediaType {
        schema: Some(SchemaObject {
            json_schema: form,
            example: None,
            external_docs: None,
        }),
        ..Default::default()
    };
    if let Some(aide::openapi::ReferenceOr::Item(body)) = operation.request_body.as_mut() {
        body.content
            .insert("multipart/form-data".to_owned(), upload);
    }
}

/// The answer of `POST /v1/appraisals`: JSON, or the results workbook when the client's
/// `Accept` asks for xlsx.
pub(crate) enum AppraisalAnswer {
    Json(Box<AppraisalReport>),
    /// The JSON of an [`AppraisalReport`], sent as it is made (a workbook upload).
    Streamed(axum::body::Body),
    Workbook(Vec<u8>),
}

impl IntoResponse for AppraisalAnswer {
    fn into_response(self) -> Response {
        match self {
            AppraisalAnswer::Json(output) => JsonBody(output).into_response(),
            AppraisalAnswer::Streamed(body) => {
                ([(header::CONTENT_TYPE, "application/json")], body).into_response()
            }
            AppraisalAnswer::Workbook(bytes) => (
                [
                    (header::CONTENT_TYPE, XLSX),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"greenlight-results.xlsx\"",
                    ),
                ],
                bytes,
            )
                .into_response(),
        }
    }
}

impl aide::OperationOutput for AppraisalAnswer {
    type Inner = AppraisalReport;

    fn operation_response(
        ctx: &mut aide::generate::GenContext,
        operation: &mut aide::openapi::Operation,
    ) -> Option<aide::openapi::Response> {
        let mut response = Json::<AppraisalReport>::operation_response(ctx, operation)?;
        response.content.insert(
            XLSX.to_owned(),
            aide::openapi::MediaType {
                schema: Some(aide::openapi::SchemaObject {
                    json_schema: schemars::json_schema!({
                        "type": "string",
                        "contentMediaType": XLSX,
                        "description": "The results workbook, when `Accept` asks for it."
                    }),
                    example: None,
                    external_docs: None,
                }),
                ..Default::default()
            },
        );
        Some(response)
    }

    fn inferred_responses(
        ctx: &mut aide::generate::GenContext,
        operation: &mut aide::openapi::Operation,
    ) -> Vec<(Option<aide::openapi::StatusCode>, aide::openapi::Response)> {
        Self::operation_response(ctx, operation)
            .map(|r| vec![(Some(aide::openapi::StatusCode::Code(200)), r)])
            .unwrap_or_default()
    }
}

/// Whether `Accept` asks for the xlsx workbook.
fn wants_workbook(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|m| m.split(';').next().unwrap_or_default().trim() == XLSX)
        })
}

/// The language asked for: `?lang=`, else the first `Accept-Language` tag.
fn language(query: Option<ApiLang>, headers: &HeaderMap) -> Lang {
    match query {
        Some(ApiLang::Zh) => Lang::Zh,
        Some(ApiLang::En) => Lang::En,
        None => {
            let first = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if first.starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            }
        }
    }
}

async fn appraisals(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AppraisalQuery>,
    headers: HeaderMap,
    body: AppraisalBody,
) -> Result<AppraisalAnswer, Error> {
    let options = AppraisalOptions {
        trace: query.explain,
    };
    let request = match body {
        AppraisalBody::Json(request) => AppraisalJson::Document(request),
        AppraisalBody::Projects(projects) => AppraisalJson::Projects(projects),
        AppraisalBody::Workbook(upload) => {
            let lang = upload.lang.or(query.lang);
            let report = wants_workbook(&headers).then(|| ReportOptions {
                lang: language(lang, &headers),
                ..ReportOptions::default()
            });
            let request_id = headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            return crate::upload::answer_upload(upload, state, options, report, request_id).await;
        }
    };
    let one_project = match &request {
        AppraisalJson::Document(request) => request.projects.len() == 1,
        AppraisalJson::Projects(projects) => projects.len() == 1,
    };
    let workbook = wants_workbook(&headers).then(|| ReportOptions {
        lang: language(query.lang, &headers),
        ..ReportOptions::default()
    });
    // One project without its working costs about a tenth of a millisecond: handing it to
    // the blocking pool and back would cost more in thread wake-ups than it frees the
    // runtime, so it runs here. Batches, traces and workbook answers go to the pool, and
    // uploads are streamed from it (see `upload`).
    let small = one_project && workbook.is_none() && !options.trace;
    let work = move || {
        let judge: &dyn EligibilityJudge = state.rules.as_ref();
        let output = match request {
            AppraisalJson::Document(request) => {
                let mut document = serde_json::Map::new();
                if let Some(settings) = request.settings {
                    document.insert("settings".into(), Value::Object(settings));
                }
                document.insert("projects".into(), Value::Array(request.projects));
                appraise_json(
                    Value::Object(document),
                    &state.registry,
                    &options,
                    Some(judge),
                )
            }
            AppraisalJson::Projects(projects) => {
                appraise_projects(projects, &state.registry, &options, Some(judge))
            }
        };
        let report = AppraisalReport {
            output: output.map_err(batch_error)?,
            problems: Vec::new(),
        };
        match workbook {
            None => Ok(AppraisalAnswer::Json(Box::new(report))),
            Some(options) => results_workbook(&report.output, &options)
                .map(AppraisalAnswer::Workbook)
                .map_err(|e| {
                    tracing::error!(code = e.code, message = %e.message, "results workbook failed");
                    Error::internal()
                }),
        }
    };
    if small { work() } else { blocking(work).await? }
}

async fn eligibility(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<EligibilityRequest>,
) -> Result<JsonBody<EligibilityOutput>, Error> {
    let document = serde_json::json!({ "projects": request.projects });
    let output = blocking(move || {
        let judge: &dyn EligibilityJudge = state.rules.as_ref();
        appraise_json(
            document,
            &state.registry,
            &AppraisalOptions { trace: false },
            Some(judge),
        )
    })
    .await?
    .map_err(batch_error)?;
    Ok(JsonBody(EligibilityOutput {
        results: output
            .results
            .into_iter()
            .map(|r| EligibilityOutcome {
                index: r.index,
                id: r.id,
                eligibility: r.eligibility,
                errors: r.errors,
            })
            .collect(),
    }))
}

async fn rule_packs(State(state): State<AppState>) -> JsonBody<Vec<RulePackSummary>> {
    JsonBody(
        state
            .rules
            .packs()
            .iter()
            .map(RulePackSummary::of)
            .collect(),
    )
}

async fn rule_pack(
    State(state): State<AppState>,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
) -> Result<JsonBody<RulePackDetail>, Error> {
    state
        .rules
        .packs()
        .iter()
        .find(|p| p.meta.id == id)
        .map(|p| JsonBody(RulePackDetail::of(p)))
        .ok_or_else(|| {
            let known: Vec<&str> = state
                .rules
                .packs()
                .iter()
                .map(|p| p.meta.id.as_str())
                .collect();
            Error::unknown(
                "unknown_rule_pack",
                "{id}",
                format!("no rule pack {id:?}; loaded: {}", known.join(", ")),
            )
        })
}

async fn factor_sets(State(state): State<AppState>) -> JsonBody<Vec<DataSet>> {
    JsonBody(state.registry.list().cloned().collect())
}

async fn factor_set(
    State(state): State<AppState>,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
) -> Result<JsonBody<DataSet>, Error> {
    state
        .registry
        .get(&id)
        .map(|s| JsonBody(s.clone()))
        .map_err(|e| Error::unknown("unknown_factor_set", "{id}", e.message))
}

async fn calc(
    ApiPath(CalcPath { function }): ApiPath<CalcPath>,
    ApiJson(CalcArguments(mut args)): ApiJson<CalcArguments>,
) -> Result<JsonBody<CalcResult>, Error> {
    if !FUNCTIONS.contains(&function.as_str()) {
        return Err(Error::unknown(
            "unknown_function",
            "{fn}",
            format!(
                "unknown function {function:?}; known: {}",
                FUNCTIONS.join(", ")
            ),
        ));
    }
    match args.remove("fn") {
        None => {}
        Some(Value::String(f)) if f == function => {}
        Some(other) => {
            return Err(Error::invalid(
                "/fn",
                format!(
                    "fn is {other} but the path names {function:?}; leave fn out or make them agree"
                ),
            ));
        }
    }
    let value = Value::Object(args);
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(&value, &mut track);
    let request = CalcRequest::from_args(&function, de).map_err(|e| {
        Error::invalid(
            greenlight_core::batch::pointer_of(&track.path()),
            e.to_string(),
        )
    })?;
    blocking(move || evaluate(&request))
        .await?
        .map(JsonBody)
        .map_err(|e| {
            Error::new(StatusCode::UNPROCESSABLE_ENTITY, e.code.as_str(), e.message).at(e.pointer)
        })
}

/// An xlsx file to download.
pub(crate) struct XlsxFile {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

impl IntoResponse for XlsxFile {
    fn into_response(self) -> Response {
        let disposition = format!("attachment; filename=\"{}\"", self.name);
        (
            [
                (header::CONTENT_TYPE, XLSX.to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            self.bytes,
        )
            .into_response()
    }
}

impl aide::OperationOutput for XlsxFile {
    type Inner = Vec<u8>;

    fn operation_response(
        _ctx: &mut aide::generate::GenContext,
        _operation: &mut aide::openapi::Operation,
    ) -> Option<aide::openapi::Response> {
        Some(aide::openapi::Response {
            description: "An xlsx workbook.".into(),
            content: [(
                XLSX.to_owned(),
                aide::openapi::MediaType {
                    schema: Some(aide::openapi::SchemaObject {
                        json_schema: schemars::json_schema!({
                            "type": "string",
                            "contentMediaType": XLSX
                        }),
                        example: None,
                        external_docs: None,
                    }),
                    ..Default::default()
                },
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        })
    }

    fn inferred_responses(
        ctx: &mut aide::generate::GenContext,
        operation: &mut aide::openapi::Operation,
    ) -> Vec<(Option<aide::openapi::StatusCode>, aide::openapi::Response)> {
        Self::operation_response(ctx, operation)
            .map(|r| vec![(Some(aide::openapi::StatusCode::Code(200)), r)])
            .unwrap_or_default()
    }
}

async fn template(
    ApiPath(LangPath { lang }): ApiPath<LangPath>,
    ApiQuery(query): ApiQuery<TemplateQuery>,
) -> Result<XlsxFile, Error> {
    let workbook_lang = match lang.as_str() {
        "en" => Lang::En,
        "zh" => Lang::Zh,
        _ => {
            return Err(Error::unknown(
                "unknown_language",
                "{lang}",
                format!("no template in {lang:?}; available: en, zh"),
            ));
        }
    };
    let layout = match query.layout {
        TemplateLayout::Portfolio => Layout::Portfolio,
        TemplateLayout::Form => Layout::Form,
    };
    let bytes = blocking(move || write_template(workbook_lang, layout))
        .await?
        .map_err(|e| {
            tracing::error!(code = e.code, message = %e.message, "template failed");
            Error::internal()
        })?;
    Ok(XlsxFile {
        name: format!("greenlight-template-{lang}.xlsx"),
        bytes,
    })
}

/// The trivial JSON endpoint the load benchmark compares the appraisal with: it reads the
/// body exactly as the appraisal route does and answers it back.
pub(crate) async fn echo(ApiJson(value): ApiJson<Value>) -> Json<Value> {
    Json(value)
}

/// Any path no route matches.
pub(crate) async fn not_found(uri: Uri) -> Error {
    Error::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route {}", uri.path()),
    )
    .at(uri.path().to_owned())
}
