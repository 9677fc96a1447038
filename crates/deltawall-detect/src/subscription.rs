//! The flags of an indicator subscription, shared by `scan --follow` and `detect`. This
//! crate only matches: the `deltawall` binary polls the TAXII collections and replaces
//! the engine's [`SharedIndicators`](crate::indicators::SharedIndicators) as they change.

/// Where shared indicators come from while an engine runs, and whether matches go back
/// to the hub as sightings.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SubscriptionArgs {
    /// A TAXII 2.1 collection to take indicators from while running (repeatable): its URL,
    /// e.g. `https://hub.example.jp/taxii2/isac/collections/shared/`. New versions,
    /// revocations and expiries apply without a restart.
    #[arg(long = "taxii-collection", value_name = "URL")]
    pub taxii_collection: Vec<String>,
    /// The bearer API token for the collections; prefer the environment variable, which
    /// `ps` does not show. (Not tied to `--taxii-collection` by clap: a token exported for
    /// `deltawall taxii` must not stop a plain scan.)
    #[arg(long, env = "DELTAWALL_TAXII_TOKEN", hide_env_values = true)]
    pub taxii_token: Option<String>,
    /// Seconds between two polls of each collection (`added_after` the last object seen).
    #[arg(long, value_name = "SECS", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub taxii_poll: u64,
    /// Post a STIX sighting of each matched indicator back to the collection it came
    /// from (with the member's consent: nothing is posted without this flag). Matches are
    /// counted and posted in batches, one sighting per indicator per batch.
    #[arg(long, requires = "taxii_collection")]
    pub sightings: bool,
    /// Name the member in its sightings (`created_by_ref`) as this STIX identity id;
    /// without it sightings are anonymous.
    #[arg(long, value_name = "IDENTITY", requires = "sightings")]
    pub sightings_as: Option<String>,
    /// Seconds between two batches of sightings (and one more when the engine stops).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub sightings_every: u64,
}

impl SubscriptionArgs {
    /// Whether any collection is subscribed to.
    pub fn is_active(&self) -> bool {
        !self.taxii_collection.is_empty()
    }
}
