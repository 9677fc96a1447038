//! Group maturity (issue 17, point 4): a holding company's key group companies by element,
//! with each element's spread and the companies below a target level.

pub mod pages;
