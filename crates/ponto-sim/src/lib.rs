//! A Ponto (MyPonto.com) API simulator on loopback, for tests, `ponto2camt demo` and
//! `ponto2camt simulate`. It follows `shared/reference/ponto-api.md`, not the project's
//! client, so the client is never tested against its own assumptions.
//!
//! Hand-written HTTP/1.1 on `std::net` (thread per connection, keep-alive) so that faults
//! can be injected at the byte level: resets, truncated bodies, slow answers.

mod admin;
mod api;
mod booking;
mod catalog;
mod dates;
mod decimal;
mod faults;
mod generate;
mod http;
mod json;
mod listing;
mod model;
mod paging;
mod refs;
mod render;
mod response;
mod rng;
mod server;
mod world;

pub use booking::{Booker, BookingSchedule};
pub use faults::{Fault, FaultKind};
pub use listing::ListingOrder;
pub use model::{NewTransaction, SimAccount, SimOrganization};
pub use rng::Rng;
pub use server::{LoggedRequest, SimConfig, Simulator, serve_forever};
