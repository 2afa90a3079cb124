//! Stored files (uploaded materials, generated documents): content-addressed by SM3 in an
//! object store — a local directory by default, an S3-compatible store in production. The type
//! of a file is read from its content; the name a browser sends is never trusted.

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::Serialize;
use zerotrip_store::cases as store;
use zerotrip_trust::sm3_hex;

use crate::App;
use crate::error::{AppError, AppResult};

/// Largest file accepted as a material.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Kinds of file accepted as materials, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    /// OFD (GB/T 33190), the national layout format: a ZIP container with `OFD.xml`.
    Ofd,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Ofd => "application/ofd",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Png => "PNG 图片",
            FileKind::Jpeg => "JPEG 图片",
            FileKind::Ofd => "OFD",
        }
    }

    /// Recognises the file from its content.
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(b"PK\x03\x04") && contains(bytes, b"OFD.xml") {
            Some(FileKind::Ofd)
        } else {
            None
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// A stored file.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFile {
    /// SM3 of the content, hex.
    pub key: String,
    pub size_bytes: u64,
    pub content_type: String,
    pub kind: FileKind,
}

/// The display name of an uploaded file: its last path component, without control characters,
/// at most 100 characters. Only ever shown, never used as a path.
pub fn display_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "未命名文件".to_owned()
    } else {
        cleaned
    }
}

fn object_path(key: &str) -> ObjectPath {
    ObjectPath::from(format!("objects/{}/{}/{key}", &key[..2], &key[2..4]))
}

impl App {
    /// Stores a file after checking its size and type by content; the same content is stored once.
    pub async fn store_file(&self, bytes: Bytes) -> AppResult<StoredFile> {
        if bytes.is_empty() {
            return Err(AppError::field("file", "文件为空"));
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(AppError::field(
                "file",
                format!(
                    "文件过大：最大 {} MB，实际 {:.1} MB",
                    MAX_FILE_BYTES / 1024 / 1024,
                    bytes.len() as f64 / 1024.0 / 1024.0
                ),
            ));
        }
        let kind = FileKind::sniff(&bytes).ok_or_else(|| {
            AppError::field(
                "file",
                "文件类型不支持：请上传 PDF、OFD、PNG 或 JPEG 文件（按文件内容识别，不看扩展名）",
            )
        })?;
        let key = sm3_hex(&bytes);
        let size_bytes = bytes.len() as u64;
        self.files
            .put(&object_path(&key), PutPayload::from_bytes(bytes))
            .await
            .map_err(|error| AppError::internal(format!("文件存储失败：{error}")))?;
        store::insert_object(
            &self.db,
            &key,
            size_bytes as i64,
            kind.content_type(),
            self.clock.now(),
        )
        .await?;
        Ok(StoredFile {
            key,
            size_bytes,
            content_type: kind.content_type().to_owned(),
            kind,
        })
    }

    /// Reads a stored file and checks it still has the digest it is filed under.
    pub(crate) async fn read_file(&self, key: &str) -> AppResult<(Bytes, String)> {
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::field("file", "文件标识无效"));
        }
        let object = store::object(&self.db, key)
            .await?
            .ok_or_else(|| AppError::not_found("文件不存在"))?;
        let bytes = self
            .files
            .get(&object_path(key))
            .await
            .map_err(|error| AppError::internal(format!("文件读取失败：{error}")))?
            .bytes()
            .await
            .map_err(|error| AppError::internal(format!("文件读取失败：{error}")))?;
        if sm3_hex(&bytes) != key {
            return Err(AppError::internal(format!(
                "文件 {key} 的内容与其 SM3 摘要不符"
            )));
        }
        Ok((bytes, object.content_type))
    }

    /// Whether a file with this key has been stored.
    pub(crate) async fn file_exists(&self, key: &str) -> AppResult<Option<store::ObjectRow>> {
        Ok(store::object(&self.db, key).await?)
    }
}

/// The local object store under `dir`.
pub fn local_store(dir: &std::path::Path) -> AppResult<std::sync::Arc<dyn ObjectStore>> {
    std::fs::create_dir_all(dir).map_err(|error| {
        AppError::internal(format!("无法创建文件目录 {}：{error}", dir.display()))
    })?;
    let store = object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|error| {
        AppError::internal(format!("无法打开文件目录 {}：{error}", dir.display()))
    })?;
    Ok(std::sync::Arc::new(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_files_by_content() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(FileKind::Png)
        );
        assert_eq!(
            FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileKind::Jpeg)
        );
        assert_eq!(
            FileKind::sniff(b"PK\x03\x04....OFD.xml...."),
            Some(FileKind::Ofd)
        );
        // A plain ZIP or an executable named .pdf is refused.
        assert_eq!(FileKind::sniff(b"PK\x03\x04....word/document.xml"), None);
        assert_eq!(FileKind::sniff(b"MZ\x90\x00"), None);
        assert_eq!(FileKind::sniff(b"<script>alert(1)</script>"), None);
    }

    #[test]
    fn names_are_only_for_display() {
        assert_eq!(display_file_name("../../etc/passwd"), "passwd");
        assert_eq!(display_file_name("C:\\Users\\x\\身份证.pdf"), "身份证.pdf");
        assert_eq!(display_file_name("..\u{0}"), "未命名文件");
        assert_eq!(display_file_name(".hidden"), "hidden");
    }
}
