//! A Ponto (MyPonto.com) API simulator on loopback, for tests, `ponto2camt demo` and
//! `ponto2camt simulate`. It follows `shared/reference/ponto-api.md`, not the project's
//! client, so the client is never tested against its own assumptions.
//!
//! Hand-written HTTP/1.1 on `std::net` (thread per connection, keep-alive) so that faults
//! can be injected at the byte level: resets, truncated bodies, slow answers.

mod api;
mod catalog;
mod dates;
mod decimal;
mod faults;
mod generate;
mod http;
mod json;
mod model;
mod paging;
mod refs;
mod render;
mod response;
mod rng;
mod server;
mod world;

pub use faults::{Fault, FaultKind};
pub use model::{NewTransaction, SimAccount, SimOrganization};
pub use server::{LoggedRequest, SimConfig, Simulator, serve_forever};
