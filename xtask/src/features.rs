//! Each crate's features table says what its Cargo.toml says: a test, so a
//! feature added, removed or made default fails until the docs follow.
//!
//! Every crate with features has one table under `# Features` in its
//! `src/lib.rs` docs; a README that has a table whose first column is
//! `feature` is held to the same list. Rows name features in backticks in
//! the first column (one row may name several); `default` itself is not a
//! feature and is not listed, but where a table has a `default` column,
//! each row's `yes` or `no` must match Cargo.toml's `default`.

use std::collections::BTreeSet;
use std::path::Path;

/// What is wrong with the features tables of every crate under `crates/`.
pub fn problems(root: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut crates: Vec<_> = std::fs::read_dir(root.join("crates"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    crates.sort();
    for dir in crates {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok();
        let manifest = read("Cargo.toml").ok_or_else(|| format!("{name}: no Cargo.toml"))?;
        let lib = read("src/lib.rs").unwrap_or_default();
        let readme = read("README.md");
        out.extend(check_crate(&name, &manifest, &lib, readme.as_deref()));
    }
    Ok(out)
}

/// The features of a manifest (`default` left out) and those on by default.
fn manifest_features(manifest: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut all = BTreeSet::new();
    let mut default = BTreeSet::new();
    let Some((_, section)) = manifest.split_once("\n[features]\n") else {
        return (all, default);
    };
    let section = section.split("\n[").next().unwrap_or_default();
    // `key = [ ... ]`, the list possibly over several lines.
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in section.lines() {
        let line = line.split('#').next().unwrap_or_default();
        match line.split_once('=') {
            Some((key, value)) if !line.starts_with([' ', '\t', '"']) => {
                entries.push((key.trim().to_owned(), value.to_owned()));
            }
            _ => {
                if let Some((_, value)) = entries.last_mut() {
                    value.push_str(line);
                }
            }
        }
    }
    for (key, value) in entries {
        if key == "default" {
            default = value
                .split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
        } else {
            all.insert(key);
        }
    }
    (all, default)
}

/// One table's rows: the features each names, and its `default` cell when
/// the table has that column.
fn table_rows(lines: &[&str]) -> Vec<(Vec<String>, Option<String>)> {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| l.trim())
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    let Some(header) = rows.first() else {
        return Vec::new();
    };
    let default_col = header.iter().position(|c| c == "default");
    rows.iter()
        .skip(2) // header and |---|
        .map(|cells| {
            let names = cells[0]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
            (names, default_col.and_then(|i| cells.get(i).cloned()))
        })
        .collect()
}

/// The rows of the table under `# Features` in a crate's `//!` docs.
fn lib_table(lib: &str) -> Option<Vec<(Vec<String>, Option<String>)>> {
    let docs: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let start = docs.iter().position(|l| *l == "# Features")?;
    let section: Vec<&str> = docs[start + 1..]
        .iter()
        .take_while(|l| !l.starts_with("# "))
        .copied()
        .collect();
    let first = section.iter().position(|l| l.starts_with('|'))?;
    Some(table_rows(&section[first..]))
}

/// The rows of a README's table whose first column is `feature`.
fn readme_table(readme: &str) -> Option<Vec<(Vec<String>, Option<String>)>> {
    let lines: Vec<&str> = readme.lines().collect();
    let first = lines.iter().position(|l| l.starts_with("| feature |"))?;
    Some(table_rows(&lines[first..]))
}

fn check_table(
    krate: &str,
    place: &str,
    rows: &[(Vec<String>, Option<String>)],
    all: &BTreeSet<String>,
    default: &BTreeSet<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut listed = BTreeSet::new();
    for (names, on) in rows {
        for name in names {
            listed.insert(name.clone());
            let want = if default.contains(name) { "yes" } else { "no" };
            if let Some(on) = on.as_deref().filter(|on| *on != want) {
                out.push(format!(
                    "{krate}: {place} says `{name}` default {on}, Cargo.toml says {want}"
                ));
            }
        }
    }
    for name in all.difference(&listed) {
        out.push(format!("{krate}: {place} does not list feature `{name}`"));
    }
    for name in listed.difference(all) {
        out.push(format!(
            "{krate}: {place} lists `{name}`, which Cargo.toml does not have"
        ));
    }
    out
}

/// What is wrong with one crate's tables.
fn check_crate(krate: &str, manifest: &str, lib: &str, readme: Option<&str>) -> Vec<String> {
    let (all, default) = manifest_features(manifest);
    let mut out = Vec::new();
    match lib_table(lib) {
        Some(rows) => out.extend(check_table(krate, "src/lib.rs", &rows, &all, &default)),
        None if !all.is_empty() => out.push(format!(
            "{krate}: src/lib.rs has no features table under `# Features`"
        )),
        None => {}
    }
    if let Some(rows) = readme.and_then(readme_table) {
        out.extend(check_table(krate, "README.md", &rows, &all, &default));
    }
    out
}

#[test]
fn every_crate_s_features_tables_list_its_features() {
    let problems = problems(&crate::workspace_root()).unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
    // Not vacuous: the crates with features were read as having them.
    let manifest = include_str!("../../crates/linq-client/Cargo.toml");
    let (all, default) = manifest_features(manifest);
    assert!(
        all.contains("blocking") && default.contains("hyper") && default.contains("payments"),
        "{all:?} {default:?}"
    );
    assert!(!all.contains("default"));
}

#[test]
fn a_missing_extra_or_wrongly_default_feature_fails() {
    let manifest = "[package]\nname = \"x\"\n\n[features]\ndefault = [\"a\"]\n## A.\na = []\nb = [\n    \"dep:y\",\n]\n\n[dependencies]\nz = \"1\"\n";
    let lib = "//! X.\n//!\n//! # Features\n//!\n//! | feature | default | adds |\n//! |---|---|---|\n//! | `a`, `c` | no | A |\n//!\n//! # Example\n//! | `b` | no | not in the table |\n";
    let readme = "# x\n\n| feature | adds |\n|---|---|\n| `a` | A |\n| `b` | B |\n";
    assert_eq!(
        check_crate("x", manifest, lib, Some(readme)),
        [
            "x: src/lib.rs says `a` default no, Cargo.toml says yes",
            "x: src/lib.rs does not list feature `b`",
            "x: src/lib.rs lists `c`, which Cargo.toml does not have",
        ]
    );
    assert_eq!(
        check_crate("x", manifest, "//! No table.\n", None),
        ["x: src/lib.rs has no features table under `# Features`"]
    );
    let right = "//! # Features\n//!\n//! | feature | default |\n//! |---|---|\n//! | `a` | yes |\n//! | `b` | no |\n";
    assert!(check_crate("x", manifest, right, Some(readme)).is_empty());
    // A default list over several lines is read whole.
    let (_, default) = manifest_features(
        "[package]\n[features]\ndefault = [\n    \"a\",\n    \"b\", # why\n]\na = []\n",
    );
    assert_eq!(default, ["a".to_owned(), "b".to_owned()].into());
    // A crate without features needs no table.
    assert!(check_crate("x", "[package]\nname = \"x\"\n", "//! X.\n", None).is_empty());
}
