//! Coordination rooms of large incidents (`/coordination…` pages and
//! `/api/v1/coordination/rooms…`): the rooms the caller's organisation is a member of, the
//! declaration of a new one by supervisory staff, and a room's status board, relay
//! messages with TLP and linked cases. A room outside the caller's membership is not found;
//! the service decides everything (`deltawall_app::incidents::rooms`).

pub mod api;
pub mod pages;
