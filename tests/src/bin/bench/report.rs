//! Output: the figures of each load with their ratios to the reference,
//! the targets, and the transfer sizes.

use super::*;

pub(super) fn gz(bytes: &[u8]) -> Result<usize> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?.len())
}

/// Raw and gzipped bytes of the given files, summed.
pub(super) fn sizes(root: &Path, files: &[&str]) -> Result<(usize, usize)> {
    let (mut raw, mut packed) = (0, 0);
    for f in files {
        let path: PathBuf = root.join(f);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        raw += bytes.len();
        packed += gz(&bytes)?;
    }
    Ok((raw, packed))
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub(super) fn ratio(x: f64, reference: f64) -> String {
    if reference > 0.0 {
        format!("{:.2}x", x / reference)
    } else {
        "-".into()
    }
}

/// What one load measured, by system.
#[derive(Default)]
pub(super) struct Row {
    pub(super) reference: Option<Figures>,
    pub(super) acked: Option<Figures>,
    pub(super) product: Option<Figures>,
    pub(super) receipts: Option<Figures>,
    pub(super) echo: Option<Figures>,
}

impl Row {
    pub(super) fn set(&mut self, system: System, f: Figures) {
        match system {
            System::Reference => self.reference = Some(f),
            System::Acked => self.acked = Some(f),
            System::Product => self.product = Some(f),
            System::Receipts => self.receipts = Some(f),
            System::Echo => self.echo = Some(f),
        }
    }
}

pub(super) fn print_row(load: &Load, row: &Row) {
    let cell =
        |f: Option<Figures>, get: &dyn Fn(&Figures) -> String| f.as_ref().map_or("-".into(), get);
    let vs = |f: Option<Figures>, get: &dyn Fn(&Figures) -> f64| match (f, row.reference) {
        (Some(f), Some(r)) => ratio(get(&f), get(&r)),
        _ => "-".into(),
    };
    let lines: Vec<(&str, &dyn Fn(&Figures) -> String, &dyn Fn(&Figures) -> f64)> = {
        let mut l: Vec<(&str, &dyn Fn(&Figures) -> String, &dyn Fn(&Figures) -> f64)> = Vec::new();
        if load.rate.is_none() {
            l.push(("msg/s", &|f| format!("{:.0}", f.per_second), &|f| {
                f.per_second
            }));
        }
        l.push(("p50", &|f| ms(f.p50), &|f| f.p50.as_secs_f64()));
        l.push(("p99", &|f| ms(f.p99), &|f| f.p99.as_secs_f64()));
        l.push(("CPU/msg", &|f| f.cpu.map_or("-".into(), ms), &|f| {
            f.cpu.map_or(0.0, |c| c.as_secs_f64())
        }));
        l
    };
    for (i, (what, show, value)) in lines.into_iter().enumerate() {
        println!(
            "{:<32} {:>8} | {:>9} | {:>9} {:>6} | {:>9} {:>6} | {:>9} {:>6} | {:>9} {:>6}",
            if i == 0 { load.name } else { "" },
            what,
            cell(row.reference, show),
            cell(row.acked, show),
            vs(row.acked, value),
            cell(row.product, show),
            vs(row.product, value),
            cell(row.receipts, show),
            vs(row.receipts, value),
            cell(row.echo, show),
            vs(row.echo, value),
        );
    }
    let counts = [
        row.reference,
        row.acked,
        row.product,
        row.receipts,
        row.echo,
    ]
    .map(|f| f.map_or("-".into(), |f| f.count.to_string()));
    println!(
        "{:<32} {:>8} | {:>9} | {:>16} | {:>16} | {:>16} | {:>16}",
        "", "messages", counts[0], counts[1], counts[2], counts[3], counts[4]
    );
    if let Some(r) = row.receipts {
        println!(
            "{:<32} {:>8}   receipts the agent app sent per visitor message: {:.2}",
            "", "", r.receipts
        );
    }
}

/// The spec's targets, as ratios to the reference in the same run.
pub(super) fn print_targets(rows: &[(&Load, Row)]) {
    println!();
    println!("targets (ratio to the JavaScript reference, same run):");
    let check = |label: String, value: Option<f64>, limit: f64, at_most: bool| {
        let Some(v) = value else { return };
        let met = if at_most { v <= limit } else { v >= limit };
        println!(
            "  {label:<60} {v:>5.2}x (target {} {limit}x): {}",
            if at_most { "<=" } else { ">=" },
            if met { "met" } else { "NOT MET" }
        );
    };
    for (load, row) in rows {
        let Some(r) = row.reference else { continue };
        for (name, f) in [("product", row.product), ("with receipts", row.receipts)] {
            let Some(f) = f else { continue };
            let at = format!("{}, {name}", load.name);
            if load.rate.is_none() {
                check(
                    format!("{at}: throughput"),
                    Some(f.per_second / r.per_second),
                    1.2,
                    false,
                );
            } else {
                check(
                    format!("{at}: p50"),
                    Some(f.p50.as_secs_f64() / r.p50.as_secs_f64()),
                    1.0,
                    true,
                );
                check(
                    format!("{at}: p99"),
                    Some(f.p99.as_secs_f64() / r.p99.as_secs_f64()),
                    0.8,
                    true,
                );
            }
            if let (Some(c), Some(rc)) = (f.cpu, r.cpu) {
                check(
                    format!("{at}: CPU per message"),
                    Some(c.as_secs_f64() / rc.as_secs_f64()),
                    0.8,
                    true,
                );
            }
        }
    }
}

/// The product beside the reference that acknowledges each message: the
/// same work at the sender's side (stored, then acked) in plain
/// JavaScript, which the targets' reference does not do.
pub(super) fn print_against_acked(rows: &[(&Load, Row)]) {
    let mut lines = Vec::new();
    for (load, row) in rows {
        let (Some(a), Some(p)) = (row.acked, row.product) else {
            continue;
        };
        let cpu = match (p.cpu, a.cpu) {
            (Some(c), Some(ac)) => ratio(c.as_secs_f64(), ac.as_secs_f64()),
            _ => "-".into(),
        };
        let pace = if load.rate.is_none() {
            format!("throughput {}", ratio(p.per_second, a.per_second))
        } else {
            format!(
                "p50 {}, p99 {}",
                ratio(p.p50.as_secs_f64(), a.p50.as_secs_f64()),
                ratio(p.p99.as_secs_f64(), a.p99.as_secs_f64())
            )
        };
        lines.push(format!(
            "  {:<40} {pace}, CPU per message {cpu}",
            format!("{}:", load.name)
        ));
    }
    if lines.is_empty() {
        return;
    }
    println!();
    println!("the product (no receipts) against the reference with acks, same run:");
    for line in lines {
        println!("{line}");
    }
}

pub(super) fn print_sizes(root: &Path) -> Result<()> {
    let (w_raw, w_gz) = sizes(root, &["edge/build/index_bg.wasm"])?;
    let (l_raw, l_gz) = sizes(root, &["dist/widget.js"])?;
    let (c_raw, c_gz) = sizes(
        root,
        &[
            "dist/widget.js",
            "dist/widget/frame.html",
            "dist/widget/pkg/widget.js",
            "dist/widget/pkg/widget_bg.wasm",
        ],
    )?;
    let (a_raw, a_gz) = sizes(
        root,
        &[
            "dist/agent/index.html",
            "dist/agent/pkg/agent_ui.js",
            "dist/agent/pkg/__wasm_split.js",
            "dist/agent/pkg/agent_ui_bg.wasm",
        ],
    )?;
    // Administration and Reports: fetched when a manager first opens one
    // (its name carries a digest, see scripts/build-web.sh).
    let part = std::fs::read_dir(root.join("dist/agent/pkg"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|name| name.starts_with("split_management.") && name.ends_with(".wasm"))
        .context("dist/agent/pkg holds no split_management.*.wasm")?;
    let (d_raw, d_gz) = sizes(root, &[&format!("dist/agent/pkg/{part}")])?;
    let kb = |n: usize| format!("{:.1} KB", n as f64 / 1000.0);
    let budget = |ok: bool| if ok { "within budget" } else { "OVER BUDGET" };
    println!();
    println!("{:<40} {:>10} {:>10}", "transfer size", "raw", "gzip");
    println!("{:<40} {:>10} {:>10}", "worker Wasm", kb(w_raw), kb(w_gz));
    println!(
        "{:<40} {:>10} {:>10}",
        "widget first load (launcher only)",
        kb(l_raw),
        kb(l_gz)
    );
    println!(
        "{:<40} {:>10} {:>10}",
        "widget until the chat is usable",
        kb(c_raw),
        kb(c_gz)
    );
    println!("{:<40} {:>10} {:>10}", "agent app", kb(a_raw), kb(a_gz));
    println!(
        "{:<40} {:>10} {:>10}",
        "agent app on demand (admin, reports)",
        kb(d_raw),
        kb(d_gz)
    );
    println!();
    println!(
        "widget first load: {} gzipped (budget 5 KB): {}",
        kb(l_gz),
        budget(l_gz < 5_000)
    );
    println!(
        "worker: {} gzipped (budget 1 MB): {}",
        kb(w_gz),
        budget(w_gz < 1_000_000)
    );
    Ok(())
}
