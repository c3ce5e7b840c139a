//! Measures `transcript::render` on a 1,000-message conversation with 20
//! images of 800 × 600 (10 JPEG, 10 PNG), with and without attachments:
//! generation time (p50, p99 over several runs, native, this machine) and
//! PDF size.
//!
//! `cargo run --release -p transcript --example transcript-bench [-- OUT_DIR]`
//! (with `OUT_DIR`, the two PDFs are written there to look at).

#[path = "../tests/it/fixtures.rs"]
mod fixtures;

use std::time::{Duration, Instant};

const MESSAGES: usize = 1_000;
const IMAGES: usize = 20;
const RUNS: usize = 21;

fn main() -> anyhow::Result<()> {
    let out_dir = std::env::args().nth(1);
    let conversation = fixtures::conversation(MESSAGES, IMAGES, 800, 600);
    let image_bytes: usize = conversation
        .messages
        .iter()
        .flat_map(|m| &m.attachments)
        .filter_map(|a| a.bytes.as_ref().map(Vec::len))
        .sum();
    let text_chars: usize = conversation
        .messages
        .iter()
        .map(|m| m.text.chars().count())
        .sum();
    println!(
        "transcript benchmark: {MESSAGES} messages ({} KB of text), {IMAGES} images 800x600 (JPEG and PNG, {} KB), {RUNS} runs each, native release build",
        text_chars / 1024,
        image_bytes / 1024
    );
    println!(
        "{:<22} {:>10} {:>10} {:>8} {:>10}",
        "", "p50", "p99", "pages", "PDF size"
    );
    for with_attachments in [false, true] {
        let options = transcript::Options { with_attachments };
        let mut samples = Vec::with_capacity(RUNS);
        let mut pdf = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            pdf = transcript::render(&conversation, &options)?;
            samples.push(start.elapsed());
        }
        samples.sort();
        let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
        let pages = lopdf::Document::load_mem(&pdf)?.get_pages().len();
        let label = if with_attachments {
            "with attachments"
        } else {
            "without attachments"
        };
        println!(
            "{:<22} {:>10} {:>10} {:>8} {:>7} KB",
            label,
            ms(pick(0.5)),
            ms(pick(0.99)),
            pages,
            pdf.len() / 1024
        );
        if let Some(dir) = &out_dir {
            let path = format!(
                "{dir}/transcript-{}.pdf",
                if with_attachments { "with" } else { "without" }
            );
            std::fs::write(&path, &pdf)?;
        }
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
