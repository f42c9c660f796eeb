//! Who is asking: credentials (a session cookie or a bearer token) to a
//! user, CSRF for cookie sessions, the client's address; and the account
//! routes (login, logout, me, password) and the audit log's route.
//!
//! Every API route but login and the API description takes a [`Caller`];
//! the extractor is the one place a request is authenticated.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::tally::Note;
use super::{blocking, ApiError, AppState, ProxyMode};
use arshif::audit::{Action, AuditFilter, Event};
use arshif::auth::{self, Accounts, Permission, Secret, User};
use arshif::types::DocId;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "arshif_session";
/// The header that carries a session's CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The web UI's session cookie; `csrf` must accompany every
    /// state-changing request.
    Session { id: Secret, csrf: String },
    /// `Authorization: Bearer <token>`.
    Token,
}

/// An authenticated request, which may still owe a password change.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub credential: Credential,
    pub client: Client,
}

/// An authenticated request from a user in good standing (no one-time
/// password left to replace).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub client: Client,
}

/// Where a request came from.
#[derive(Debug, Clone)]
pub struct Client {
    pub address: String,
    /// Reached over TLS (through a trusted proxy): cookies are `Secure`.
    pub tls: bool,
}

impl Caller {
    /// 403 unless the user's role allows `p`.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.user.may(p) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "forbidden",
                format!("a user with the role {} may not do this", self.user.role),
            ))
        }
    }

    /// An audit entry by this caller.
    pub fn event(&self, action: Action) -> Event {
        Event::new(&self.user.name, &self.client.address, action)
    }

    /// The caller as the use cases (`arshif::app`) see it.
    pub fn actor(&self) -> arshif::app::Actor {
        arshif::app::Actor {
            name: self.user.name.clone(),
            address: self.client.address.clone(),
            scope: self.user.scope(),
            manages_records: self.user.may(arshif::auth::Permission::ManageRecords),
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(client(parts, state.proxy))
    }
}

fn client(parts: &Parts, proxy: ProxyMode) -> Client {
    let peer: Option<IpAddr> = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    let trusted = proxy == ProxyMode::TrustLoopbackProxy && peer.is_some_and(|p| p.is_loopback());
    if trusted {
        // The proxy appends the address it saw: only the last entry is the
        // proxy's word; earlier ones are whatever the client sent.
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|a| a.trim().parse::<IpAddr>().ok());
        let tls = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
        if let Some(a) = forwarded {
            return Client {
                address: a.to_string(),
                tls,
            };
        }
        return Client {
            address: peer.map_or("unknown".into(), |p| p.to_string()),
            tls,
        };
    }
    Client {
        address: peer.map_or("unknown".into(), |p| p.to_string()),
        tls: false,
    }
}

/// The value of a cookie in the request.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn bearer(headers: &HeaderMap) -> Option<Result<&str, ApiError>> {
    let v = headers.get(header::AUTHORIZATION)?;
    let bad = || {
        ApiError::unauthorized(
            "bad_credentials",
            "the Authorization header must be `Bearer <token>`",
        )
    };
    let v = match v.to_str() {
        Ok(v) => v.trim(),
        Err(_) => return Some(Err(bad())),
    };
    match v.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Some(Ok(token.trim()))
        }
        _ => Some(Err(bad())),
    }
}

fn not_logged_in() -> ApiError {
    ApiError::unauthorized(
        "not_logged_in",
        "log in, or send an API token as `Authorization: Bearer <token>`",
    )
}

impl FromRequestParts<Arc<AppState>> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let client = client(parts, state.proxy);
        let token = match bearer(&parts.headers) {
            Some(t) => Some(t?.to_string()),
            None => None,
        };
        let session = cookie(&parts.headers, SESSION_COOKIE).map(str::to_string);
        let st = state.clone();
        let found = blocking(move || {
            st.with_accounts(|c| {
                let accounts = Accounts::new(c);
                if let Some(t) = token {
                    return Ok(accounts
                        .token_user(&Secret::presented(&t))?
                        .map(|u| (u, Credential::Token)));
                }
                if let Some(s) = session {
                    let id = Secret::presented(&s);
                    return Ok(accounts
                        .session_user(&id)?
                        .map(|(u, csrf)| (u, Credential::Session { id, csrf })));
                }
                Ok(None)
            })
        })
        .await?;
        let Some((user, credential)) = found else {
            return Err(not_logged_in());
        };
        super::ops::record_user(&user.name);
        // A page on another site can make the browser send the cookie (were
        // it not SameSite=Strict) but cannot read the CSRF token.
        if let Credential::Session { csrf, .. } = &credential {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !safe && !auth::constant_time_eq(sent, csrf) {
                return Err(ApiError::forbidden(
                    "csrf_failed",
                    "the request did not carry this session's CSRF token (the X-CSRF-Token header); reload the page",
                ));
            }
        }
        Ok(Authenticated {
            user,
            credential,
            client,
        })
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let a = Authenticated::from_request_parts(parts, state).await?;
        if a.user.must_change_password {
            return Err(ApiError::forbidden(
                "password_change_required",
                "choose a new password first (POST /api/password): this one was for one use",
            ));
        }
        Ok(Caller {
            user: a.user,
            client: a.client,
        })
    }
}

/// `Query`, with malformed parameters answered in the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(ApiError::from)?;
        Ok(ApiQuery(v))
    }
}

/// `Json`, with a malformed body answered in the API's error shape. The
/// body must be a JSON object (serde would otherwise read a struct from an
/// array, field by field).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(v) = Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(ApiError::from)?;
        let bad =
            |message: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_body", message);
        if !v.is_object() {
            return Err(bad("the body must be a JSON object".into()));
        }
        serde_json::from_value(v)
            .map(ApiJson)
            .map_err(|e| bad(format!("the JSON body does not fit: {e}")))
    }
}

/// The session cookie: HttpOnly (scripts cannot read it), SameSite=Strict
/// (other sites cannot send it), Secure when the client came over TLS.
fn session_cookie(value: &str, max_age: i64, tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("cookie value is ASCII")
}

fn me_json(user: &User, csrf: Option<&str>) -> serde_json::Value {
    json!({
        "user": user.name,
        "role": user.role,
        "branches": user.branches,
        "must_change_password": user.must_change_password,
        "csrf_token": csrf,
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginBody {
    user: String,
    password: String,
}

/// Start a session for `user`, replacing `old` (never reusing an id the
/// client brought: no session fixation). Returns the answer with the cookie.
fn start_session(
    s: &AppState,
    user: &User,
    old: Option<Secret>,
    client: &Client,
) -> Result<Response, ApiError> {
    let (id, csrf) = s.with_accounts(|c| {
        let accounts = Accounts::new(c);
        if let Some(old) = &old {
            accounts.end_session(old)?;
        }
        Ok(accounts.create_session(user.id, s.session_lifetime)?)
    })?;
    let cookie = session_cookie(id.expose(), s.session_lifetime.num_seconds(), client.tls);
    let mut resp = Json(me_json(user, Some(&csrf))).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// A turn to check a password. Password checks (argon2, about 19 MiB
/// each) run a few at a time; a burst waits its turn briefly, and beyond
/// that is told to come back: a flood of logins cannot exhaust memory.
async fn password_check(s: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    match tokio::time::timeout(
        s.login.wait_for_check,
        s.password_checks.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => Ok(permit),
        _ => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                "too many logins at once; try again in a moment",
            );
            e.retry_after = Some(1);
            Err(e)
        }
    }
}

impl AppState {
    /// The answer to a login refused by the throttle. The refusal is
    /// audited as a count per address (see [`super::tally`]).
    async fn throttled(
        self: &Arc<Self>,
        name: &str,
        address: &str,
        wait: std::time::Duration,
    ) -> Result<ApiError, ApiError> {
        if self
            .refusals
            .note(THROTTLED, "", address, name, Instant::now())
            == Note::Write
        {
            self.audit(
                Event::new(name, address, Action::LoginFailed)
                    .detail(json!({"reason": "throttled"})),
            )
            .await?;
        }
        let secs = wait.as_secs().max(1);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed logins; try again in {secs} seconds"),
        );
        e.retry_after = Some(secs);
        Ok(e)
    }
}

/// The tally's kind for throttled logins.
pub(super) const THROTTLED: &str = "throttled";

/// `POST /api/login` with `{"user","password"}` (JSON only: a form on
/// another site cannot send it).
pub async fn login(
    State(s): State<Arc<AppState>>,
    client: Client,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let old = cookie(&headers, SESSION_COOKIE).map(Secret::presented);
    let name = body.user.trim().to_string();
    // A name no account can have is refused before it is logged anywhere:
    // the audit log records only names that could be someone's.
    if auth::check_user_name(&name).is_err() {
        return Err(ApiError::bad_request(
            "bad_user_name",
            "a user name is 1 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    // A locked name or address is refused without waiting for a check.
    if let Err(wait) = s.throttle.check(&name, &client.address, Instant::now()) {
        return Err(s.throttled(&name, &client.address, wait).await?);
    }
    // Password checks (argon2, about 19 MiB each) run a few at a time; a
    // burst waits its turn briefly, and beyond that is told to come back.
    let permit = password_check(&s).await?;
    // Counted before the check, in one step with the lock check: logins
    // that arrive together cannot all slip in under the limit.
    if let Err(wait) = s.throttle.begin(&name, &client.address, Instant::now()) {
        drop(permit);
        return Err(s.throttled(&name, &client.address, wait).await?);
    }
    let st = s.clone();
    let (n, password) = (name.clone(), body.password);
    let user = s
        .check_password(permit, move || {
            let creds = st.with_accounts(|c| Ok(Accounts::new(c).credentials(&n)?))?;
            Ok(match creds {
                // A disabled user is refused like a wrong password.
                Some((user, hash)) if auth::verify_password(&hash, &password) && !user.disabled => {
                    Some(user)
                }
                Some(_) => None,
                None => {
                    auth::verify_nothing(&password);
                    None
                }
            })
        })
        .await?;
    let Some(user) = user else {
        s.audit(
            Event::new(&name, &client.address, Action::LoginFailed)
                .detail(json!({"reason": "bad_credentials"})),
        )
        .await?;
        return Err(ApiError::unauthorized(
            "bad_credentials",
            "wrong user name or password",
        ));
    };
    s.throttle.succeeded(&name, &client.address);
    s.audit(Event::new(&user.name, &client.address, Action::Login))
        .await?;
    let st = s.clone();
    blocking(move || start_session(&st, &user, old, &client)).await
}

/// `POST /api/logout`: ends the session and clears the cookie.
pub async fn logout(
    State(s): State<Arc<AppState>>,
    who: Authenticated,
) -> Result<Response, ApiError> {
    if let Credential::Session { id, .. } = &who.credential {
        let (st, id) = (s.clone(), id.clone());
        blocking(move || st.with_accounts(|c| Ok(Accounts::new(c).end_session(&id)?))).await?;
    }
    s.audit(Event::new(
        &who.user.name,
        &who.client.address,
        Action::Logout,
    ))
    .await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0, who.client.tls));
    Ok(resp)
}

/// `GET /api/me`: who the credentials belong to (and, for a session, its
/// CSRF token).
pub async fn me(who: Authenticated) -> Response {
    let csrf = match &who.credential {
        Credential::Session { csrf, .. } => Some(csrf.as_str()),
        Credential::Token => None,
    };
    let mut resp = Json(me_json(&who.user, csrf)).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[derive(Debug, Deserialize)]
pub struct PasswordBody {
    current: String,
    new: String,
}

/// `POST /api/password` with `{"current","new"}`: replaces the password,
/// ends every session of the user and starts a fresh one for this client.
pub async fn password(
    State(s): State<Arc<AppState>>,
    who: Authenticated,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<Response, ApiError> {
    let name = who.user.name.clone();
    let permit = password_check(&s).await?;
    if let Err(wait) = s.throttle.begin(&name, &who.client.address, Instant::now()) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many wrong passwords; try again later",
        );
        e.retry_after = Some(wait.as_secs().max(1));
        return Err(e);
    }
    let st = s.clone();
    let n = name.clone();
    let address = who.client.address.clone();
    let ok = s
        .check_password(permit, move || {
            let (_, hash) = st
                .with_accounts(|c| Ok(Accounts::new(c).credentials(&n)?))?
                .ok_or_else(not_logged_in)?;
            if !auth::verify_password(&hash, &body.current) {
                return Ok(false);
            }
            st.throttle.succeeded(&n, &address);
            if body.new == body.current {
                return Err(ApiError::bad_request(
                    "same_password",
                    "the new password must differ from the current one",
                ));
            }
            let new_hash = auth::hash_password(&body.new)?;
            st.with_accounts(|c| Ok(Accounts::new(c).set_password(&n, &new_hash, false)?))?;
            Ok(true)
        })
        .await?;
    if !ok {
        return Err(ApiError::forbidden(
            "wrong_password",
            "the current password is wrong",
        ));
    }
    if who.user.must_change_password {
        // The first administrator's one-time password is spent: its file
        // goes.
        let file = s.archive.root().join(super::ADMIN_PASSWORD_FILE);
        let mine = std::fs::read_to_string(&file)
            .is_ok_and(|t| t.lines().next() == Some(&format!("user: {name}")));
        if mine {
            if let Err(e) = std::fs::remove_file(&file) {
                tracing::warn!("cannot remove {}: {e}", file.display());
            }
        }
    }
    s.audit(
        Event::new(&name, &who.client.address, Action::PasswordChange)
            .detail(json!({"user": name})),
    )
    .await?;
    let st = s.clone();
    blocking(move || {
        let user = st
            .with_accounts(|c| Ok(Accounts::new(c).user(&name)?))?
            .ok_or_else(not_logged_in)?;
        match who.credential {
            Credential::Session { .. } => start_session(&st, &user, None, &who.client),
            Credential::Token => Ok(Json(me_json(&user, None)).into_response()),
        }
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct AuditParams {
    user: Option<String>,
    doc: Option<String>,
    since: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

fn number<T: std::str::FromStr>(v: Option<&str>, what: &str) -> Result<Option<T>, ApiError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ApiError::bad_request("bad_parameter", format!("{what} {v:?} is not a number"))
        }),
    }
}

/// `GET /api/audit`: for administrators and auditors.
pub async fn audit(
    State(s): State<Arc<AppState>>,
    who: Caller,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Response, ApiError> {
    who.require(Permission::ReadAudit)?;
    let since = match p.since.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(
            v.parse::<chrono::NaiveDate>()
                .map_err(|_| {
                    ApiError::bad_request("bad_date", format!("since {v:?}: give YYYY-MM-DD"))
                })?
                .and_time(chrono::NaiveTime::MIN)
                .and_utc(),
        ),
    };
    let filter = AuditFilter {
        actor: p.user.filter(|u| !u.is_empty()),
        document: super::handlers::in_range(
            number::<i64>(p.doc.as_deref(), "doc")?,
            1..=i64::MAX,
            "doc",
        )?
        .map(DocId),
        since,
        before: super::handlers::in_range(
            number(p.before.as_deref(), "before")?,
            1..=i64::MAX,
            "before",
        )?,
        limit: super::handlers::in_range(
            number::<usize>(p.limit.as_deref(), "limit")?,
            1..=1000,
            "limit",
        )?
        .unwrap_or(100),
    };
    // The read itself is audited: who looked at whose trail.
    let asked = json!({
        "user": filter.actor.as_deref().map(|u| u.chars().take(64).collect::<String>()),
        "doc": filter.document.map(|d| d.0),
        "since": p.since.as_deref().map(|v| v.chars().take(32).collect::<String>()),
        "before": filter.before,
        "limit": filter.limit,
    });
    let st = s.clone();
    let entries = blocking(move || Ok(st.archive.audit_log()?.list(&filter)?)).await?;
    s.audit(who.event(Action::AuditRead).detail(json!({
        "filter": asked,
        "entries": entries.len(),
    })))
    .await?;
    Ok(Json(json!({ "entries": entries })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; arshif_session=abc123 ; x=y"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc123"));
        assert_eq!(cookie(&h, "nope"), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_and_secure_over_tls() {
        let plain = session_cookie("v", 60, false);
        let plain = plain.to_str().unwrap();
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        assert!(session_cookie("v", 60, true)
            .to_str()
            .unwrap()
            .ends_with("; Secure"));
    }
}
