//! 公助 supervision: the risk ranking with its reasons and versioned weights, monitoring
//! engagements (実態把握), requests (要請) and alerts (注意喚起) with their reminders, the
//! sector figures, the yearly sector report and k-anonymous peer benchmarks.

pub mod alerts;
pub mod benchmarks;
pub mod clock;
pub mod dispatch;
pub mod engagements;
pub mod figures;
pub mod ranking;
pub mod reminders;
pub mod report;
pub mod requests;
pub mod roles;
pub mod work;
