//! The demo's safety contract: the binary never suggests a destructive command.

use std::process::Command;

fn caro(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_caro")).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn version_is_reported() {
    assert!(caro(&["--version"]).starts_with("caro "));
}

#[test]
fn never_suggests_rm_rf() {
    for q in ["list files", "disk usage", "delete everything"] {
        assert!(!caro(&[q]).contains("rm -rf"));
    }
}
