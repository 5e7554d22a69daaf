//! An axum extractor that verifies and decodes a delivery (feature `axum`).
//!
//! ```no_run
//! use axum::{Router, extract::FromRef, http::StatusCode, routing::post};
//! use linq_webhooks::{Webhook, axum::VerifiedEvent};
//!
//! #[derive(Clone)]
//! struct AppState {
//!     webhook: Webhook,
//!     // ... the rest of the app's state
//! }
//!
//! // The extractor finds the verifier through `FromRef`.
//! impl FromRef<AppState> for Webhook {
//!     fn from_ref(state: &AppState) -> Webhook {
//!         state.webhook.clone() // cheap: the secret is shared
//!     }
//! }
//!
//! async fn on_event(VerifiedEvent(event): VerifiedEvent) -> StatusCode {
//!     if let Some(message) = event.message().filter(|m| m.is_inbound()) {
//!         println!("{:?} says {:?}", message.sender(), message.texts().collect::<Vec<_>>());
//!     }
//!     StatusCode::OK
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let state = AppState { webhook: Webhook::from_env()? };
//! let app: Router = Router::new().route("/linq", post(on_event)).with_state(state);
//! # Ok(()) }
//! ```
//!
//! The extractor answers a delivery it refuses by itself (see
//! [`Rejection`]): 401 when it does not verify, 400 with the JSON path when
//! it verifies but does not decode, 413 over axum's body limit or
//! [`DEFAULT_BODY_LIMIT`], whichever is lower. The
//! body is copied into one buffer as it arrives, so a body trickled in
//! tiny pieces costs its length and no more. Redeliveries
//! reach the handler again; to run it once per event, put
//! `linq_webhooks::tower::WebhookLayer` (feature `tower`) with a
//! [`Dedupe`](crate::Dedupe) store on the route, or call
//! [`process_once`](crate::process_once) in the handler.

use axum_core::RequestExt;
use axum_core::body::Body;
use axum_core::extract::{FromRef, FromRequest, Request};
use axum_core::response::{IntoResponse, Response};

use crate::Webhook;
use crate::body::read_bounded;
pub use crate::integration::{DEFAULT_BODY_LIMIT, Rejection, VerifiedEvent};

impl<S> FromRequest<S> for VerifiedEvent
where
    Webhook: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(mut req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Already verified by the tower layer in front of the route.
        if let Some(event) = req.extensions_mut().remove::<VerifiedEvent>() {
            return Ok(event);
        }
        let webhook = Webhook::from_ref(state);
        let headers = std::mem::take(req.headers_mut());
        let body = read_bounded(req.into_limited_body(), DEFAULT_BODY_LIMIT).await?;
        crate::integration::verify_event(&webhook, &body, &headers)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.into_http_response::<Body>()
    }
}
