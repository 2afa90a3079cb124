//! Server-rendered SVG bar charts. The geometry is computed here; the template only writes it
//! out. Every chart carries a `<title>` and `<desc>` and is always shown next to a data table,
//! which is its text alternative.

/// A horizontal bar chart: one row per category, one bar per series in each row.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Unique within the page, for `aria-labelledby`.
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: u32,
    pub height: u32,
    pub label_x: u32,
    pub legend: Vec<LegendEntry>,
    pub rows: Vec<ChartRow>,
}

#[derive(Debug, Clone)]
pub struct LegendEntry {
    pub x: u32,
    pub text_x: u32,
    pub class: &'static str,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct ChartRow {
    pub label: String,
    pub label_y: u32,
    pub bars: Vec<ChartBar>,
}

#[derive(Debug, Clone)]
pub struct ChartBar {
    pub x: u32,
    pub y: u32,
    pub width: String,
    pub height: u32,
    pub class: &'static str,
    pub text_x: String,
    pub text_y: u32,
    pub text: String,
}

/// One series: its CSS class and its legend text.
pub struct Series {
    pub class: &'static str,
    pub label: &'static str,
}

/// How bar lengths compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// All rows share one scale.
    Shared,
    /// Each row is scaled to its own largest value (rows measured in different units).
    PerRow,
}

const WIDTH: u32 = 640;
/// Room for category labels: enough for the longest, within these bounds.
const MIN_LABEL_WIDTH: u32 = 80;
const MAX_LABEL_WIDTH: u32 = 220;
/// Width of one Chinese character at the chart's font size, in viewBox units.
const CHAR_WIDTH: u32 = 16;
const VALUE_ROOM: u32 = 150;
const BAR_HEIGHT: u32 = 22;
const BAR_GAP: u32 = 6;
const ROW_GAP: u32 = 20;
const LEGEND_HEIGHT: u32 = 36;

impl BarChart {
    /// Lays out `rows` of (label, one (value, text) per series).
    pub fn horizontal(
        id: &str,
        title: impl Into<String>,
        desc: impl Into<String>,
        series: &[Series],
        rows: Vec<(String, Vec<(f64, String)>)>,
        scale: Scale,
    ) -> BarChart {
        let shared_max = rows
            .iter()
            .flat_map(|(_, values)| values.iter().map(|(v, _)| *v))
            .fold(0.0_f64, f64::max);
        let longest = rows
            .iter()
            .map(|(label, _)| u32::try_from(label.chars().count()).unwrap_or(u32::MAX))
            .max()
            .unwrap_or(0);
        let label_width = longest
            .saturating_mul(CHAR_WIDTH)
            .clamp(MIN_LABEL_WIDTH, MAX_LABEL_WIDTH);
        let bar_left = label_width + 12;
        let bar_room = f64::from(WIDTH - bar_left - VALUE_ROOM);
        let bars_per_row = u32::try_from(series.len().max(1)).unwrap_or(1);
        let row_height = bars_per_row * BAR_HEIGHT + (bars_per_row - 1) * BAR_GAP;
        let mut y = LEGEND_HEIGHT + 8;
        let mut laid_out = Vec::new();
        for (label, values) in rows {
            let max = match scale {
                Scale::Shared => shared_max,
                Scale::PerRow => values.iter().map(|(v, _)| *v).fold(0.0_f64, f64::max),
            };
            let mut bars = Vec::new();
            for (index, ((value, text), series)) in values.into_iter().zip(series).enumerate() {
                let index = u32::try_from(index).unwrap_or(0);
                let bar_y = y + index * (BAR_HEIGHT + BAR_GAP);
                let length = if max > 0.0 {
                    (value.max(0.0) / max) * bar_room
                } else {
                    0.0
                };
                bars.push(ChartBar {
                    x: bar_left,
                    y: bar_y,
                    width: format!("{length:.1}"),
                    height: BAR_HEIGHT,
                    class: series.class,
                    text_x: format!("{:.1}", f64::from(bar_left) + length + 8.0),
                    text_y: bar_y + BAR_HEIGHT / 2 + 6,
                    text,
                });
            }
            laid_out.push(ChartRow {
                label,
                label_y: y + row_height / 2 + 6,
                bars,
            });
            y += row_height + ROW_GAP;
        }
        let mut legend = Vec::new();
        let mut x = bar_left;
        for entry in series {
            legend.push(LegendEntry {
                x,
                text_x: x + 22,
                class: entry.class,
                label: entry.label.to_owned(),
            });
            x += 24 + 18 * u32::try_from(entry.label.chars().count()).unwrap_or(4) + 24;
        }
        BarChart {
            id: id.to_owned(),
            title: title.into(),
            desc: desc.into(),
            width: WIDTH,
            height: y,
            label_x: label_width,
            legend,
            rows: laid_out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_per_row() {
        let series = [
            Series {
                class: "bar-before",
                label: "改革前",
            },
            Series {
                class: "bar-after",
                label: "改革后",
            },
        ];
        let chart = BarChart::horizontal(
            "c",
            "t",
            "d",
            &series,
            vec![
                ("材料".into(), vec![(4.0, "4".into()), (1.0, "1".into())]),
                (
                    "时限".into(),
                    vec![(20.0, "20".into()), (10.0, "10".into())],
                ),
            ],
            Scale::PerRow,
        );
        assert_eq!(chart.rows.len(), 2);
        assert_eq!(chart.rows[0].bars[0].width, chart.rows[1].bars[0].width);
        assert_ne!(chart.rows[0].bars[1].width, chart.rows[1].bars[1].width);
        assert!(chart.height > chart.rows[1].bars[1].y);
    }
}
