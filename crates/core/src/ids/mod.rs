//! Identifiers defined by national standards, each parsed once at the edge.
//!
//! Every identifier here is a newtype that can only hold a valid value: construct it with `parse`
//! (or `FromStr`, or serde, which both go through `parse`) and every accessor afterwards is
//! infallible. Error messages are in Simplified Chinese because they are shown to staff and
//! applicants as they are. Character positions in errors count from 1, as people count them.

/// The string plumbing every code type shares: `Display`, `FromStr`, `AsRef<str>`, and the
/// `TryFrom<String>` / `Into<String>` pair that serde's `try_from`/`into` attributes use, so that
/// deserialising always goes through `parse`.
macro_rules! impl_code_string {
    ($code:ty, $error:ty) => {
        impl ::std::fmt::Display for $code {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $code {
            type Err = $error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl ::std::convert::TryFrom<String> for $code {
            type Error = $error;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text)
            }
        }

        impl ::std::convert::From<$code> for String {
            fn from(code: $code) -> String {
                code.as_str().to_owned()
            }
        }

        impl ::std::convert::AsRef<str> for $code {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}

mod credit_code;
mod division_code;
mod item_codes;
mod mobile;
mod resident_id;

pub use credit_code::{CreditCode, CreditCodeError, CreditCodeWarning, credit_code_check_char};
pub use division_code::{DivisionCode, DivisionCodeError, DivisionLevel, DivisionLevelError};
pub use item_codes::{
    BasicCode, BasicCodeError, ExerciseLevel, ExerciseLevelError, ImplementationCode,
    ImplementationCodeError,
};
pub use mobile::{MobileNumber, MobileNumberError};
pub use resident_id::{Gender, GenderError, ResidentId, ResidentIdError, resident_id_check_char};
