//! The ground every concern stands on, knowing nothing of cases: the
//! database seam and its migrations, reading a JSON body field by field,
//! identifiers that can only hold valid values, text in NFC and cut into
//! words for search (`bigrams`), China time, CSV, cursors, the keyed hash, and the store of the county's rule texts.

#[macro_use]
mod text_enum;

pub mod bigrams;
pub mod clock;
pub mod csv;
pub mod cursor;
pub mod db;
pub mod fields;
pub mod ids;
pub mod keyed_hash;
pub mod kv;
pub mod rules;
pub mod schema;
#[cfg(test)]
pub(crate) mod test_support;
pub mod text;
