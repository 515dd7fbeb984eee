//! The man page and completions the binary generates from its command-line definition (what
//! scripts/install.sh installs): every option of `--help` is in the page, with the
//! connection objects; the completions know the options too.

mod common;

use std::{
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use common::virtbus_bin;

/// Runs `virtbus args...` (5 s at most) and returns its output; panics if it fails.
fn run(args: &[&str]) -> Output {
    let mut child = Command::new(virtbus_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn virtbus");
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("virtbus {args:?} did not exit within 5 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    assert!(out.status.success(), "virtbus {args:?}: {out:?}");
    out
}

/// The long options `--help` shows.
fn help_options() -> Vec<String> {
    let help = String::from_utf8(run(&["--help"]).stdout).unwrap();
    let mut options: Vec<String> = help
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(str::to_owned)
        .collect();
    options.sort();
    options.dedup();
    options
}

#[test]
fn the_man_page_lists_every_option_of_help() {
    let page = String::from_utf8(run(&["--man-page"]).stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH virtbus 1"),
        "not roff:\n{page}"
    );
    let options = help_options();
    for expected in [
        "--session",
        "--system",
        "--address",
        "--threads",
        "--log-level",
        "--list-drivers",
    ] {
        assert!(
            options.iter().any(|o| o == expected),
            "--help lacks {expected}: {options:?}"
        );
    }
    for option in &options {
        // roff escapes each '-' as "\-".
        let roff = option.replace('-', "\\-");
        assert!(
            page.contains(&format!("\\fB{roff}\\fR")),
            "the man page lacks {option}"
        );
    }
    // The options for packagers are hidden from both.
    assert!(!page.contains("man\\-page"), "hidden option in the page");
    // The connection objects, as --help and --list-drivers give them.
    assert!(
        page.contains("/org/libvirt/Test"),
        "no connection object in the page"
    );
}

#[test]
fn completions_know_the_options() {
    for shell in ["bash", "zsh", "fish"] {
        let script = String::from_utf8(run(&["--completions", shell]).stdout).unwrap();
        for option in ["session", "log-level", "list-drivers"] {
            assert!(script.contains(option), "{shell} completion lacks {option}");
        }
    }
    // log-level's values are offered.
    let bash = String::from_utf8(run(&["--completions", "bash"]).stdout).unwrap();
    assert!(bash.contains("debug"), "bash completion lacks the levels");
}
