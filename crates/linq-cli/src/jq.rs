//! `--jq EXPR`: jq filters run in process by jaq, so no `jq` binary is
//! needed.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Ctx, Native, RcIter};
use jaq_json::Val;
use serde_json::Value;

use crate::error::{CliError, Result};

/// A compiled jq filter.
pub struct Jq {
    filter: jaq_core::Filter<Native<Val>>,
}

impl std::fmt::Debug for Jq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Jq")
    }
}

impl Jq {
    /// Parses and compiles `code`; a syntax error or an unknown function
    /// is a usage error.
    pub fn compile(code: &str) -> Result<Self> {
        let loader = Loader::new(jaq_std::defs().chain(jaq_json::defs()));
        let arena = Arena::default();
        let modules = loader
            .load(&arena, File { code, path: () })
            .map_err(|errs| {
                CliError::usage(format!(
                    "--jq: cannot parse {code:?} ({} error{})",
                    errs.len(),
                    if errs.len() == 1 { "" } else { "s" }
                ))
            })?;
        let filter = jaq_core::Compiler::default()
            .with_funs(jaq_std::funs().chain(jaq_json::funs()))
            .compile(modules)
            .map_err(|errs| {
                let names: Vec<String> = errs
                    .iter()
                    .flat_map(|(_, undefined)| undefined.iter().map(|(name, _)| name.to_string()))
                    .collect();
                CliError::usage(format!("--jq: undefined in {code:?}: {}", names.join(", ")))
            })?;
        Ok(Self { filter })
    }

    /// Every value the filter yields for `input`.
    pub fn run(&self, input: &Value) -> Result<Vec<Value>> {
        let inputs = RcIter::new(core::iter::empty());
        let mut out = Vec::new();
        for item in self
            .filter
            .run((Ctx::new([], &inputs), Val::from(input.clone())))
        {
            match item {
                Ok(v) => out.push(Value::from(v)),
                Err(e) => return Err(CliError::failure(format!("--jq: {e}"))),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_run_with_the_standard_library() {
        let jq = Jq::compile(".chats | map(.id) | length").unwrap();
        assert_eq!(
            jq.run(&json!({"chats": [{"id": "a"}, {"id": "b"}]}))
                .unwrap(),
            vec![json!(2)]
        );
        let jq = Jq::compile(".[] | select(.n > 1) | .n").unwrap();
        assert_eq!(
            jq.run(&json!([{"n": 1}, {"n": 2}, {"n": 3}])).unwrap(),
            vec![json!(2), json!(3)]
        );
    }

    #[test]
    fn bad_filters_are_usage_errors() {
        assert_eq!(
            Jq::compile(".[").unwrap_err().exit,
            crate::error::Exit::Usage
        );
        assert_eq!(
            Jq::compile("nosuchfn").unwrap_err().exit,
            crate::error::Exit::Usage
        );
    }
}
