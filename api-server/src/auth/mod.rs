//! Authentication: who sent a request. x509 client certificates signed by
//! the client CA (CN = user, O = groups) and static bearer tokens from a
//! token file; anything else is anonymous and gets 401, except the health
//! endpoints. Every authenticated user may do everything for now; the RBAC
//! objects are already stored for an authorizer to read.
//!
//! Counterpart of k8s.io/apiserver `pkg/authentication/request/x509`,
//! `plugin/pkg/authenticator/token/tokenfile` and
//! `pkg/endpoints/filters/authentication.go`.

mod token;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::status::ApiError;

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Failures while loading credentials.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading token file {path}")]
    ReadTokens {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("token file {path}, line {line}: {message}")]
    BadToken {
        path: String,
        line: usize,
        message: String,
    },
}

/// The group every authenticated user is in.
pub const AUTHENTICATED: &str = "system:authenticated";

/// Paths anonymous clients may read (the documented structured
/// anonymous-authentication example: health checks only).
const ANONYMOUS_PATHS: [&str; 3] = ["/healthz", "/livez", "/readyz"];

/// An authenticated user (`user.Info`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    fn authenticated(mut self) -> Self {
        if !self.groups.iter().any(|g| g == AUTHENTICATED) {
            self.groups.push(AUTHENTICATED.into());
        }
        self
    }

    /// The user a verified client certificate names: CN is the user, each
    /// O a group. `None` without a common name.
    // k8s: staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go (CommonNameUserConversion)
    pub fn from_certificate(der: &[u8]) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let subject = cert.subject();
        let name = subject
            .iter_common_name()
            .find_map(|cn| cn.as_str().ok())?
            .to_owned();
        let groups = subject
            .iter_organization()
            .filter_map(|o| o.as_str().ok().map(str::to_owned))
            .collect();
        Some(Self {
            name,
            uid: String::new(),
            groups,
        })
    }
}

/// The user of a connection's verified client certificate, put on each of
/// its requests by the TLS listener.
#[derive(Clone, Debug)]
pub struct ClientCertificateUser(pub UserInfo);

/// Decides who each request comes from.
#[derive(Debug, Default)]
pub struct Authenticator {
    tokens: HashMap<String, UserInfo>,
}

impl Authenticator {
    /// Accepts client certificates and, when given, the tokens of a token
    /// file (`token,user,uid,"group1,group2"` per line).
    pub fn new(token_file: Option<&Path>) -> Result<Self> {
        let tokens = match token_file {
            Some(path) => token::read_file(path)?,
            None => HashMap::new(),
        };
        Ok(Self { tokens })
    }

    /// The user of `request`: `Ok(None)` for anonymous, `Err` for bad
    /// credentials.
    // k8s: staging/src/k8s.io/apiserver/pkg/authentication/request/bearertoken/bearertoken.go (AuthenticateRequest)
    fn authenticate(&self, request: &Request) -> std::result::Result<Option<UserInfo>, ()> {
        if let Some(ClientCertificateUser(user)) = request.extensions().get() {
            return Ok(Some(user.clone().authenticated()));
        }
        let Some(header) = request.headers().get(http::header::AUTHORIZATION) else {
            return Ok(None);
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or(h.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(())?;
        self.tokens
            .get(token)
            .map(|user| Some(user.clone().authenticated()))
            .ok_or(())
    }
}

/// Middleware: attaches the [`UserInfo`] to the request, or answers 401.
/// Without an authenticator (plain HTTP on loopback) every request passes.
pub async fn authenticate(
    State(authenticator): State<Option<Arc<Authenticator>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(authenticator) = authenticator else {
        return next.run(request).await;
    };
    match authenticator.authenticate(&request) {
        Ok(Some(user)) => {
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        Ok(None) if ANONYMOUS_PATHS.contains(&request.uri().path()) => next.run(request).await,
        Ok(None) | Err(()) => ApiError::unauthorized().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(authorization: Option<&str>) -> Request {
        let mut builder = http::Request::get("/api/v1/pods");
        if let Some(value) = authorization {
            builder = builder.header(http::header::AUTHORIZATION, value);
        }
        builder.body(axum::body::Body::empty()).expect("request")
    }

    #[test]
    fn bearer_tokens_name_their_user() {
        let authenticator = Authenticator {
            tokens: HashMap::from([(
                "secret".to_owned(),
                UserInfo {
                    name: "alice".into(),
                    uid: "1".into(),
                    groups: vec!["dev".into()],
                },
            )]),
        };
        let user = authenticator
            .authenticate(&request(Some("Bearer secret")))
            .expect("valid")
            .expect("user");
        assert_eq!(user.name, "alice");
        assert_eq!(user.groups, ["dev", AUTHENTICATED]);
        assert_eq!(authenticator.authenticate(&request(None)), Ok(None));
        assert!(
            authenticator
                .authenticate(&request(Some("Bearer wrong")))
                .is_err()
        );
        assert!(
            authenticator
                .authenticate(&request(Some("Basic x")))
                .is_err()
        );
    }
}
