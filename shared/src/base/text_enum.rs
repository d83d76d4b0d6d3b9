//! `text_enum!`: a closed set of values with one stable snake_case text
//! each, as stored in the database and spoken by the API.

/// Gives an enum `ALL` (its texts), `as_str` and `FromStr` (unknown text is
/// `Err(())`, for the caller to report with the field's name).
macro_rules! text_enum {
    ($t:ty { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $t {
            /// Every value's text, in declaration order.
            pub const ALL: &'static [&'static str] = &[$($text),+];

            /// The value's stable text.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $t {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($text => Ok(Self::$variant),)+ _ => Err(()) }
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
