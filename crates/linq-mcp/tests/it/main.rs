//! linq-mcp's integration tests, one binary: each file is a module;
//! `support` starts the server binary and a sandbox for them.

mod cli;
mod http;
mod properties;
mod stdio;
mod support;
