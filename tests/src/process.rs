//! The workerd process that runs a worker under `wrangler dev`, and its
//! CPU time: what the benchmarks count as the worker's CPU.

use std::time::Duration;

/// The workerd processes wrangler started in its process group `group`:
/// the one that runs the worker, not the proxy that listens on `port`.
pub fn worker_process(group: u32, port: u16) -> Option<u32> {
    let entry = format!("entry=127.0.0.1:{port}");
    let mut found = None;
    for dir in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = dir.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if !head.ends_with("(workerd") {
            continue;
        }
        // After the name: state, ppid, pgrp.
        let pgrp = rest.split_whitespace().nth(2)?.parse::<u32>().ok()?;
        if pgrp != group {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmdline).contains(&entry) {
            found = Some(pid);
        }
    }
    found
}

/// The process's CPU time so far (user and system, every thread).
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after
    // the name.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_micros(ticks * 1_000_000 / hz))
}
