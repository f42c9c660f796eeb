//! The systemd units in contrib/systemd/: each service runs as `arshif` in
//! the sandbox the README promises, its ExecStart names a real subcommand
//! with flags the built binary accepts, each timer starts a service that
//! exists, and `systemd-analyze verify` (where installed) finds nothing.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// A unit file: its sections, each key's values in order (keys repeat).
type Unit = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn parse(text: &str) -> Unit {
    let mut unit = Unit::new();
    let mut section = String::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if pending.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with(';'))
        {
            continue;
        }
        if let Some(cont) = line.strip_suffix('\\') {
            pending.push_str(cont);
            pending.push(' ');
            continue;
        }
        let line = format!("{pending}{line}");
        pending.clear();
        if line.starts_with('[') && line.ends_with(']') {
            section = line[1..line.len() - 1].to_string();
            unit.entry(section.clone()).or_default();
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not key=value: {line}"));
        unit.entry(section.clone())
            .or_default()
            .entry(k.trim().to_string())
            .or_default()
            .push(v.trim().to_string());
    }
    unit
}

fn units_dir() -> PathBuf {
    repo().join("contrib/systemd")
}

fn units(suffix: &str) -> Vec<(String, Unit)> {
    let mut out: Vec<(String, Unit)> = std::fs::read_dir(units_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == suffix))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, parse(&std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Words of a command line: whitespace-separated, quotes removed.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// The arshif command line of an ExecStart: the binary's words, or those
/// of the `sh -c` script that `exec`s it.
fn arshif_command(exec: &str) -> Vec<String> {
    let w = words(exec);
    let w = if w[0] == "/bin/sh" {
        assert_eq!(w[1], "-c", "{exec}");
        words(&w[2])
    } else {
        w
    };
    let at = w
        .iter()
        .position(|x| x == "/usr/local/bin/arshif")
        .unwrap_or_else(|| panic!("ExecStart does not run /usr/local/bin/arshif: {exec}"));
    w[at..].to_vec()
}

#[test]
fn every_service_is_sandboxed_and_runs_a_real_command() {
    let services = units("service");
    let names: Vec<&str> = services.iter().map(|(n, _)| n.as_str()).collect();
    for wanted in [
        "arshif-serve.service",
        "arshif-worker.service",
        "arshif-watch@.service",
        "arshif-check.service",
        "arshif-export.service",
    ] {
        assert!(names.contains(&wanted), "{wanted} missing: {names:?}");
    }
    let main_help =
        String::from_utf8(Command::new(bin()).arg("--help").output().unwrap().stdout).unwrap();
    for (name, unit) in &services {
        let s = &unit["Service"];
        let one = |k: &str| -> &str {
            let v = s.get(k).unwrap_or_else(|| panic!("{name}: no {k}="));
            v.last().unwrap()
        };
        let all = |k: &str| -> Vec<&str> {
            s.get(k)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default()
        };
        assert_eq!(one("User"), "arshif", "{name}");
        assert_eq!(one("Group"), "arshif", "{name}");
        for (k, v) in [
            ("ProtectSystem", "strict"),
            ("NoNewPrivileges", "yes"),
            ("PrivateTmp", "yes"),
            ("PrivateDevices", "yes"),
            ("ProtectHome", "yes"),
            ("ProtectKernelTunables", "yes"),
            ("ProtectKernelModules", "yes"),
            ("ProtectControlGroups", "yes"),
            ("RestrictNamespaces", "yes"),
            ("RestrictSUIDSGID", "yes"),
            ("LockPersonality", "yes"),
            ("MemoryDenyWriteExecute", "yes"),
            ("CapabilityBoundingSet", ""),
            ("SystemCallFilter", "@system-service"),
            ("SystemCallArchitectures", "native"),
            ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
            ("StateDirectory", "arshif"),
            ("UMask", "0077"),
        ] {
            assert_eq!(one(k), v, "{name}: {k}");
        }
        // The archive is the one writable place (and the export's bags,
        // the scanner folder).
        let writable = all("ReadWritePaths");
        assert_eq!(writable[0], "/var/lib/arshif", "{name}");
        for w in &writable[1..] {
            assert!(
                (name == "arshif-export.service" && *w == "/var/backups/arshif")
                    || (name == "arshif-watch@.service" && *w == "/srv/scanner/%i"),
                "{name}: writes {w}"
            );
        }
        let env = all("Environment");
        assert!(env.contains(&"ARSHIF_ARCHIVE=/var/lib/arshif"), "{name}");

        // ExecStart: a subcommand the binary has, flags it takes.
        let exec = all("ExecStart");
        assert_eq!(exec.len(), 1, "{name}");
        let cmd = arshif_command(exec[0]);
        let sub = &cmd[1];
        assert!(
            !sub.starts_with('-'),
            "{name}: global flags before the subcommand"
        );
        assert!(
            main_help.contains(&format!("\n  {sub} ")),
            "{name}: arshif has no subcommand {sub}"
        );
        let help = Command::new(bin())
            .args([sub.as_str(), "--help"])
            .output()
            .unwrap();
        assert!(help.status.success(), "{name}: {sub} --help");
        let help = String::from_utf8(help.stdout).unwrap();
        for flag in cmd.iter().filter(|w| w.starts_with("--")) {
            let flag = flag.split('=').next().unwrap();
            let known = help
                .split(|c: char| c.is_whitespace() || c == ',')
                .any(|w| w == flag);
            assert!(known, "{name}: `arshif {sub}` takes no {flag}:\n{help}");
        }
        // Where pages are read, OpenMP is limited before Tesseract loads.
        if ["serve", "watch", "worker"].contains(&sub.as_str()) {
            assert!(env.contains(&"OMP_THREAD_LIMIT=1"), "{name}");
            assert_eq!(unit["Install"]["WantedBy"], ["multi-user.target"], "{name}");
        } else {
            assert_eq!(one("Type"), "oneshot", "{name}");
        }
        match name.as_str() {
            "arshif-check.service" => assert!(cmd.contains(&"--deep".to_string())),
            "arshif-export.service" => {
                assert_eq!(sub, "export");
                let since = cmd.iter().position(|w| w == "--since").unwrap();
                assert!(
                    cmd[since + 1].contains("date -u -d yesterday +%%F"),
                    "{cmd:?}"
                );
                assert!(cmd
                    .last()
                    .unwrap()
                    .starts_with("/var/backups/arshif/$$(date"));
            }
            "arshif-watch@.service" => {
                assert_eq!(cmd.last().unwrap(), "/srv/scanner/%i");
                assert!(cmd.windows(2).any(|w| w == ["--branch", "%i"]), "{cmd:?}");
            }
            _ => {}
        }
    }
}

#[test]
fn the_export_command_accepts_the_dates_the_unit_computes() {
    // What the unit's shell computes, run for real: a bag of the documents
    // imported since yesterday, in a new dated directory.
    let a = TestArchive::new();
    let (r, code) = a.ingest(&["--branch", "hofuf"], &[&samples().join("ar")]);
    assert_eq!(code, 0, "{r}");
    let exec = &units("service")
        .into_iter()
        .find(|(n, _)| n == "arshif-export.service")
        .unwrap()
        .1["Service"]["ExecStart"][0];
    let backups = a.scratch("backups");
    // systemd's escapes undone, the paths pointed at this test's.
    let script = words(exec)[2]
        .replace("$$", "$")
        .replace("%%", "%")
        .replace("/usr/local/bin/arshif", bin())
        .replace("/var/backups/arshif", &backups.to_string_lossy());
    let out = Command::new("/bin/sh")
        .args(["-c", &script])
        .env("ARSHIF_ARCHIVE", &a.dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let bags: Vec<PathBuf> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(bags.len(), 1, "{bags:?}");
    let name = bags[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.len() == "2026-01-01T000000Z".len() && name.ends_with('Z'),
        "{name}"
    );
    let manifest = std::fs::read_to_string(bags[0].join("manifest-sha256.txt")).unwrap();
    assert!(manifest.lines().count() >= 2, "{manifest}");
}

#[test]
fn every_timer_starts_an_existing_service() {
    let timers = units("timer");
    assert_eq!(timers.len(), 2);
    for (name, unit) in &timers {
        let t = &unit["Timer"];
        let service = &t["Unit"][0];
        assert!(units_dir().join(service).exists(), "{name}: no {service}");
        assert!(!t["OnCalendar"][0].is_empty(), "{name}");
        assert_eq!(t["Persistent"], ["true"], "{name}");
        assert_eq!(unit["Install"]["WantedBy"], ["timers.target"], "{name}");
    }
}

/// `systemd-analyze verify` on every unit (the template as an instance),
/// with ExecStart pointed at the built binary, which must exist.
#[test]
fn systemd_analyze_verifies_every_unit() {
    let Some(analyze) = which("systemd-analyze") else {
        eprintln!("note: systemd-analyze is not installed; the units were only parsed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut verify = Vec::new();
    for e in std::fs::read_dir(units_dir()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with(".service") || name.ends_with(".timer")) {
            continue;
        }
        let text = std::fs::read_to_string(&p)
            .unwrap()
            .replace("/usr/local/bin/arshif", bin());
        std::fs::write(tmp.path().join(&name), text).unwrap();
        verify.push(name.replace("@.service", "@hofuf.service"));
    }
    verify.sort();
    let out = Command::new(analyze)
        .arg("verify")
        .arg("--man=no")
        .args(verify.iter().map(|n| tmp.path().join(n)))
        .output()
        .unwrap();
    let err = stderr(&out);
    // Unknown keys and bad values are only warned about: any word about
    // one of these units is a failure.
    let about_ours: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("arshif") || l.contains(&*tmp.path().to_string_lossy()))
        .collect();
    assert!(
        out.status.success() && about_ours.is_empty(),
        "systemd-analyze verify {verify:?}:\n{err}"
    );
}

fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(cmd))
        .find(|p| p.is_file())
}

/// `make install`'s script into a DESTDIR with another prefix: the binary,
/// a manual page per command, the three shells' completions, and the units
/// naming the installed binary.
#[test]
fn the_install_script_installs_binary_manuals_completions_and_units() {
    let dest = tempfile::tempdir().unwrap();
    let out = Command::new(repo().join("scripts/install.sh"))
        .arg(bin())
        .env("DESTDIR", dest.path())
        .env("PREFIX", "/usr")
        .output()
        .unwrap();
    assert!(out.status.success(), "install.sh: {}", stderr(&out));
    let root = dest.path();
    let usr = root.join("usr");
    assert!(usr.join("bin/arshif").is_file());
    let man1 = usr.join("share/man/man1");
    for page in ["arshif.1", "arshif-ingest.1", "arshif-user-add.1"] {
        let text = std::fs::read_to_string(man1.join(page)).unwrap_or_default();
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page}: {text:.200}"
        );
    }
    let ingest = std::fs::read_to_string(man1.join("arshif-ingest.1")).unwrap();
    assert!(ingest.contains("branch"), "{ingest:.400}");
    let bash =
        std::fs::read_to_string(usr.join("share/bash-completion/completions/arshif")).unwrap();
    assert!(
        bash.contains("complete") && bash.contains("ingest"),
        "{bash:.300}"
    );
    assert!(usr.join("share/zsh/site-functions/_arshif").is_file());
    assert!(usr
        .join("share/fish/vendor_completions.d/arshif.fish")
        .is_file());
    let serve =
        std::fs::read_to_string(root.join("etc/systemd/system/arshif-serve.service")).unwrap();
    assert!(serve.contains("ExecStart=/usr/bin/arshif serve"), "{serve}");
    assert!(!serve.contains("/usr/local/bin"), "{serve}");
    assert!(root.join("etc/tmpfiles.d/arshif.conf").is_file());
}
