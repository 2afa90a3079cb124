//! Writing CSV text for spreadsheet users.
//!
//! Exports start with a UTF-8 byte-order mark: without it Excel on Chinese Windows reads the
//! file as GBK and shows every Chinese character garbled. Writing is done by hand because
//! quoting is all it takes and it cannot fail, unlike a writer over `io::Write`.

/// The byte-order mark that tells Excel the file is UTF-8.
pub(crate) const BOM: char = '\u{feff}';

/// Appends one record, quoting fields that contain a separator, a quote or a line break.
pub(crate) fn push_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let field = field.as_ref();
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        let mut out = String::new();
        push_record(&mut out, &["a", "b,c", "say \"hi\"", "two\nlines"]);
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\"\n");
    }
}
