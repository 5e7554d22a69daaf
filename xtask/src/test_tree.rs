//! The integration tests of each package are one binary, `tests/it/main.rs`,
//! whose `mod` lines reach every other file under `tests/it/`. A file no
//! `mod` line reaches is never compiled, so its tests would silently not
//! run: `every_test_file_is_a_module` fails on one and names the line to add.
//! `cargo xtask props` uses the same walk to name a property test's module.

use std::path::{Component, Path, PathBuf};

#[cfg(test)]
use crate::workspace_root;

/// A module of a test binary: its file and its path inside the binary
/// (`path_safety`, `cli::support`), which is how the test harness names
/// (and filters) its tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub file: PathBuf,
    pub path: String,
}

/// Every `it/` folder of the workspace: `tests/it/` and `crates/*/tests/it/`.
#[cfg(test)]
pub fn it_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("tests/it")];
    if let Ok(crates) = std::fs::read_dir(root.join("crates")) {
        dirs.extend(crates.flatten().map(|e| e.path().join("tests/it")));
    }
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    dirs
}

/// The modules `it_dir/main.rs` reaches through `mod name;` lines (and their
/// `#[path = ".."]` attributes), `main.rs` itself first with path `""`.
/// A `mod` line whose file does not exist is an error.
pub fn modules(it_dir: &Path) -> Result<Vec<Module>, String> {
    let main = it_dir.join("main.rs");
    if !main.is_file() {
        return Err(format!("{}: no main.rs", it_dir.display()));
    }
    let mut out = vec![Module {
        file: normalize(&main),
        path: String::new(),
    }];
    let mut next = 0;
    while next < out.len() {
        let parent = out[next].clone();
        next += 1;
        let text = std::fs::read_to_string(&parent.file)
            .map_err(|e| format!("{}: {e}", parent.file.display()))?;
        for (name, path_attr) in mod_lines(&text) {
            let file = child_file(&parent.file, &name, path_attr.as_deref()).ok_or_else(|| {
                format!(
                    "{}: `mod {name};` names no file (inline modules holding `mod` lines \
                     are not followed; give the file its own path)",
                    parent.file.display()
                )
            })?;
            let path = if parent.path.is_empty() {
                name
            } else {
                format!("{}::{name}", parent.path)
            };
            out.push(Module {
                file: normalize(&file),
                path,
            });
        }
    }
    Ok(out)
}

/// `.rs` files under `it_dir` that no module reaches, each with what to add
/// and where.
#[cfg(test)]
pub fn unreached(it_dir: &Path) -> Result<Vec<String>, String> {
    let reached: Vec<PathBuf> = modules(it_dir)?.into_iter().map(|m| m.file).collect();
    let mut missing = Vec::new();
    for file in rust_files(it_dir) {
        let file = normalize(&file);
        if reached.contains(&file) {
            continue;
        }
        missing.push(format!(
            "{} is in no test binary: add `{}` to {}",
            file.display(),
            mod_line_for(&file),
            parent_module_file(it_dir, &file).display()
        ));
    }
    Ok(missing)
}

/// `(name, #[path] value)` of every `mod name;` line, in order. Attribute
/// lines directly above a `mod` line are read for `#[path = ".."]`.
fn mod_lines(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut path_attr = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("#[path") {
            path_attr = rest
                .split('"')
                .nth(1)
                .map(str::to_owned)
                .filter(|_| rest.trim_start().starts_with('='));
            continue;
        }
        if line.starts_with("#[") {
            continue;
        }
        let decl = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub(super) "))
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        if let Some(name) = decl
            .strip_prefix("mod ")
            .and_then(|rest| rest.strip_suffix(';'))
            .map(str::trim)
        {
            out.push((name.to_owned(), path_attr.take()));
        }
        path_attr = None;
    }
    out
}

/// The file `mod name;` in `parent` loads, by Rust's rules: beside
/// `main.rs`/`mod.rs` (and a `#[path]` file), or in the folder named after
/// any other file; `#[path]` relative to the parent's folder.
fn child_file(parent: &Path, name: &str, path_attr: Option<&str>) -> Option<PathBuf> {
    let dir = parent.parent()?;
    if let Some(p) = path_attr {
        let file = dir.join(p);
        return file.is_file().then_some(file);
    }
    let file_name = parent.file_name()?.to_str()?;
    let base = if matches!(file_name, "main.rs" | "mod.rs" | "lib.rs") {
        dir.to_owned()
    } else {
        dir.join(parent.file_stem()?)
    };
    let name = name.strip_prefix("r#").unwrap_or(name);
    [
        base.join(format!("{name}.rs")),
        base.join(name).join("mod.rs"),
    ]
    .into_iter()
    .find(|f| f.is_file())
}

/// `mod x;` for `x.rs` or `x/mod.rs`.
#[cfg(test)]
fn mod_line_for(file: &Path) -> String {
    let name = if file.file_name().is_some_and(|n| n == "mod.rs") {
        file.parent().and_then(Path::file_name)
    } else {
        file.file_stem()
    };
    format!("mod {};", name.unwrap_or_default().to_string_lossy())
}

/// Where a file's `mod` line belongs: the `main.rs` of its folder, or the
/// module file of the folder it sits in (`dir/mod.rs` or `dir.rs`).
#[cfg(test)]
fn parent_module_file(it_dir: &Path, file: &Path) -> PathBuf {
    let mut dir = file.parent().unwrap_or(it_dir).to_owned();
    if file.file_name().is_some_and(|n| n == "mod.rs") {
        dir = dir.parent().unwrap_or(it_dir).to_owned();
    }
    if normalize(&dir) == normalize(it_dir) {
        return it_dir.join("main.rs");
    }
    let beside = dir.with_extension("rs");
    if beside.is_file() {
        beside
    } else {
        dir.join("mod.rs")
    }
}

/// Removes `.` and `..` without touching the file system, so paths reached
/// through `#[path = "../.."]` compare equal to paths listed.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
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

/// The workspace's `tests/` package builds only the targets its Cargo.toml
/// names (its own folder is `tests/`, so cargo's `tests/tests/` discovery
/// finds nothing): any other `.rs` file directly in it would never run.
#[cfg(test)]
fn stray_workspace_test_files(root: &Path) -> Vec<String> {
    let tests = root.join("tests");
    let manifest = std::fs::read_to_string(tests.join("Cargo.toml")).unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(&tests) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            !manifest.contains(&format!("path = \"{name}\""))
        })
        .map(|p| {
            format!(
                "{} is in no test binary: move it to tests/it/ and add `{}` to tests/it/main.rs",
                p.display(),
                mod_line_for(&p)
            )
        })
        .collect();
    out.sort();
    out
}

/// Every `.rs` file under a `tests/it/` folder is compiled into its test
/// binary, so every test in it runs.
#[test]
fn every_test_file_is_a_module() {
    let root = workspace_root();
    let dirs = it_dirs(&root);
    assert!(dirs.len() >= 2, "no tests/it/ folders found: {dirs:?}");
    let mut missing = stray_workspace_test_files(&root);
    for dir in &dirs {
        missing.extend(unreached(dir).unwrap());
    }
    let root = format!("{}/", root.display());
    assert!(
        missing.is_empty(),
        "{}",
        missing.join("\n").replace(&root, "")
    );
}

/// The walk follows plain `mod` lines, `#[path]`, folders named after a
/// file, and reports a stray file with the line that would reach it.
#[test]
fn a_file_no_mod_line_reaches_is_reported() {
    let dir = std::env::temp_dir().join(format!("xtask-test-tree-{}", std::process::id()));
    let it = dir.join("it");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(it.join("a")).unwrap();
    std::fs::create_dir_all(it.join("gen")).unwrap();
    std::fs::create_dir_all(it.join("shared")).unwrap();
    let write = |p: &str, text: &str| std::fs::write(it.join(p), text).unwrap();
    write(
        "main.rs",
        "//! x\nmod a;\n#[path = \"gen/g.rs\"]\nmod generated;\npub mod shared;\n",
    );
    write("a.rs", "#[cfg(test)]\nmod b;\n");
    write("a/b.rs", "");
    write("gen/g.rs", "");
    write("shared/mod.rs", "");
    assert_eq!(unreached(&it).unwrap(), Vec::<String>::new());
    let paths: Vec<String> = modules(&it).unwrap().into_iter().map(|m| m.path).collect();
    assert_eq!(paths, ["", "a", "generated", "shared", "a::b"]);

    write("stray.rs", "");
    write("a/lost.rs", "");
    write("shared/gone.rs", "");
    let missing = unreached(&it).unwrap();
    let expected = [
        format!("add `mod lost;` to {}", it.join("a.rs").display()),
        format!("add `mod gone;` to {}", it.join("shared/mod.rs").display()),
        format!("add `mod stray;` to {}", it.join("main.rs").display()),
    ];
    assert_eq!(missing.len(), 3, "{missing:#?}");
    for (line, want) in missing.iter().zip(&expected) {
        assert!(
            line.ends_with(want.as_str()),
            "{line} should end with {want}"
        );
    }

    write("main.rs", "mod a;\nmod missing;\n");
    let err = unreached(&it).unwrap_err();
    assert!(err.contains("`mod missing;` names no file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
