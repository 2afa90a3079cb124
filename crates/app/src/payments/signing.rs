//! HMAC-SM3 signatures over canonical fields, as payment callbacks carry them.
//!
//! The canonical form of a set of fields is `key=value` pairs sorted by key (bytewise) and
//! joined with `&`; the signature is HMAC (RFC 2104) with SM3 (GB/T 32905) over its UTF-8
//! bytes, written as 64 lower-case hex digits.

use std::collections::BTreeMap;

use zerotrip_trust::Sm3Digest;

/// SM3 processes 64-byte blocks.
const BLOCK: usize = 64;

fn sm3(parts: &[&[u8]]) -> [u8; 32] {
    let mut digest = Sm3Digest::new();
    for part in parts {
        digest.update(part);
    }
    let mut out = [0u8; 32];
    // The digest is 64 hex digits; decoding them cannot fail.
    if let Some(bytes) = hex_decode(&digest.finish_hex()) {
        out.copy_from_slice(&bytes[..32]);
    }
    out
}

/// HMAC-SM3 of `message` under `key`.
pub fn hmac_sm3(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&sm3(&[key]));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = sm3(&[&inner_pad, message]);
    sm3(&[&outer_pad, &inner])
}

/// `a=1&b=2`, keys in byte order.
pub fn canonical_string(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The hex signature of `fields` under `key`.
pub fn sign_fields(key: &[u8], fields: &BTreeMap<String, String>) -> String {
    hex_encode(&hmac_sm3(key, canonical_string(fields).as_bytes()))
}

/// Whether `signature` (hex, either case) is the signature of `fields` under `key`; compares
/// in constant time.
pub fn verify_fields(key: &[u8], fields: &BTreeMap<String, String>, signature: &str) -> bool {
    let Some(given) = hex_decode(signature.trim()) else {
        return false;
    };
    let expected = hmac_sm3(key, canonical_string(fields).as_bytes());
    constant_time_eq(&given, &expected)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let value = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(value(pair[0])? << 4 | value(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_openssl_hmac_sm3() {
        // `echo -n abc | openssl dgst -sm3 -hmac key`
        assert_eq!(
            hex_encode(&hmac_sm3(b"key", b"abc")),
            "28e63256e7c5a087b1f073265dc53092163f7b82729735d06f28f10af9d52393"
        );
        // A key longer than the block is hashed first.
        let long_key = "k".repeat(100);
        assert_eq!(
            hex_encode(&hmac_sm3(long_key.as_bytes(), b"amount_fen=1200&nonce=n1")),
            "a2de8343e8ff769451ba5470424c5471339d2efec9c9be9a54989d71387b698c"
        );
    }

    #[test]
    fn signs_canonical_fields() {
        let mut fields = BTreeMap::new();
        fields.insert("nonce".to_owned(), "n1".to_owned());
        fields.insert("amount_fen".to_owned(), "1200".to_owned());
        assert_eq!(canonical_string(&fields), "amount_fen=1200&nonce=n1");
        let long_key = "k".repeat(100);
        let signature = sign_fields(long_key.as_bytes(), &fields);
        assert!(verify_fields(long_key.as_bytes(), &fields, &signature));
        assert!(verify_fields(
            long_key.as_bytes(),
            &fields,
            &signature.to_uppercase()
        ));
        fields.insert("amount_fen".to_owned(), "1".to_owned());
        assert!(!verify_fields(long_key.as_bytes(), &fields, &signature));
        assert!(!verify_fields(long_key.as_bytes(), &fields, "zz"));
    }
}
