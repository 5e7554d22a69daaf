//! `cargo xtask coverage`: how much of the API description the SDK exposes.
//!
//! Compares the spec's operations and webhook event types with the tables
//! compiled into linq-types (`ops::ALL`, `webhooks::EVENT_TYPES`), lists
//! what is missing, and fails below 100%.

use std::collections::BTreeSet;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("coverage takes no arguments, got {extra:?}"));
    }
    let path = workspace_root().join(crate::codegen::SPEC);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;

    let mut spec_ops = BTreeSet::new();
    for item in spec["paths"]
        .as_object()
        .ok_or("spec has no paths")?
        .values()
    {
        for op in item.as_object().into_iter().flatten().map(|(_, o)| o) {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                spec_ops.insert(id.to_owned());
            }
        }
    }
    let mut spec_events = BTreeSet::new();
    for (key, item) in spec["webhooks"].as_object().ok_or("spec has no webhooks")? {
        let et = item
            .pointer("/post/x-event-type")
            .and_then(|v| v.as_str())
            .unwrap_or(key);
        spec_events.insert(et.to_owned());
    }

    let sdk_ops: BTreeSet<&str> = linq_types::ops::ALL.iter().copied().collect();
    let sdk_events: BTreeSet<&str> = linq_types::webhooks::EVENT_TYPES.iter().copied().collect();
    let ok_ops = report("operations", &spec_ops, &sdk_ops);
    let ok_events = report("webhook event types", &spec_events, &sdk_events);
    let extra: Vec<&&str> = sdk_events
        .iter()
        .filter(|e| !spec_events.contains(**e))
        .collect();
    if !extra.is_empty() {
        println!(
            "  also decoded without a payload model in the spec: {}",
            extra
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if ok_ops && ok_events {
        Ok(())
    } else {
        Err("coverage below 100%".into())
    }
}

fn report(what: &str, spec: &BTreeSet<String>, sdk: &BTreeSet<&str>) -> bool {
    let missing: Vec<&String> = spec.iter().filter(|s| !sdk.contains(s.as_str())).collect();
    let covered = spec.len() - missing.len();
    let pct = if spec.is_empty() {
        100.0
    } else {
        covered as f64 * 100.0 / spec.len() as f64
    };
    println!("{what}: {covered}/{} ({pct:.0}%)", spec.len());
    for m in &missing {
        println!("  missing: {m}");
    }
    missing.is_empty()
}
