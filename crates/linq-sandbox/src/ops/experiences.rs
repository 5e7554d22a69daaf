//! Experiences. Not modelled yet: answered from the reply schema.

use super::Handler;

pub(crate) const HANDLERS: &[(&str, Handler)] = &[];
