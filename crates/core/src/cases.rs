//! The vocabulary of a case (办件) outside its workflow: channels and delivery methods.

use serde::{Deserialize, Serialize};

macro_rules! case_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $key:literal, $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable machine name, as stored and in the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Accepts the machine name or the Chinese label.
            pub fn parse(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == text || v.label() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

case_enum!(
    /// Where a case was filed (申报来源). One case model serves every channel.
    Channel {
        Web => "web", "网上办理",
        Mobile => "mobile", "掌上办",
        Kiosk => "kiosk", "自助终端",
        Window => "window", "窗口办理",
        Assisted => "assisted", "帮办代办",
        Proactive => "proactive", "主动办",
    }
);

case_enum!(
    /// How the result reaches the applicant (送达方式).
    DeliveryMethod {
        Electronic => "electronic", "电子送达",
        Pickup => "pickup", "窗口领取",
        Mail => "mail", "邮寄送达",
    }
);

impl Channel {
    /// Channels where staff file on the applicant's behalf.
    pub fn filed_by_staff(self) -> bool {
        matches!(self, Channel::Window | Channel::Assisted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels_round_trip() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(*channel));
            assert_eq!(Channel::parse(channel.label()), Some(*channel));
            let json = serde_json::to_string(channel).unwrap();
            assert_eq!(json, format!("\"{}\"", channel.as_str()));
        }
        assert_eq!(
            DeliveryMethod::parse("邮寄送达"),
            Some(DeliveryMethod::Mail)
        );
        assert_eq!(Channel::parse("fax"), None);
    }
}
