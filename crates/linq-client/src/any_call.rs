//! Calls chosen at run time: an operation named by its id with JSON
//! arguments, or a raw request, through the same policy as every call.

use linq_types::{AnyOperation, InvalidValue, catalog};

use crate::{Call, Client, Error};

impl Client {
    /// Runs the operation named `id` (`chats.create`) with one flat JSON
    /// object of arguments: path parameters, query parameters and body
    /// fields by their API names (see [`linq_types::catalog`]).
    ///
    /// The arguments are checked as the resource methods check theirs and
    /// the request is the typed operation's, byte for byte; the reply is
    /// JSON. An unknown id or a refused argument is
    /// [`Error::InvalidInput`] when the call is awaited, with nothing sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = linq_sandbox::Sandbox::new();
    /// # let client = linq_client::Client::builder().api_key(sandbox.api_key()).transport(sandbox.transport()).build()?;
    /// let page = client
    ///     .call_operation("chats.list_chats", serde_json::json!({ "limit": 10 }))
    ///     .await?;
    /// assert!(page["chats"].is_array());
    /// # Ok(()) }
    /// ```
    pub fn call_operation(&self, id: &str, arguments: serde_json::Value) -> Call<AnyOperation> {
        let op = match (catalog::find(id), arguments) {
            (None, _) => Err(InvalidValue::Other(format!("no operation is named `{id}`"))),
            (Some(info), serde_json::Value::Object(args)) => info.build(&args),
            (Some(info), serde_json::Value::Null) => info.build(&serde_json::Map::new()),
            (Some(_), other) => Err(InvalidValue::Other(format!(
                "arguments must be a JSON object, not {other}"
            ))),
        };
        Call::new(self, op.map_err(|e| Error::invalid("arguments", e)))
    }

    /// Runs an [`AnyOperation`] (a raw request from
    /// [`AnyOperation::raw`], say) under the client's policy.
    pub fn call_any(&self, op: AnyOperation) -> Call<AnyOperation> {
        Call::new(self, Ok(op))
    }
}
