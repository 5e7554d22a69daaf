//! An MCP server for the Linq Partner API v3.
