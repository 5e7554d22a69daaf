//! linq-transport's integration tests, one binary: each file is a module.

mod hyper_transport;
mod in_memory;
mod pool;
mod redaction;
