//! The code map in ARCHITECTURE.md names every source file: a check, so the
//! map stays true as files come and go.

use std::path::{Path, PathBuf};

use crate::workspace_root;

/// `cargo xtask codemap`: fails, naming them, when source files are
/// missing from ARCHITECTURE.md's code map.
pub fn run(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err(format!("codemap takes no arguments, got {args:?}"));
    }
    let missing = unnamed_files(&workspace_root())?;
    if missing.is_empty() {
        eprintln!("codemap: ARCHITECTURE.md names every source file");
        return Ok(());
    }
    Err(format!(
        "ARCHITECTURE.md's code map does not name:\n  {}",
        missing.join("\n  ")
    ))
}

/// Source files of the workspace's crates, relative to their crate's
/// `src/`, that ARCHITECTURE.md's section for the crate does not name.
/// Generated files are covered by naming `generated/`.
pub fn unnamed_files(root: &Path) -> Result<Vec<String>, String> {
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md"))
        .map_err(|e| format!("ARCHITECTURE.md: {e}"))?;
    let mut missing = Vec::new();
    let crates = std::fs::read_dir(root.join("crates")).map_err(|e| e.to_string())?;
    let mut names: Vec<String> = crates
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for krate in names {
        let section = section(&map, &krate)
            .ok_or_else(|| format!("ARCHITECTURE.md has no `### {krate}` section"))?;
        let src = root.join("crates").join(&krate).join("src");
        for file in rust_files(&src) {
            let rel = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.starts_with("generated/") {
                if !section.contains("generated/") {
                    missing.push(format!("{krate}: generated/"));
                }
                continue;
            }
            if !is_named(section, &rel) {
                missing.push(format!("{krate}: {rel}"));
            }
        }
    }
    missing.dedup();
    Ok(missing)
}

/// Whether the section names a file: `dir/file.rs` written whole, or its
/// folder (`dir/`) and the file (`file.rs`, or `file` in a list of the
/// folder's modules). A crate's `lib.rs` and a folder's `mod.rs` are named
/// by the crate's section and the folder.
fn is_named(section: &str, rel: &str) -> bool {
    if rel == "lib.rs" || section.contains(&format!("`{rel}`")) {
        return true;
    }
    let Some((dir, file)) = rel.rsplit_once('/') else {
        return false;
    };
    let folder = section.contains(&format!("`{dir}/`"));
    let stem = file.trim_end_matches(".rs");
    folder
        && (file == "mod.rs"
            || section.contains(&format!("`{file}`"))
            || section.contains(&format!("`{stem}`")))
}

/// The text under `### {name}`, up to the next heading of that level or above.
fn section<'a>(map: &'a str, name: &str) -> Option<&'a str> {
    let heading = format!("\n### {name}\n");
    let start = map.find(&heading)? + heading.len();
    let rest = &map[start..];
    let end = ["\n### ", "\n## "]
        .iter()
        .filter_map(|h| rest.find(h))
        .min()
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Every hand-written source file is in the code map.
#[test]
fn the_code_map_names_every_source_file() {
    let missing = unnamed_files(&workspace_root()).unwrap();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name: {missing:#?}"
    );
}
