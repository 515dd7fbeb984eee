//! The side-by-side table (ours | other | ratio) and the verdicts against the targets.

use std::{fmt::Write as _, time::Duration};

use crate::{
    figures::{Measured, ServiceFigures},
    load::CallKind,
    objects::{Listing, ObjectFigures},
    signals::SignalTally,
};

/// How a figure is printed.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Millis,
    Micros,
    PerSec,
    MiB,
    Secs,
    Percent,
    Bytes,
    Count,
    Whole,
}

impl Unit {
    fn format(self, value: f64) -> String {
        match self {
            Self::Millis => format!("{value:.2} ms"),
            Self::Micros => format!("{value:.1} us"),
            Self::PerSec => format!("{value:.0}/s"),
            Self::MiB => format!("{value:.1} MiB"),
            Self::Secs => format!("{value:.2} s"),
            Self::Percent => format!("{value:.0} %"),
            Self::Bytes => format!("{value:.0} B"),
            Self::Count => format!("{value:.1}"),
            Self::Whole => format!("{value:.0}"),
        }
    }
}

/// A figure as a number in its unit, "n/a", or an error text.
#[derive(Debug, Clone)]
enum Cell {
    Value(f64),
    NotApplicable,
    Failed(String),
}

impl Cell {
    fn from_measured<T>(m: &Measured<T>, f: impl FnOnce(&T) -> f64) -> Self {
        match m {
            Ok(v) => Self::Value(f(v)),
            Err(e) => Self::Failed(e.clone()),
        }
    }

    fn value(&self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(*v),
            _ => None,
        }
    }
}

struct Row {
    label: String,
    unit: Unit,
    ours: Cell,
    other: Option<Cell>,
}

fn ms(d: &Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: &Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn mib(kib: &u64) -> f64 {
    *kib as f64 / 1024.0
}

/// The fastest way the service offers to get every domain with its properties.
fn best_listing(f: &ServiceFigures) -> Cell {
    let via_manager = match &f.managed_objects_at_n {
        Ok(Some((d, _))) => Some(ms(d)),
        _ => None,
    };
    let via_get_all = f.list_get_all_at_n.as_ref().ok().map(|(d, _)| ms(d));
    match (via_manager, via_get_all) {
        (Some(a), Some(b)) => Cell::Value(a.min(b)),
        (Some(v), None) | (None, Some(v)) => Cell::Value(v),
        (None, None) => Cell::Failed("no listing measured".into()),
    }
}

/// One listing of the objects phase as a cell: "n/a" when the service does not support the
/// call, else `value` of its (median, count).
fn listing_cell(
    f: &ServiceFigures,
    pick: fn(&ObjectFigures) -> &Result<Listing, String>,
    value: fn(&(Duration, usize)) -> f64,
) -> Cell {
    match f.objects.as_ref().map(pick) {
        Ok(Ok(Some(listing))) => Cell::Value(value(listing)),
        Ok(Ok(None)) => Cell::NotApplicable,
        Ok(Err(e)) | Err(e) => Cell::Failed(e.clone()),
    }
}

/// How a figure's cell is computed from one service's figures.
type CellOf<'a> = &'a dyn Fn(&ServiceFigures) -> Cell;

/// The rows of the objects phase, given to `add` as label, unit and cell.
fn object_rows(add: &mut dyn FnMut(String, Unit, CellOf)) {
    let median = |(d, _): &(Duration, usize)| ms(d);
    add("ListNetworks at M (median)".into(), Unit::Millis, &|f| {
        listing_cell(f, |o| &o.networks, median)
    });
    add(
        "ListStoragePools at M (median)".into(),
        Unit::Millis,
        &|f| listing_cell(f, |o| &o.pools, median),
    );
    add(
        "ListStorageVolumes at M (median)".into(),
        Unit::Millis,
        &|f| listing_cell(f, |o| &o.volumes, median),
    );
    add(
        "GetManagedObjects with M networks, pools, volumes (median)".into(),
        Unit::Millis,
        &|f| listing_cell(f, |o| &o.managed, median),
    );
    add(
        "GetManagedObjects with M ...: objects in reply".into(),
        Unit::Whole,
        &|f| listing_cell(f, |o| &o.managed, |(_, n)| *n as f64),
    );
}

fn rows(
    ours: &ServiceFigures,
    other: Option<&ServiceFigures>,
    clients: usize,
    objects: usize,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut add = |label: String, unit: Unit, cell: &dyn Fn(&ServiceFigures) -> Cell| {
        rows.push(Row {
            label,
            unit,
            ours: cell(ours),
            other: other.map(cell),
        });
    };

    add(
        format!(
            "spawn -> name owned (median of {})",
            ours.spawn_starts.max(other.map_or(0, |o| o.spawn_starts))
        ),
        Unit::Millis,
        &|f| Cell::from_measured(&f.spawn, ms),
    );
    let counts: &[usize] = if clients > 1 { &[1, clients] } else { &[1] };
    for kind in CallKind::ALL {
        for &count in counts {
            let name = format!("{} x{count}", kind.label());
            add(format!("{name}: calls/s"), Unit::PerSec, &|f| {
                Cell::from_measured(&f.workload(kind, count), |t| t.calls_per_sec())
            });
            add(format!("{name}: p50 latency"), Unit::Micros, &|f| {
                Cell::from_measured(&f.workload(kind, count), |t| us(&t.p50))
            });
            add(format!("{name}: p99 latency"), Unit::Micros, &|f| {
                Cell::from_measured(&f.workload(kind, count), |t| us(&t.p99))
            });
            add(format!("{name}: service CPU/call"), Unit::Micros, &|f| {
                Cell::from_measured(&f.workload(kind, count), |t| us(&t.service_cpu_per_call()))
            });
            add(format!("{name}: bus daemon CPU/call"), Unit::Micros, &|f| {
                Cell::from_measured(&f.workload(kind, count), |t| us(&t.bus_cpu_per_call()))
            });
            add(format!("{name}: foreign CPU load"), Unit::Percent, &|f| {
                Cell::from_measured(&f.workload(kind, count), |t| t.foreign_load * 100.0)
            });
        }
    }
    add("RSS after warm-up".into(), Unit::MiB, &|f| {
        Cell::from_measured(&f.rss_start_kib, mib)
    });
    add("signals per define + undefine".into(), Unit::Count, &|f| {
        Cell::from_measured(&f.signals, |s| s.count_per_cycle())
    });
    add(
        "signal bytes per define + undefine".into(),
        Unit::Bytes,
        &|f| Cell::from_measured(&f.signals, |s| s.bytes_per_cycle()),
    );
    add(
        format!("define N domains ({clients} clients): wall"),
        Unit::Secs,
        &|f| Cell::from_measured(&f.define, |d| d.wall.as_secs_f64()),
    );
    add("define N domains: defines/s".into(), Unit::PerSec, &|f| {
        Cell::from_measured(&f.define, |d| d.per_sec())
    });
    add("RSS at N".into(), Unit::MiB, &|f| {
        Cell::from_measured(&f.rss_at_n_kib, mib)
    });
    add("ListDomains at N (median)".into(), Unit::Millis, &|f| {
        Cell::from_measured(&f.list_at_n, |(d, _)| ms(d))
    });
    add(
        "GetManagedObjects at N (median)".into(),
        Unit::Millis,
        &|f| match &f.managed_objects_at_n {
            Ok(Some((d, _))) => Cell::Value(ms(d)),
            Ok(None) => Cell::NotApplicable,
            Err(e) => Cell::Failed(e.clone()),
        },
    );
    add(
        format!("ListDomains + GetAll x N ({clients} clients, median)"),
        Unit::Millis,
        &|f| Cell::from_measured(&f.list_get_all_at_n, |(d, _)| ms(d)),
    );
    add(
        "all domains + properties at N, best way".into(),
        Unit::Millis,
        &best_listing,
    );
    add("peak RSS (VmHWM)".into(), Unit::MiB, &|f| {
        Cell::from_measured(&f.peak_rss_kib, mib)
    });
    if objects > 0 {
        object_rows(&mut add);
    }
    rows
}

/// Foreign CPU load (share of all CPUs) above which a window counts as disturbed.
const DISTURBED_LOAD: f64 = 0.2;

/// Renders the table (with the objects rows when `objects` is not 0); failed cells are
/// numbered and explained below it.
pub fn table(
    ours: &ServiceFigures,
    other: Option<&ServiceFigures>,
    clients: usize,
    objects: usize,
) -> String {
    let mut out = String::new();
    let mut footnotes: Vec<String> = Vec::new();
    let mut cell_text = |cell: &Cell, unit: Unit| match cell {
        Cell::Value(v) => unit.format(*v),
        Cell::NotApplicable => "n/a".to_owned(),
        Cell::Failed(e) => {
            let index = match footnotes.iter().position(|f| f == e) {
                Some(i) => i + 1,
                None => {
                    footnotes.push(e.clone());
                    footnotes.len()
                }
            };
            format!("error [{index}]")
        }
    };

    let _ = writeln!(out, "ours:  {}", ours.binary);
    if let Some(other) = other {
        let _ = writeln!(out, "other: {}", other.binary);
    }
    let _ = writeln!(out);
    let rows = rows(ours, other, clients, objects);
    let width = rows.iter().map(|r| r.label.len()).fold(46, usize::max);
    let _ = writeln!(
        out,
        "{:<width$} | {:>14} | {:>14} | {:>10}",
        "figure", "ours", "other", "ours/other"
    );
    let _ = writeln!(
        out,
        "{:-<width$}-+-{:->14}-+-{:->14}-+-{:->10}",
        "", "", "", ""
    );
    for row in rows {
        let ours_text = cell_text(&row.ours, row.unit);
        let other_text = row
            .other
            .as_ref()
            .map_or_else(|| "-".to_owned(), |c| cell_text(c, row.unit));
        let ratio = match (row.ours.value(), row.other.as_ref().and_then(Cell::value)) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
            _ => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "{:<width$} | {:>14} | {:>14} | {:>10}",
            row.label, ours_text, other_text, ratio
        );
    }
    for (i, note) in footnotes.iter().enumerate() {
        let _ = writeln!(out, "[{}] {note}", i + 1);
    }
    for (who, f) in std::iter::once(("ours", ours)).chain(other.map(|o| ("other", o))) {
        for note in &f.notes {
            let _ = writeln!(out, "note ({who}): {note}");
        }
        let busiest = f
            .workloads
            .iter()
            .filter_map(|(_, _, r)| r.as_ref().ok().map(|t| t.foreign_load))
            .fold(0.0_f64, f64::max);
        if busiest > DISTURBED_LOAD {
            let _ = writeln!(
                out,
                "warning ({who}): other processes used up to {:.0} % of the CPUs during a \
                 measured window; figures are disturbed, re-run on an idle machine",
                busiest * 100.0
            );
        }
    }
    out
}

/// The signals of one define + undefine by member, for each service measured, and, when no
/// service is compared, libvirt-dbus's computed as `reference` (see
/// [`crate::signals::libvirt_dbus_reference`]).
pub fn signals(
    ours: &ServiceFigures,
    other: Option<&ServiceFigures>,
    reference: Option<&Measured<SignalTally>>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Signals per define + undefine (every signal from the service's unique name, \
         serialized size, mean per cycle):"
    );
    for (who, f) in std::iter::once(("ours", ours)).chain(other.map(|o| ("other", o))) {
        let line = match &f.signals {
            Ok(s) => format!("{} (sender {}, {} cycles)", s.summary(), s.sender, s.cycles),
            Err(e) => format!("not measured: {e}"),
        };
        let _ = writeln!(out, "  {who:<6} {line}");
    }
    if let Some(reference) = reference {
        match reference {
            Ok(tally) => {
                let _ = writeln!(
                    out,
                    "  libvirt-dbus (computed): {} (built with zbus, not measured)",
                    tally.summary(1)
                );
                if let (Ok(s), bytes @ 1..) = (&ours.signals, tally.bytes()) {
                    let _ = writeln!(
                        out,
                        "  ours / libvirt-dbus (computed): {:.2}x the bytes",
                        s.bytes_per_cycle() / bytes as f64
                    );
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  libvirt-dbus (computed): cannot build: {e}");
            }
        }
    }
    out
}

/// Whether lower or higher is better for a target's figure.
#[derive(Debug, Clone, Copy)]
enum Better {
    Lower,
    Higher,
}

struct Target {
    name: String,
    better: Better,
    /// Required advantage factor (ours better by at least this much).
    factor: f64,
    ours: Cell,
    other: Cell,
}

fn targets(ours: &ServiceFigures, other: &ServiceFigures, clients: usize) -> Vec<Target> {
    let mut out = Vec::new();
    let counts: &[usize] = if clients > 1 { &[1, clients] } else { &[1] };
    for kind in CallKind::ALL {
        for &count in counts {
            let cpu = |f: &ServiceFigures| {
                Cell::from_measured(&f.workload(kind, count), |t| us(&t.service_cpu_per_call()))
            };
            out.push(Target {
                name: format!("service CPU/call {} x{count} <= 1/4", kind.label()),
                better: Better::Lower,
                factor: 4.0,
                ours: cpu(ours),
                other: cpu(other),
            });
        }
    }
    for kind in CallKind::ALL {
        let rate = |f: &ServiceFigures| {
            Cell::from_measured(&f.workload(kind, clients), |t| t.calls_per_sec())
        };
        out.push(Target {
            name: format!("calls/s {} x{clients} >= 1.5x", kind.label()),
            better: Better::Higher,
            factor: 1.5,
            ours: rate(ours),
            other: rate(other),
        });
    }
    let list = |f: &ServiceFigures| Cell::from_measured(&f.list_at_n, |(d, _)| ms(d));
    out.push(Target {
        name: "ListDomains at N >= 4x faster".into(),
        better: Better::Lower,
        factor: 4.0,
        ours: list(ours),
        other: list(other),
    });
    let define = |f: &ServiceFigures| Cell::from_measured(&f.define, |d| d.wall.as_secs_f64());
    out.push(Target {
        name: "defining N domains >= 4x faster".into(),
        better: Better::Lower,
        factor: 4.0,
        ours: define(ours),
        other: define(other),
    });
    let rss = |f: &ServiceFigures| Cell::from_measured(&f.rss_at_n_kib, mib);
    out.push(Target {
        name: "RSS at N <= 1/2".into(),
        better: Better::Lower,
        factor: 2.0,
        ours: rss(ours),
        other: rss(other),
    });
    out
}

/// The advantage of ours over other (>1 means ours is better), infinite when ours is zero.
fn advantage(better: Better, ours: f64, other: f64) -> f64 {
    match better {
        Better::Lower if ours <= 0.0 => f64::INFINITY,
        Better::Lower => other / ours,
        Better::Higher if other <= 0.0 => f64::INFINITY,
        Better::Higher => ours / other,
    }
}

/// Renders one PASS/MISS line per target; without a comparison, says so.
pub fn verdicts(ours: &ServiceFigures, other: Option<&ServiceFigures>, clients: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Targets (ours against other):");
    let Some(other) = other else {
        let _ = writeln!(out, "  n/a: no --compare service given");
        return out;
    };
    for target in targets(ours, other, clients) {
        let line = match (target.ours.value(), target.other.value()) {
            (Some(a), Some(b)) => {
                let got = advantage(target.better, a, b);
                let verdict = if got >= target.factor { "PASS" } else { "MISS" };
                format!(
                    "{verdict}  {:<40} need {:.2}x, got {:.2}x",
                    target.name, target.factor, got
                )
            }
            _ => format!("MISS  {:<40} not measured", target.name),
        };
        let _ = writeln!(out, "  {line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advantage_direction() {
        assert_eq!(advantage(Better::Lower, 1.0, 4.0), 4.0);
        assert_eq!(advantage(Better::Higher, 3.0, 2.0), 1.5);
        assert!(advantage(Better::Lower, 0.0, 1.0).is_infinite());
    }

    #[test]
    fn missing_comparison_is_not_a_verdict() {
        let ours = ServiceFigures::new("/bin/ours");
        let text = verdicts(&ours, None, 8);
        assert!(text.contains("n/a"));
        assert!(!text.contains("PASS"));
    }

    #[test]
    fn unmeasured_targets_miss() {
        let ours = ServiceFigures::new("/bin/ours");
        let other = ServiceFigures::new("/bin/other");
        let text = verdicts(&ours, Some(&other), 8);
        assert!(text.contains("MISS  RSS at N <= 1/2"));
        assert!(!text.contains("PASS"));
    }

    #[test]
    fn signals_show_the_computed_reference_only_when_given() {
        let ours = ServiceFigures::new("/bin/ours");
        let mut tally = SignalTally::default();
        tally.record("DomainEvent", 200);
        tally.record("DomainEvent", 200);
        let text = signals(&ours, None, Some(&Ok(tally)));
        assert!(text.contains("ours   not measured: not reached"));
        assert!(text.contains(
            "libvirt-dbus (computed): 2 signals, 400 B: DomainEvent 2 x 200 B (built with zbus, \
             not measured)"
        ));
        let other = ServiceFigures::new("/bin/other");
        let text = signals(&ours, Some(&other), None);
        assert!(text.contains("other  not measured"));
        assert!(!text.contains("computed"));
    }

    #[test]
    fn table_numbers_errors() {
        let ours = ServiceFigures::new("/bin/ours");
        let text = table(&ours, None, 8, 0);
        assert!(text.contains("error [1]"));
        assert!(text.contains("[1] not reached"));
        assert!(!text.contains("ListNetworks at M"));
    }

    #[test]
    fn object_rows_show_unsupported_calls_as_not_applicable() {
        let mut ours = ServiceFigures::new("/bin/ours");
        let listed = Ok(Some((Duration::from_millis(2), 1001)));
        ours.objects = Ok(ObjectFigures {
            networks: listed.clone(),
            pools: listed.clone(),
            volumes: listed,
            managed: Ok(None),
        });
        let text = table(&ours, None, 8, 1000);
        let line = |label: &str| {
            text.lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_default()
                .to_owned()
        };
        assert!(line("ListNetworks at M (median)").contains("2.00 ms"));
        assert!(line("ListStorageVolumes at M (median)").contains("2.00 ms"));
        assert!(line("GetManagedObjects with M networks").contains("n/a"));
    }
}
