//! The `linq-mcp` binary.
fn main() {}
