//! The supervisor's ranking is computed on the app's clock, like the requests and alerts
//! beside it: a clock moved forward (as tests and the demo move it) moves the day scored.

use deltawall_app::Ctx;
use deltawall_app::supervision::clock::Clock;
use deltawall_app::supervision::ranking::{RankingFilter, ranking};
use deltawall_domain::access::Actor;
use deltawall_domain::jst;
use deltawall_domain::org::SupervisorReach;
use deltawall_domain::{OrgKind, Role};
use deltawall_store::testing::TestDb;

const DAY_US: i64 = 86_400_000_000;

fn fsa_staff() -> Actor {
    Actor {
        user_id: "fsa-staff".into(),
        org_id: "fsa".into(),
        org_kind: OrgKind::Supervisor,
        reach: Some(SupervisorReach::National),
        role: Role::Staff,
        token_scope: None,
        token_id: None,
    }
}

async fn the_ranking_is_scored_on_the_app_clock(db: &TestDb) {
    let actor = fsa_staff();
    let ctx = Ctx {
        store: &db.store,
        actor: &actor,
        ip: None,
    };
    let clock = Clock::default();
    let now = ranking(ctx, &clock, RankingFilter::default())
        .await
        .unwrap();
    assert_eq!(now.today, jst::today(clock.now_us()));
    clock.advance(400 * DAY_US);
    let later = ranking(ctx, &clock, RankingFilter::default())
        .await
        .unwrap();
    assert_eq!(later.today, jst::today(clock.now_us()));
    assert!(
        later.today > now.today,
        "the day scored follows the moved clock: {} then {}",
        now.today,
        later.today
    );
}
both!(ranking_clock, super::the_ranking_is_scored_on_the_app_clock);
