//! 自助 posture: assessments against catalogs (the built-in FSA 2020 viewpoints or imported
//! OSCAL catalogs), evidence, the risk register, findings followed to verified closure,
//! mappings between catalogs, the management report and the group roll-up, OSCAL export.

pub mod assessments;
pub mod catalogs;
pub mod evidence;
pub mod findings;
pub mod mappings;
pub mod maturity;
pub mod oscal_export;
pub mod report;
pub mod risks;
pub mod work;
