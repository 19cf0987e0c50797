//! Tools → Import: an administrator uploads a WordPress export; it is imported in the
//! background (the same `actions::import` the command line runs, as that administrator) while
//! the page shows how far it has come, then the same summary the command line prints.
//!
//! The upload is streamed to a temporary file, never held in memory: exports of hundreds of
//! megabytes are normal. Its form carries the CSRF token in the address (`?_csrf=`), checked
//! with the `Origin` by [`super::csrf::check`] before the body is read, since the body is too
//! large to read first. Runs are kept in this node's memory: the progress page must be asked
//! of the node that took the upload (one node, or sticky sessions; the command line works
//! anywhere).

use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::{Frame, Signed};
use crate::AppState;
use crate::actions::Actor;
use crate::actions::import::{ImportOptions, Progress, Summary, import_wordpress};
use crate::domain::user::Capability;
use crate::error::AppError;
use crate::web::edge;

/// The upload route's address; [`super::csrf::check`] streams its body.
pub const UPLOAD_PATH: &str = "/admin/tools/import";
/// The largest export the admin accepts (the command line has no limit).
const MAX_EXPORT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The upload reads its own body, counting, instead of axum's default limit.
pub fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::disable()
}

/// Where an import is.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RunState {
    Running { pass: u8, percent: u8, items: u64 },
    Done { summary: Box<Summary>, seconds: f64 },
    Failed { message: String },
}

/// One import started from the admin.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Run {
    pub id: u64,
    pub file_name: String,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub run: RunState,
}

/// This node's imports, newest last.
#[derive(Debug, Default, Clone)]
pub struct Runs(Arc<Mutex<Vec<Run>>>);

impl Runs {
    fn update(&self, id: u64, state: RunState) {
        let mut runs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = runs.iter_mut().find(|r| r.id == id) {
            r.run = state;
        }
    }
    fn start(&self, file_name: String, started_by: String, now: DateTime<Utc>) -> u64 {
        let mut runs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let id = runs.last().map_or(1, |r| r.id + 1);
        runs.push(Run {
            id,
            file_name,
            started_by,
            started_at: now,
            run: RunState::Running {
                pass: 1,
                percent: 0,
                items: 0,
            },
        });
        id
    }
    fn list(&self) -> Vec<Run> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn get(&self, id: u64) -> Option<Run> {
        self.list().into_iter().find(|r| r.id == id)
    }
}

fn require_admin(signed: &Signed) -> Result<(), AppError> {
    if signed.staff.can(Capability::SiteTools) {
        Ok(())
    } else {
        Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "Only administrators can import a site.",
        ))
    }
}

async fn form_page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let frame = Frame::new(state, signed, "Import from WordPress", "tools").await?;
    let mut runs = state.imports().list();
    runs.reverse();
    let html = frame.render(
        state,
        "import.html",
        minijinja::context! {
            runs,
            error,
            upload_path => UPLOAD_PATH,
            max_mb => MAX_EXPORT_BYTES / 1024 / 1024,
            image_mb => crate::domain::media::MAX_UPLOAD_BYTES / 1024 / 1024,
        },
    )?;
    Ok((status, html).into_response())
}

/// The upload form and this node's imports.
pub async fn page(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    require_admin(&signed)?;
    form_page(&state, &signed, StatusCode::OK, None).await
}

/// Takes the export, starts the import in the background, and shows its progress page.
pub async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    mut form: Multipart,
) -> Result<Response, AppError> {
    require_admin(&signed)?;
    let unreadable = || {
        AppError::refused(
            StatusCode::BAD_REQUEST,
            "The upload could not be read; please try again.",
        )
    };
    let mut saved: Option<(tempfile_path::TempPath, String)> = None;
    // "Download images from the old site": public addresses only, never local ones here.
    let mut options = ImportOptions::default();
    while let Some(mut field) = form.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("fetch_media") {
            options.fetch_media = true;
            continue;
        }
        if field.name() != Some("file") {
            continue;
        }
        let name = edge::clean(field.file_name().unwrap_or("export.xml")).into_owned();
        let temp = tempfile_path::TempPath::new()?;
        let mut file = tokio::fs::File::create(temp.path()).await.map_err(|e| {
            tracing::error!(error = %e, "cannot create a file for an uploaded export");
            AppError::refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "The site cannot store the upload right now; please try again later.",
            )
        })?;
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(|_| unreadable())? {
            size += chunk.len() as u64;
            if size > MAX_EXPORT_BYTES {
                return form_page(
                    &state,
                    &signed,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Some("This export is larger than the admin accepts; import it with the command line (newsdesk import wordpress FILE)."),
                )
                .await;
            }
            tokio::io::AsyncWriteExt::write_all(&mut file, &chunk)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot write an uploaded export");
                    AppError::refused(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "The site cannot store the upload right now (is the disk full?); nothing was imported.",
                    )
                })?;
        }
        tokio::io::AsyncWriteExt::flush(&mut file)
            .await
            .map_err(|_| unreadable())?;
        if size > 0 {
            saved = Some((temp, name));
        }
    }
    let Some((temp, file_name)) = saved else {
        return form_page(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Choose the export file (.xml) to import."),
        )
        .await;
    };
    let runs = state.imports().clone();
    let id = runs.start(file_name, signed.staff.display_name.clone(), state.now());
    let staff = signed.staff.clone();
    let started = std::time::Instant::now();
    let task_state = state.clone();
    tokio::spawn(async move {
        let progress_runs = runs.clone();
        let mut report = move |p: Progress| {
            let percent = (100 * p.bytes / p.total_bytes.max(1)).min(100) as u8;
            progress_runs.update(
                id,
                RunState::Running {
                    pass: p.pass,
                    percent,
                    items: p.items,
                },
            );
        };
        let result = import_wordpress(
            task_state.store(),
            Actor::Staff(&staff),
            temp.path(),
            &options,
            task_state.now(),
            &mut report,
        )
        .await;
        drop(temp);
        runs.update(
            id,
            match result {
                Ok(summary) => RunState::Done {
                    summary: Box::new(summary),
                    seconds: started.elapsed().as_secs_f64(),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "an import from the admin stopped");
                    RunState::Failed {
                        message: e.to_string(),
                    }
                }
            },
        );
    });
    Ok(edge::see_other(&format!("{UPLOAD_PATH}/{id}")))
}

/// An import's progress (the page reloads itself while it runs) or its summary.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require_admin(&signed)?;
    let run = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.imports().get(id))
        .ok_or(AppError::NotFound)?;
    let frame = Frame::new(&state, &signed, "Import from WordPress", "tools").await?;
    let base = crate::web::origin::current();
    let html = frame.render(&state, "import_run.html", minijinja::context! { run, base })?;
    Ok(html.into_response())
}

/// A temporary file removed when dropped.
mod tempfile_path {
    use crate::error::AppError;

    pub struct TempPath(std::path::PathBuf);

    impl TempPath {
        pub fn new() -> Result<TempPath, AppError> {
            let mut bytes = [0u8; 12];
            getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
            let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            Ok(TempPath(
                std::env::temp_dir().join(format!("newsdesk-import-{name}.xml")),
            ))
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}
