//! The README's features table is the `## ` docs of `[features]` in
//! Cargo.toml, and the crate docs name every feature: a feature added,
//! renamed or described anew fails here until both say so.
//! The expected table is printed on failure, ready to paste.

const MANIFEST: &str = include_str!("../../Cargo.toml");
const README: &str = include_str!("../../README.md");
const LIB: &str = include_str!("../../src/lib.rs");
const BEGIN: &str = "<!-- features: generated from Cargo.toml by `cargo test -p linq-webhooks --test it features::`; edit there -->";
const END: &str = "<!-- end features -->";

/// (feature, its doc) in the order Cargo.toml lists them.
fn features() -> Vec<(String, String)> {
    let section = MANIFEST
        .split("\n[features]\n")
        .nth(1)
        .expect("Cargo.toml has [features]");
    let section = section.split("\n[").next().unwrap();
    let mut out = Vec::new();
    let mut doc: Vec<&str> = Vec::new();
    for line in section.lines() {
        if let Some(text) = line.strip_prefix("## ") {
            doc.push(text.trim());
        } else if let Some((name, _)) = line.split_once(" = ") {
            assert!(!doc.is_empty(), "feature `{name}` has no `## ` doc");
            out.push((name.trim().to_owned(), doc.join(" ")));
            doc.clear();
        }
    }
    out
}

fn table(features: &[(String, String)]) -> String {
    let mut t = String::from("| feature | what it adds |\n|---|---|\n");
    for (name, doc) in features {
        t += &format!("| `{name}` | {doc} |\n");
    }
    t
}

#[test]
fn the_readme_table_is_the_manifest_s() {
    let features = features();
    assert!(features.len() >= 3, "{features:?}");
    let expected = table(&features);
    let found = README
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(table, _)| table.trim_start_matches('\n'))
        .expect("README.md has the features markers");
    assert_eq!(found, expected, "README.md's table should be:\n{expected}");
}

#[test]
fn the_crate_docs_name_every_feature() {
    for (name, _) in features() {
        assert!(
            LIB.contains(&format!("//! * `{name}`: ")),
            "src/lib.rs lists no `{name}` feature"
        );
    }
}
