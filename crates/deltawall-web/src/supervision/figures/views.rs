//! Page models of incidents, exercises and the sector figures, and the stacked bar chart
//! the figures are drawn with (inline SVG drawn by us, like the dashboard's bar chart;
//! every chart has its table beside it).

use crate::i18n::Lang;
use crate::layout::{Layout, escape};
use askama::Template;
use deltawall_app::supervision::figures::Figure;
use deltawall_store::exercises::{Exercise, Participation};
use deltawall_store::incidents::Incident;

/// Fill colours of the series, cycled; chosen to stay apart for common colour blindness.
const PALETTE: [&str; 10] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
    "#999999", "#882255",
];

/// The colour of series `i`.
pub fn series_colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A vertical stacked bar chart as a standalone SVG document: one bar per entry of
/// `bars` (label and one value per series), stacked in `series` order, with a legend.
/// Each segment carries a `<title>` with its label, series and value.
pub fn stacked_bar_chart_svg(
    title: &str,
    series: &[String],
    bars: &[(String, Vec<u32>)],
) -> String {
    let (left, top, plot_h, bar_w, gap, label_h) = (48i64, 28i64, 220i64, 34i64, 14i64, 90i64);
    let max = bars
        .iter()
        .map(|(_, v)| v.iter().map(|x| i64::from(*x)).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let legend_rows = i64::try_from(series.len()).unwrap_or(0);
    let n = i64::try_from(bars.len()).unwrap_or(0);
    let w = (left + n * (bar_w + gap) + 20).max(360);
    let h = top + plot_h + label_h + legend_rows * 18 + 10;
    let y = |v: i64| top + plot_h - v * plot_h / max;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" class="chart" font-family="sans-serif" font-size="12"><title>{t}</title>"#,
        t = escape(title)
    );
    // Four grid lines with their values.
    for step in 0..=4 {
        let v = max * step / 4;
        let yy = y(v);
        svg.push_str(&format!(
            r##"<line x1="{left}" y1="{yy}" x2="{}" y2="{yy}" stroke="#ccc"/><text x="{}" y="{}" text-anchor="end">{v}</text>"##,
            w - 10,
            left - 6,
            yy + 4
        ));
    }
    for (i, (label, values)) in bars.iter().enumerate() {
        let x = left + 10 + i64::try_from(i).unwrap_or(0) * (bar_w + gap);
        let mut base = 0i64;
        for (s, v) in values.iter().enumerate() {
            if *v == 0 {
                continue;
            }
            let v = i64::from(*v);
            let (y1, y0) = (y(base + v), y(base));
            svg.push_str(&format!(
                r#"<rect x="{x}" y="{y1}" width="{bar_w}" height="{}" fill="{}"><title>{}: {} {v}</title></rect>"#,
                (y0 - y1).max(1),
                series_colour(s),
                escape(label),
                escape(series.get(s).map_or("", String::as_str)),
            ));
            base += v;
        }
        svg.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="middle">{base}</text><text x="{cx}" y="{ly}" text-anchor="end" transform="rotate(-40 {cx} {ly})">{}</text>"#,
            x + bar_w / 2,
            y(base) - 4,
            escape(label),
            cx = x + bar_w / 2,
            ly = top + plot_h + 16,
        ));
    }
    for (s, name) in series.iter().enumerate() {
        let yy = top + plot_h + label_h + i64::try_from(s).unwrap_or(0) * 18;
        svg.push_str(&format!(
            r#"<rect x="{left}" y="{yy}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{}</text>"#,
            series_colour(s),
            left + 18,
            yy + 11,
            escape(name)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A figure's title in the page language.
pub fn figure_title(lang: Lang, key: &str) -> &'static str {
    crate::i18n::t(lang, &format!("fig-title-{key}"))
}

/// A figure's chart in the page language.
pub fn figure_svg(lang: Lang, f: &Figure) -> String {
    let ja = lang == Lang::Ja;
    let series: Vec<String> = f
        .columns
        .iter()
        .map(|c| if ja { c.ja.clone() } else { c.en.clone() })
        .collect();
    let bars: Vec<(String, Vec<u32>)> = f
        .rows
        .iter()
        .map(|r| {
            (
                if ja { r.ja.clone() } else { r.en.clone() },
                r.values.clone(),
            )
        })
        .collect();
    stacked_bar_chart_svg(figure_title(lang, f.key), &series, &bars)
}

/// One figure as shown.
#[derive(Debug, Clone)]
pub struct FigureView {
    /// Key (for links and ids).
    pub key: &'static str,
    /// Title.
    pub title: &'static str,
    /// What it shows and how it counts.
    pub note: &'static str,
    /// The chart.
    pub svg: String,
    /// Table headers.
    pub headers: Vec<String>,
    /// Table rows: row label and cells.
    pub rows: Vec<(String, Vec<String>)>,
}

/// The figure laid out for the page.
pub fn figure_view(lang: Lang, f: &Figure) -> FigureView {
    let ja = lang == Lang::Ja;
    let t = |k: &str| crate::i18n::t(lang, k);
    let mut headers = vec![t(&format!("fig-row-{}", f.row_kind)).to_owned()];
    headers.extend(
        f.columns
            .iter()
            .map(|c| if ja { c.ja.clone() } else { c.en.clone() }),
    );
    headers.push(t("fig-total").to_owned());
    headers.extend(
        f.extra
            .iter()
            .map(|e| t(&format!("fig-col-{e}")).to_owned()),
    );
    let rows = f
        .rows
        .iter()
        .map(|r| {
            let mut cells: Vec<String> = r.values.iter().map(u32::to_string).collect();
            cells.push(r.total().to_string());
            cells.extend(r.extra.iter().cloned());
            (if ja { r.ja.clone() } else { r.en.clone() }, cells)
        })
        .collect();
    FigureView {
        key: f.key,
        title: figure_title(lang, f.key),
        note: t(&format!("fig-note-{}", f.key)),
        svg: figure_svg(lang, f),
        headers,
        rows,
    }
}

/// `GET /supervision/figures`.
#[derive(Template)]
#[template(path = "supervision/figures/figures.html")]
pub struct FiguresPage {
    /// Layout.
    pub l: Layout,
    /// The figures.
    pub figures: Vec<FigureView>,
    /// Business types to filter by: code, label, selected.
    pub types: Vec<(String, String, bool)>,
    /// The query string carrying the filter to the downloads (`?business_type=…` or empty).
    pub filter: String,
}

/// `GET /incidents`.
#[derive(Template)]
#[template(path = "supervision/figures/incidents.html")]
pub struct IncidentsPage {
    /// Layout.
    pub l: Layout,
    /// Incidents in the reader's reach, one page.
    pub incidents: Vec<Incident>,
    /// The next page and back to the first.
    pub pager: crate::layout::CursorPager,
    /// Whether the reader may report (an institution's staff).
    pub can_report: bool,
    /// Whether the reader is a supervisor (link to the figures).
    pub supervisor: bool,
    /// Attack types: code and label.
    pub attacks: Vec<(String, String)>,
    /// Today, for the form.
    pub today: String,
}

impl IncidentsPage {
    /// An attack type's label.
    pub fn attack(&self, i: &Incident) -> &'static str {
        i.attack_type.label(self.l.lang.code())
    }

    /// A severity's label.
    pub fn severity(&self, i: &Incident) -> &'static str {
        self.l.t(&format!(
            "severity-{}",
            deltawall_store::findings::code_of(&i.severity)
        ))
    }

    /// The institution's name in the page language.
    pub fn org(&self, i: &Incident) -> String {
        if self.l.lang == Lang::Ja {
            i.org_name_ja.clone()
        } else {
            i.org_name_en.clone()
        }
    }
}

/// `GET /exercises`.
#[derive(Template)]
#[template(path = "supervision/figures/exercises.html")]
pub struct ExercisesPage {
    /// Layout.
    pub l: Layout,
    /// One page of exercises with participants in the reader's reach.
    pub exercises: Vec<Exercise>,
    /// The next page and back to the first.
    pub pager: crate::layout::CursorPager,
    /// An institution's own participation (exercise name, reviewed).
    pub own: Vec<(String, String, bool)>,
    /// Whether the reader may record exercises.
    pub can_record: bool,
    /// Whether the reader is a supervisor.
    pub supervisor: bool,
}

impl ExercisesPage {
    /// An exercise's name in the page language.
    pub fn name(&self, e: &Exercise) -> String {
        if self.l.lang == Lang::Ja {
            e.name_ja.clone()
        } else {
            e.name_en.clone()
        }
    }
}

/// `GET /exercises/{id}`.
#[derive(Template)]
#[template(path = "supervision/figures/exercise.html")]
pub struct ExercisePage {
    /// Layout.
    pub l: Layout,
    /// The exercise.
    pub exercise: Exercise,
    /// Its name in the page language.
    pub name: String,
    /// Participants within the reader's reach.
    pub participants: Vec<Participation>,
    /// Whether the reader may record participants.
    pub can_record: bool,
}

impl ExercisePage {
    /// A participant's name in the page language.
    pub fn org(&self, p: &Participation) -> String {
        if self.l.lang == Lang::Ja {
            p.org_name_ja.clone()
        } else {
            p.org_name_en.clone()
        }
    }
}

/// `GET /supervision/report`.
#[derive(Template)]
#[template(path = "supervision/figures/report.html")]
pub struct SectorReportPage {
    /// Layout.
    pub l: Layout,
    /// The report.
    pub report: deltawall_app::supervision::report::SectorReport,
    /// Its figures as shown.
    pub figures: Vec<FigureView>,
}

impl SectorReportPage {
    /// Japanese or English, by page language.
    pub fn pick<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        if self.l.lang == Lang::Ja { ja } else { en }
    }
}

/// `GET /benchmarks`.
#[derive(Template)]
#[template(path = "supervision/benchmarks/bench.html")]
pub struct BenchmarksPage {
    /// Layout.
    pub l: Layout,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, as the CSV has them.
    pub rows: Vec<Vec<String>>,
    /// The threshold applied.
    pub k: u32,
    /// Whether the reader sees cohorts (a supervisor) rather than its own position.
    pub supervisor: bool,
    /// Whether the reader may change k.
    pub can_set_k: bool,
    /// The latest requests the reader may pick as the source: id and title in the page
    /// language.
    pub sources: Vec<(String, String)>,
    /// Whether there are older sources (all on `/benchmarks/sources`).
    pub more_sources: bool,
    /// The request shown, if the source is a request.
    pub request_id: Option<String>,
    /// The query string naming the source, for the export links (empty for the catalog).
    pub query: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_chart_stacks_escapes_and_labels() {
        let svg = stacked_bar_chart_svg(
            "<t>",
            &["a".into(), "b&c".into()],
            &[("2019".into(), vec![3, 1]), ("2020".into(), vec![0, 0])],
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("&lt;t&gt;") && !svg.contains("<t>"));
        assert!(svg.contains("b&amp;c"));
        // Two segments for the first bar, none for the empty one, two legend squares.
        assert_eq!(svg.matches("<rect").count(), 4, "{svg}");
        assert!(svg.contains("<title>2019: a 3</title>"));
        // The tallest bar reaches the top of the plot (y = 28).
        assert!(svg.contains(r#"y="28" width="34""#), "{svg}");
    }
}
