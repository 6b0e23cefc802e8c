//! Who is asking and what they may do: `session` (cookie or Bearer token → `Auth`), `csrf` (the header check
//! for cookie-authenticated writes), `rate_limit` (login attempts), `permissions` (roles per team).

pub mod csrf;
pub mod permissions;
pub mod rate_limit;
pub mod session;

pub use session::{Auth, MaybeAuth};
