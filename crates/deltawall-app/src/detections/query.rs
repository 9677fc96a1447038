//! Reading detections: the API's filtered, cursor-paged list, the groups by rule and key
//! (cursor-paged too), and the inbox (a page of detections and the latest groups). Filters
//! arrive as text and are refused by name.

use super::require_institution;
use crate::paging::PageRequest;
use crate::time::{date, end_of_day_us, start_of_day_us};
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::OrgScope;
use deltawall_domain::Permission;
use deltawall_domain::incident::detection::{Level, Triage};
use deltawall_domain::validate::Invalid;
use deltawall_store::detections_inbox::{self as inbox_store, Cursor, Filter, Group, InboxRow};
use deltawall_store::keyset::{self, KeysetPage};
use serde::{Deserialize, Serialize};

/// Rows per page unless asked otherwise.
pub const DEFAULT_LIMIT: i64 = 50;

/// Filters and paging of a listing, as text from a query string or a form.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Triage state: `new`, `acknowledged`, `false_positive` or `escalated`.
    #[serde(default)]
    pub status: Option<String>,
    /// A rule key (the rule's id, or name, or title).
    #[serde(default)]
    pub rule: Option<String>,
    /// Level: `informational`, `low`, `medium`, `high` or `critical`.
    #[serde(default)]
    pub level: Option<String>,
    /// A group key exactly as listed (`field=value, …`).
    #[serde(default)]
    pub group: Option<String>,
    /// First event on or after: a Japan date `YYYY-MM-DD` or an RFC 3339 instant.
    #[serde(default)]
    pub from: Option<String>,
    /// First event before: an RFC 3339 instant, or up to the end of a Japan date.
    #[serde(default)]
    pub to: Option<String>,
    /// The `next` cursor of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// One page of detections.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListPage {
    /// The detections, newest first.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<InboxRow>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// The inbox: the latest groups by rule and key, and one page of detections.
#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    /// The latest groups, the most recently received first, at most [`GROUPS_SHOWN`].
    pub groups: Vec<Group>,
    /// Whether there are more groups than those (all of them are at [`groups`]).
    pub more_groups: bool,
    /// The page.
    pub page: ListPage,
}

fn bad(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code: "err-bad-request",
    })
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An instant from a Japan date (its start, or its end when `end`) or an RFC 3339 time.
fn instant(field: &'static str, raw: &str, end: bool) -> SResult<i64> {
    if raw.len() == 10 {
        let day = date(field, raw)?;
        return Ok(if end {
            end_of_day_us(day).saturating_add(1)
        } else {
            start_of_day_us(day)
        });
    }
    raw.parse::<jiff::Timestamp>()
        .map(|t| t.as_microsecond())
        .map_err(|_| bad(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
}

impl ListQuery {
    /// The store's filter, or the first field at fault.
    pub fn filter(&self) -> SResult<Filter> {
        let status = text(&self.status)
            .map(|s| Triage::from_code(s).ok_or_else(|| bad("status", "is not a triage state")))
            .transpose()?;
        let level = text(&self.level)
            .map(|s| Level::from_code(s).ok_or_else(|| bad("level", "is not a sigma level")))
            .transpose()?;
        let from_us = text(&self.from)
            .map(|t| instant("from", t, false))
            .transpose()?;
        let to_us = text(&self.to).map(|t| instant("to", t, true)).transpose()?;
        if let (Some(f), Some(t)) = (from_us, to_us)
            && t <= f
        {
            return Err(bad("to", "must be after from"));
        }
        Ok(Filter {
            status,
            rule: text(&self.rule).map(str::to_owned),
            level,
            group: self.group.clone().filter(|g| !g.is_empty()),
            from_us,
            to_us,
        })
    }

    /// The cursor of a list of groups, whose order has three columns.
    fn group_cursor(&self) -> SResult<Option<keyset::Cursor>> {
        PageRequest {
            cursor: self.cursor.clone(),
            limit: None,
        }
        .cursor(3)
    }

    fn cursor(&self) -> SResult<Option<Cursor>> {
        text(&self.cursor)
            .map(|c| Cursor::decode(c).ok_or_else(|| bad("cursor", "is not a cursor of this list")))
            .transpose()
    }

    fn limit(&self) -> SResult<i64> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=inbox_store::MAX_PAGE).contains(&n) => Ok(n),
            Some(_) => Err(bad("limit", "must be 1 to 500")),
        }
    }
}

async fn page_of(ctx: &Ctx<'_>, q: &ListQuery, filter: &Filter) -> SResult<ListPage> {
    let (cursor, limit) = (q.cursor()?, q.limit()?);
    let scope = OrgScope::Own(ctx.actor.org_id.clone());
    let mut conn = ctx.store.read().await?;
    let (items, next) =
        inbox_store::page(&mut conn, &scope, filter, cursor.as_ref(), limit).await?;
    Ok(ListPage {
        items,
        next: next.map(|c| c.encode()),
    })
}

/// The actor's institution's detections matching `q`, one page.
pub async fn list(ctx: Ctx<'_>, q: &ListQuery) -> SResult<ListPage> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let filter = q.filter()?;
    page_of(&ctx, q, &filter).await
}

/// The groups the inbox shows at most; the rest are one link away, on their own pages.
pub const GROUPS_SHOWN: i64 = 20;

/// The groups by rule and key of the actor's institution's detections matching `q`, the
/// most recently received first, one page (`q.cursor` is a cursor of this list).
pub async fn groups(ctx: Ctx<'_>, q: &ListQuery) -> SResult<KeysetPage<Group>> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let filter = q.filter()?;
    let (after, limit) = (q.group_cursor()?, q.limit()?);
    let scope = OrgScope::Own(ctx.actor.org_id.clone());
    let mut conn = ctx.store.read().await?;
    Ok(inbox_store::groups(&mut conn, &scope, &filter, after.as_ref(), limit).await?)
}

/// The inbox of the actor's institution: the latest groups and one page, both under `q`'s
/// filter (`q.cursor` is a cursor of the detections).
pub async fn inbox(ctx: Ctx<'_>, q: &ListQuery) -> SResult<Inbox> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let filter = q.filter()?;
    let page = page_of(&ctx, q, &filter).await?;
    let scope = OrgScope::Own(ctx.actor.org_id.clone());
    let mut conn = ctx.store.read().await?;
    let groups = inbox_store::groups(&mut conn, &scope, &filter, None, GROUPS_SHOWN).await?;
    Ok(Inbox {
        more_groups: groups.next.is_some(),
        groups: groups.items,
        page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(from: &str, to: &str) -> ListQuery {
        ListQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            ..ListQuery::default()
        }
    }

    fn check(query: ListQuery, expected: Result<(Option<i64>, Option<i64>), &str>) {
        let got = query
            .filter()
            .map(|f| (f.from_us, f.to_us))
            .map_err(|e| match e {
                ServiceError::Invalid(i) => i.field,
                other => panic!("{other}"),
            });
        assert_eq!(got, expected);
    }

    #[test]
    fn time_ranges_are_japan_days_or_instants() {
        // 2026-11-02 in Japan starts at 2026-11-01T15:00Z.
        let start = 1_793_545_200_000_000;
        check(
            q("2026-11-02", "2026-11-02"),
            Ok((Some(start), Some(start + 86_400_000_000))),
        );
        check(
            q("2026-11-01T15:00:00Z", "2026-11-01T16:00:00Z"),
            Ok((Some(start), Some(start + 3_600_000_000))),
        );
        check(q("2026-11-03", "2026-11-02"), Err("to"));
        check(q("2026-02-30", ""), Err("from"));
        check(q("yesterday", ""), Err("from"));
        check(ListQuery::default(), Ok((None, None)));
    }

    #[test]
    fn unknown_codes_are_named() {
        let bad_status = ListQuery {
            status: Some("closed".into()),
            ..ListQuery::default()
        };
        assert!(
            matches!(bad_status.filter(), Err(ServiceError::Invalid(i)) if i.field == "status")
        );
        let bad_level = ListQuery {
            level: Some("severe".into()),
            ..ListQuery::default()
        };
        assert!(matches!(bad_level.filter(), Err(ServiceError::Invalid(i)) if i.field == "level"));
        let bad_limit = ListQuery {
            limit: Some(501),
            ..ListQuery::default()
        };
        assert!(matches!(bad_limit.limit(), Err(ServiceError::Invalid(i)) if i.field == "limit"));
        let bad_cursor = ListQuery {
            cursor: Some("x".into()),
            ..ListQuery::default()
        };
        assert!(
            matches!(bad_cursor.cursor(), Err(ServiceError::Invalid(i)) if i.field == "cursor")
        );
        // A detections cursor is not one of the groups, nor the other way round.
        let detection = Cursor {
            received_at: 1,
            id: "det-1".into(),
        };
        let detections_cursor = ListQuery {
            cursor: Some(detection.encode()),
            ..ListQuery::default()
        };
        assert!(matches!(
            detections_cursor.group_cursor(),
            Err(ServiceError::Invalid(i)) if i.field == "cursor"
        ));
        let group = keyset::Cursor(vec![
            keyset::Key::Int(1),
            keyset::Key::Text("r".into()),
            keyset::Key::Text(String::new()),
        ]);
        let groups_cursor = ListQuery {
            cursor: Some(group.encode()),
            ..ListQuery::default()
        };
        assert_eq!(groups_cursor.group_cursor().ok(), Some(Some(group)));
        assert!(groups_cursor.cursor().is_err());
    }
}
