//! Demo stand-in for caro (natural language to shell commands), std only.
//! `--version` prints the version; `telemetry export -o PATH` writes a PII-free
//! telemetry export; anything else is "translated" by a tiny static pattern table.

use std::env;
use std::fs;
use std::process::ExitCode;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn translate(query: &str) -> Option<&'static str> {
    let q = query.to_lowercase();
    let table: [(&str, &str); 4] = [
        ("list files", "ls -la"),
        ("disk usage", "du -sh ."),
        ("current directory", "pwd"),
        ("processes", "ps aux"),
    ];
    table.iter().find(|(k, _)| q.contains(k)).map(|(_, v)| *v)
}

fn telemetry_export(path: &str) -> std::io::Result<()> {
    let events = format!(
        "[\n  {{\"id\": \"e1\", \"session_id\": \"s-2f1c\", \"timestamp\": \"2026-01-14T09:00:00Z\", \"type\": \"session_start\", \"version\": \"{v}\"}},\n  {{\"id\": \"e2\", \"session_id\": \"s-2f1c\", \"timestamp\": \"2026-01-14T09:00:01Z\", \"type\": \"command_generation\", \"backend\": \"static\", \"latency_ms\": 3, \"success\": true}},\n  {{\"id\": \"e3\", \"session_id\": \"s-2f1c\", \"timestamp\": \"2026-01-14T09:00:01Z\", \"type\": \"safety_validation\", \"risk\": \"safe\"}},\n  {{\"id\": \"e4\", \"session_id\": \"s-2f1c\", \"timestamp\": \"2026-01-14T09:00:02Z\", \"type\": \"session_end\", \"commands\": 1}}\n]\n",
        v = VERSION
    );
    fs::write(path, events)
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--version"] | ["-V"] => {
            println!("caro {VERSION}");
            ExitCode::SUCCESS
        }
        ["telemetry", "export", "-o", path] => match telemetry_export(path) {
            Ok(()) => {
                println!("exported 4 events to {path}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write {path}: {e}");
                ExitCode::FAILURE
            }
        },
        [] => {
            eprintln!("usage: caro \"<what you want to do>\" | --version | telemetry export -o PATH");
            ExitCode::from(2)
        }
        words => match translate(&words.join(" ")) {
            Some(cmd) => {
                println!("{cmd}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("caro: no command for that yet");
                ExitCode::FAILURE
            }
        },
    }
}
