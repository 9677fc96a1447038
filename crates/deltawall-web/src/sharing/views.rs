//! Page models of the sharing hub, and how a TLP marking is shown.

use crate::layout::{CursorPager, Layout, format_time, path_segment};
use askama::Template;

/// Sharing home: trust groups and collections.
#[derive(Template)]
#[template(path = "sharing/home.html")]
pub struct SharingPage {
    /// Layout.
    pub l: Layout,
    /// One page of the caller's trust groups.
    pub groups: Vec<deltawall_app::sharing::hub::TrustGroup>,
    /// The next page and back to the first.
    pub pager: crate::layout::CursorPager,
}

/// A collection's objects.
#[derive(Template)]
#[template(path = "sharing/collection.html")]
pub struct SharingCollectionPage {
    /// Layout.
    pub l: Layout,
    /// API root id.
    pub root: String,
    /// The listing.
    pub listing: deltawall_app::sharing::hub::Listing,
    /// Pager.
    pub pager: CursorPager,
    /// Type filter.
    pub object_type: String,
    /// Whether ended objects are listed.
    pub include_ended: bool,
    /// Types offered by the filter.
    pub types: Vec<String>,
}

/// One shared object.
#[derive(Template)]
#[template(path = "sharing/object.html")]
pub struct SharingObjectPage {
    /// Layout.
    pub l: Layout,
    /// API root id.
    pub root: String,
    /// The object and what goes with it.
    pub d: deltawall_app::sharing::hub::Detail,
    /// The object's JSON, indented.
    pub pretty: String,
    /// Whether the caller may record a sighting or an opinion (an indicator, a read grant,
    /// a role that may change shared data).
    pub can_feedback: bool,
    /// A refused sighting's or opinion's reason.
    pub error: Option<String>,
    /// The opinion scale: each STIX value with its label.
    pub opinions: Vec<(&'static str, &'static str)>,
}

/// The publish forms.
#[derive(Template)]
#[template(path = "sharing/publish.html")]
pub struct SharingPublishPage {
    /// Layout.
    pub l: Layout,
    /// API root id.
    pub root: String,
    /// The collection.
    pub collection: deltawall_store::sharing::Collection,
    /// Indicators the caller sees, for a report's references.
    pub indicators: Vec<deltawall_app::sharing::hub::Item>,
    /// TLP choices: (form value, label).
    pub tlps: Vec<(String, String)>,
    /// Organisations a TLP:RED object may name as recipients: (id, name).
    pub members: Vec<(String, String)>,
    /// Why the last attempt was refused.
    pub error: Option<String>,
}

impl Layout {
    /// The CSS class and label of a TLP badge.
    pub fn tlp(&self, t: &deltawall_stix::Tlp) -> (&'static str, &'static str) {
        use deltawall_stix::Tlp;
        let class = match t {
            Tlp::Clear => "tlp tlp-clear",
            Tlp::Green => "tlp tlp-green",
            Tlp::Amber => "tlp tlp-amber",
            Tlp::AmberStrict => "tlp tlp-amber-strict",
            Tlp::Red => "tlp tlp-red",
        };
        (class, t.name())
    }

    /// Label of an indicator's standing.
    pub fn standing(&self, s: &deltawall_stix::feedback::Standing) -> &'static str {
        self.t(&format!("standing-{}", s.code()))
    }

    /// A score as a whole number.
    pub fn score(&self, s: &f64) -> String {
        format!("{:.0}", s)
    }

    /// Formats an optional instant in Japan time.
    pub fn instant(&self, t: &Option<jiff::Timestamp>) -> String {
        t.map_or_else(|| "—".into(), |t| format_time(t.as_microsecond()))
    }

    /// Opinion labels with their counts.
    pub fn opinions(&self, counts: &[u32; 5]) -> Vec<(&'static str, u32)> {
        deltawall_stix::feedback::Opinion::ALL
            .iter()
            .map(|o| {
                (
                    self.t(&format!("opinion-{}", o.code())),
                    counts[*o as usize],
                )
            })
            .collect()
    }

    /// Percent-encodes a path segment.
    pub fn seg(&self, s: &str) -> String {
        path_segment(s)
    }
}
