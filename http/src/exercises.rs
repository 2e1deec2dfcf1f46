//! The trainee exercise routes: the catalogue without its keys, the grader (JSON answers or
//! an uploaded answer workbook) and the blank answer workbook. Keys never leave the service:
//! a course platform grades through `check`.

use aide::axum::ApiRouter;
use aide::axum::routing::{get_with, post_with};
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use greenlight_core::batch::EligibilityJudge;
use greenlight_workbooks::Lang;
use greenlight_workbooks::exercise::{
    self, Exercise, ExerciseSummary, Report, answers_from_json, check, check_workbook,
};
use serde_json::Value;

use crate::AppState;
use crate::api::{
    ApiLang, ExerciseCheckQuery, ExerciseCheckRequest, ExerciseWorkbookQuery, IdPath,
};
use crate::error::Error;
use crate::extract::{ApiJson, ApiPath, ApiQuery, JsonOrForm, json_or_form};
use crate::json_body::JsonBody;
use crate::routes::{
    XLSX, XlsxFile, blocking, body_errors, common_errors, document_multipart_body, unknown_item,
};

/// The exercise routes, merged into the documented routes.
pub(crate) fn routes() -> ApiRouter<AppState> {
    const UNKNOWN: &str = "No exercise with this id or number (`unknown_exercise`).";
    ApiRouter::new()
        .api_route(
            "/v1/exercises",
            get_with(list, |op| {
                common_errors(op)
                    .summary("The trainee exercises, without their answer keys")
                    .tag("exercises")
            }),
        )
        .api_route(
            "/v1/exercises/{id}",
            get_with(show, |op| {
                unknown_item(common_errors(op), UNKNOWN)
                    .summary("One exercise: brief and questions, without the answer key")
                    .description(
                        "`{id}` is the exercise id (`lifecycle-pumps`) or its number (`3`).",
                    )
                    .tag("exercises")
            }),
        )
        .api_route(
            "/v1/exercises/{id}/check",
            post_with(check_answers, |op| {
                unknown_item(body_errors(common_errors(op)), UNKNOWN)
                    .summary("Grade a trainee's answers")
                    .description(
                        "JSON `{\"answers\": {\"q1\": 79031.45, ...}}` or a multipart upload of \
                         the answer workbook (field `file`, read within the workbook limits; \
                         sheet `Answers`, `id | question | value | unit`). Each question is \
                         right, wrong, missing or unreadable, located at its JSON pointer or \
                         `Answers!C<row>`; a wrong answer names the common mistake it matches \
                         and the step to revisit. An answer sheet that cannot be graded (an \
                         unknown or repeated question, no `Answers` sheet, not a workbook) is \
                         422 with its `Sheet!Cell`, JSON pointer or `file`.",
                    )
                    .tag("exercises")
            }),
        )
        .api_route(
            "/v1/exercises/{id}/workbook",
            get_with(workbook, |op| {
                unknown_item(common_errors(op), UNKNOWN)
                    .summary("The blank answer workbook (xlsx) of an exercise")
                    .description("`?lang=en` (default) or `zh`.")
                    .tag("exercises")
            }),
        )
}

/// A failure of the exercise library as an answer: an unknown exercise is 404 at `{id}`, a
/// catalogue that does not load is internal, anything else is a rejected answer sheet (422 at
/// its cell or pointer, or at `file` when the whole file is at fault).
fn exercise_error(e: greenlight_workbooks::Error) -> Error {
    match e.code {
        "unknown_exercise" => Error::unknown("unknown_exercise", "{id}", e.message),
        "invalid_json" => Error::new(StatusCode::BAD_REQUEST, e.code, e.message),
        _ => {
            let location = if e.location.is_empty() {
                "file".to_owned()
            } else {
                e.location
            };
            Error::new(StatusCode::UNPROCESSABLE_ENTITY, e.code, e.message).at(location)
        }
    }
}

/// The catalogue, or 500: it is embedded in the binary, so a failure is ours.
fn catalogue() -> Result<Vec<Exercise>, Error> {
    exercise::catalogue().map_err(|e| {
        tracing::error!(code = e.code, message = %e.message, location = %e.location, "exercise catalogue failed");
        Error::internal()
    })
}

/// The exercise `{id}` names (its id or number).
fn find(id: &str) -> Result<Exercise, Error> {
    let mut all = catalogue()?;
    let wanted = id.trim();
    match all
        .iter()
        .position(|e| e.id == wanted || wanted.parse::<u32>().is_ok_and(|n| n == e.number))
    {
        Some(i) => Ok(all.swap_remove(i)),
        None => {
            let known: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
            Err(Error::unknown(
                "unknown_exercise",
                "{id}",
                format!("no exercise {wanted:?}; known: {}", known.join(", ")),
            ))
        }
    }
}

async fn list() -> Result<JsonBody<Vec<ExerciseSummary>>, Error> {
    let all = blocking(catalogue).await??;
    Ok(JsonBody(all.iter().map(Exercise::summary).collect()))
}

async fn show(ApiPath(IdPath { id }): ApiPath<IdPath>) -> Result<JsonBody<ExerciseSummary>, Error> {
    let found = blocking(move || find(&id)).await??;
    Ok(JsonBody(found.summary()))
}

/// The body of `POST /v1/exercises/{id}/check`.
pub(crate) enum AnswerSheet {
    Json(ExerciseCheckRequest),
    Workbook(Vec<u8>),
}

/// Reads the one multipart field `file` from a body already read within the upload limit.
async fn read_answer_upload(
    parts: axum::http::request::Parts,
    bytes: axum::body::Bytes,
    state: &AppState,
) -> Result<Vec<u8>, Error> {
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    let bad = |message: String| Error::new(StatusCode::BAD_REQUEST, "invalid_multipart", message);
    let mut multipart = axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|e| bad(e.body_text()))?;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            return Err(Error::invalid(
                name.clone(),
                format!("unknown form field {name:?}; expected file, the answer workbook"),
            ));
        }
        file = Some(
            field
                .bytes()
                .await
                .map_err(|e| bad(e.body_text()))?
                .to_vec(),
        );
    }
    file.ok_or_else(|| Error::invalid("file", "missing the form field file: the answer workbook"))
}

impl FromRequest<AppState> for AnswerSheet {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match json_or_form(
            req,
            state,
            "application/json answers or a multipart/form-data answer workbook upload",
        )
        .await?
        {
            JsonOrForm::Json(request) => Ok(AnswerSheet::Json(request)),
            JsonOrForm::Form(parts, bytes) => read_answer_upload(*parts, bytes, state)
                .await
                .map(AnswerSheet::Workbook),
        }
    }
}

impl aide::OperationInput for AnswerSheet {
    fn operation_input(
        ctx: &mut aide::generate::GenContext,
        operation: &mut aide::openapi::Operation,
    ) {
        ApiJson::<ExerciseCheckRequest>::operation_input(ctx, operation);
        document_multipart_body(
            operation,
            schemars::json_schema!({
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "contentMediaType": XLSX,
                        "description": "The filled-in answer workbook (xlsx), as downloaded from `GET /v1/exercises/{id}/workbook`."
                    }
                }
            }),
        );
    }
}

async fn check_answers(
    State(state): State<AppState>,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiQuery(query): ApiQuery<ExerciseCheckQuery>,
    sheet: AnswerSheet,
) -> Result<JsonBody<Report>, Error> {
    blocking(move || {
        let found = find(&id)?;
        let judge: &dyn EligibilityJudge = state.rules.as_ref();
        let report = match sheet {
            AnswerSheet::Json(request) => {
                if let Some(named) = &request.exercise {
                    let same = match named {
                        Value::String(s) => s.trim() == found.id || s.trim() == found.number.to_string(),
                        Value::Number(n) => n.as_u64() == Some(u64::from(found.number)),
                        _ => false,
                    };
                    if !same {
                        return Err(Error::invalid(
                            "/exercise",
                            format!(
                                "the answers name exercise {named} but the path names {} ({}); leave exercise out or make them agree",
                                found.id, found.number
                            ),
                        ));
                    }
                }
                let document = serde_json::json!({ "answers": Value::Object(request.answers) });
                answers_from_json(&document)
                    .and_then(|answers| check(&found, &answers, &state.registry, judge))
            }
            AnswerSheet::Workbook(bytes) => {
                check_workbook(&bytes, Some(&found.id), &state.registry, judge)
            }
        };
        report
            .map(|r| {
                if query.reveal_keys {
                    r
                } else {
                    r.holding_keys_back()
                }
            })
            .map(JsonBody)
            .map_err(exercise_error)
    })
    .await?
}

async fn workbook(
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiQuery(query): ApiQuery<ExerciseWorkbookQuery>,
) -> Result<XlsxFile, Error> {
    let (lang, code) = match query.lang {
        Some(ApiLang::Zh) => (Lang::Zh, "zh"),
        Some(ApiLang::En) | None => (Lang::En, "en"),
    };
    blocking(move || {
        let found = find(&id)?;
        let bytes = exercise::answer_workbook(&found, lang).map_err(|e| {
            tracing::error!(code = e.code, message = %e.message, "answer workbook failed");
            Error::internal()
        })?;
        Ok(XlsxFile {
            name: format!(
                "greenlight-exercise-{:02}-{}-{code}.xlsx",
                found.number, found.id
            ),
            bytes,
        })
    })
    .await?
}
