//! Monitoring engagements (実態把握): plan, notes per viewpoint, follow-ups, findings.

pub mod pages;
