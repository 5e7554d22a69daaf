//! The transport layer of linq-rs: one small, object-safe trait that sends an
//! [`http::Request`] and returns an [`http::Response`], bodies as [`Bytes`].
//!
//! Transports move bytes and nothing else. Authentication, retries, timeouts
//! per call and error decoding live in `linq-client`, so they behave the same
//! over every transport. Two come with the crate:
//!
//! - [`HyperTransport`] (feature `hyper`, on by default): a pooled client on
//!   hyper's connection API, HTTP/1.1 and HTTP/2, TLS through rustls.
//! - [`InMemoryTransport`]: hands each request to an in-process handler, with
//!   no sockets; it can record what it saw.
//!
//! With the `tower` feature, `TowerTransport` makes any tower service a
//! transport (so tower and tower-http layers sit under the client's policy)
//! and `TransportService` makes any transport a tower service (so those
//! layers can wrap [`HyperTransport`]); the `tower` module's docs say which
//! concerns belong in layers and which (retries) must stay in the client.
//!
//! # Features
//!
//! | feature | default | what it adds | what it pulls in |
//! |---|---|---|---|
//! | `hyper` | yes | [`HyperTransport`] | hyper, hyper-util, h2, tokio-rustls, rustls (ring, TLS 1.2 and 1.3), webpki-roots, http-body-util, tokio (`rt`, `time`, `net`, `sync`), tower-service |
//! | `tower` | no | `TowerTransport`, `TransportService` | tower-service only |
//!
//! Without features the crate is the trait, [`InMemoryTransport`] and
//! [`TransportError`], on bytes, http and thiserror alone.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub use bytes::Bytes;

mod error;
#[cfg(feature = "hyper")]
mod hyper_transport;
mod memory;
#[cfg(feature = "hyper")]
mod pool;
#[cfg(feature = "hyper")]
mod proxy;
#[cfg(feature = "hyper")]
mod sniff;
#[cfg(feature = "tower")]
mod tower;
mod transport;

pub use error::{BoxError, TransportError};
#[cfg(feature = "hyper")]
pub use hyper_transport::{HyperTransport, HyperTransportBuilder};
pub use memory::{Handler, InMemoryTransport, RecordedRequest};
#[cfg(feature = "tower")]
pub use tower::{TowerTransport, TransportService};
pub use transport::{BoxFuture, SendOptions, Transport};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
