//! 共助 sharing: the TAXII 2.1 operations on trust groups, collections and objects (with TLP
//! enforced in one place, [`taxii`]), adding objects ([`add`]), members' feedback
//! ([`feedback`]) and the hub as people use it in the UI ([`hub`]).

pub mod add;
pub mod feedback;
pub mod hub;
pub mod taxii;
