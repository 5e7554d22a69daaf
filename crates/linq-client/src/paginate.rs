//! Walking cursor-paginated lists as a lazy stream of items.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use linq_types::Paginated;

use crate::{ApiResponse, Call, Client, Error, RequestOptions};

type PageFuture<O> = Pin<
    Box<
        dyn Future<Output = Result<ApiResponse<<O as linq_types::Operation>::Output>, Error>>
            + Send,
    >,
>;

/// The items of every page of a list, fetched one page at a time as the
/// stream is polled. Only the current page is held in memory. It ends after
/// a page without a cursor or with no items; an error ends it too, after
/// being yielded. A cursor the server already gave ends it with
/// [`Error::RepeatedCursor`] instead of looping forever, and so does
/// [`Error::TooManyPages`] after [`max_pages`](Self::max_pages) pages
/// ([`DEFAULT_MAX_PAGES`] unless set), so a server whose cursors never
/// repeat cannot keep it going without end.
#[must_use = "streams do nothing unless polled"]
pub struct Items<O: Paginated> {
    client: Client,
    options: RequestOptions,
    next: Option<O>,
    page: VecDeque<O::Item>,
    pending: Option<PageFuture<O>>,
    /// Every cursor followed so far, and the pages fetched.
    cursors: std::collections::HashSet<String>,
    pages: u32,
    max_pages: u32,
}

/// The most pages a listing fetches unless [`Items::max_pages`] says
/// otherwise: 10,000 pages, a million items at 100 a page.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

impl<O: Paginated> Items<O> {
    /// Sets the most pages this listing fetches (at least one); the next
    /// page past it ends the stream with [`Error::TooManyPages`].
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages.max(1);
        self
    }
}

// No field is ever pinned in place (the page future is boxed).
impl<O: Paginated> Unpin for Items<O> {}

impl<O: Paginated> std::fmt::Debug for Items<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("operation", &O::ID)
            .field("buffered", &self.page.len())
            .field("done", &(self.next.is_none() && self.pending.is_none()))
            .finish_non_exhaustive()
    }
}

impl<O> Call<O>
where
    O: Paginated + Send + Sync + 'static,
    O::Output: Send,
{
    /// Every item of every page, as a lazy stream. The first request is sent
    /// when the stream is first polled; invalid arguments come out as its
    /// first item.
    ///
    /// ```no_run
    /// # async fn run(client: linq_client::Client) -> Result<(), linq_client::Error> {
    /// use futures_util::TryStreamExt;
    ///
    /// let mut messages = client
    ///     .chats()
    ///     .messages()
    ///     .list("550e8400-e29b-41d4-a716-446655440000")
    ///     .limit(100)
    ///     .into_stream();
    /// while let Some(message) = messages.try_next().await? {
    ///     println!("{} at {}", message.id, message.created_at);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn into_stream(self) -> Items<O> {
        let (client, op, options) = self.into_parts();
        let mut items = Items {
            client,
            options,
            next: None,
            page: VecDeque::new(),
            pending: None,
            cursors: std::collections::HashSet::new(),
            pages: 0,
            max_pages: DEFAULT_MAX_PAGES,
        };
        match op {
            Ok(op) => items.next = Some(op),
            Err(e) => items.pending = Some(Box::pin(std::future::ready(Err(e)))),
        }
        items
    }
}

impl<O> Call<O>
where
    O: Paginated + Send + Sync + 'static,
    O::Output: Send,
{
    /// Every item of every page, in one `Vec`.
    ///
    /// It holds the whole list in memory, however long it is; for a list
    /// that may be large, use [`collect_at_most`](Self::collect_at_most) or
    /// walk it with [`into_stream`](Self::into_stream). The first error
    /// ends it.
    pub async fn collect_all(self) -> Result<Vec<O::Item>, Error> {
        self.collect_at_most(usize::MAX).await
    }

    /// The first `max` items, fetching no page past the one that reaches it.
    pub async fn collect_at_most(self, max: usize) -> Result<Vec<O::Item>, Error> {
        let mut items = self.into_stream();
        let mut out = Vec::new();
        while out.len() < max {
            match std::future::poll_fn(|cx| Pin::new(&mut items).poll_next(cx)).await {
                Some(item) => out.push(item?),
                None => break,
            }
        }
        Ok(out)
    }
}

impl<O> Stream for Items<O>
where
    O: Paginated + Send + Sync + 'static,
    O::Output: Send,
{
    type Item = Result<O::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.page.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.pending.is_none() {
                let Some(op) = this.next.clone() else {
                    return Poll::Ready(None);
                };
                let client = this.client.clone();
                let options = this.options.clone();
                this.pending = Some(Box::pin(async move { client.execute(op, options).await }));
            }
            let result = match this.pending.as_mut().map(|f| f.as_mut().poll(cx)) {
                Some(Poll::Ready(result)) => result,
                _ => return Poll::Pending,
            };
            this.pending = None;
            match result {
                Ok(reply) => {
                    this.pages = this.pages.saturating_add(1);
                    let (items, cursor) = O::into_page(reply.value);
                    match (&mut this.next, cursor) {
                        (Some(_), Some(cursor))
                            if !items.is_empty() && this.cursors.contains(&cursor) =>
                        {
                            // Yield this page's items, then the error.
                            this.next = None;
                            let error = Error::RepeatedCursor {
                                operation: O::ID,
                                pages: this.pages,
                            };
                            this.pending = Some(Box::pin(std::future::ready(Err(error))));
                        }
                        (Some(_), Some(_)) if !items.is_empty() && this.pages >= this.max_pages => {
                            this.next = None;
                            let error = Error::TooManyPages {
                                operation: O::ID,
                                pages: this.pages,
                            };
                            this.pending = Some(Box::pin(std::future::ready(Err(error))));
                        }
                        (Some(op), Some(cursor)) if !items.is_empty() => {
                            this.cursors.insert(cursor.clone());
                            op.set_cursor(cursor);
                        }
                        _ => this.next = None,
                    }
                    this.page = items.into();
                }
                Err(e) => {
                    this.next = None;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }
}
