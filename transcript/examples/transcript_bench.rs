//! Measures `transcript::render` on a 1,000-message conversation with 20
//! images of 800 × 600 (10 JPEG, 10 PNG), with and without attachments:
//! generation time (p50, p99 over several runs, native, this machine; wall
//! clock and the rendering thread's CPU time, which other load on a shared
//! machine does not inflate) and PDF size.
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
        "{:<22} {:>10} {:>10} {:>10} {:>10} {:>7} {:>10}",
        "", "wall p50", "wall p99", "CPU p50", "CPU p99", "pages", "PDF size"
    );
    for with_attachments in [false, true] {
        let options = transcript::Options { with_attachments };
        let mut wall = Vec::with_capacity(RUNS);
        let mut cpu = Vec::with_capacity(RUNS);
        let mut pdf = Vec::new();
        for _ in 0..RUNS {
            let (start, start_cpu) = (Instant::now(), thread_cpu_time());
            pdf = transcript::render(&conversation, &options)?;
            wall.push(start.elapsed());
            cpu.push(thread_cpu_time().saturating_sub(start_cpu));
        }
        wall.sort();
        cpu.sort();
        let pick = |samples: &[Duration], q: f64| {
            samples[((samples.len() as f64 - 1.0) * q).round() as usize]
        };
        let pages = lopdf::Document::load_mem(&pdf)?.get_pages().len();
        let label = if with_attachments {
            "with attachments"
        } else {
            "without attachments"
        };
        println!(
            "{:<22} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7} KB",
            label,
            ms(pick(&wall, 0.5)),
            ms(pick(&wall, 0.99)),
            ms(pick(&cpu, 0.5)),
            ms(pick(&cpu, 0.99)),
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

/// The CPU time this thread has used so far.
fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill in.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    if ok {
        Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
    } else {
        Duration::ZERO
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
