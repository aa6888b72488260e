//! `bundle.tar.gz`, byte for byte the same for the same files: entries in
//! path order, every header fixed (mode 0644, owner 0:0, no user or group
//! name, modification time 0), and a gzip header without a time or a file
//! name.

use flate2::Compression;
use flate2::GzBuilder;
use std::collections::BTreeMap;
use std::io::Write;

/// The archive of `files` (relative paths, forward slashes).
pub fn tar_gz(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.mode(tar::HeaderMode::Deterministic);
    for (path, bytes) in files {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_size(bytes.len() as u64);
        // Writing into memory cannot fail, but a path the ustar format
        // cannot hold would; the paths are privet's own and short.
        let _ = builder.append_data(&mut header, path, bytes.as_slice());
    }
    let tar = builder.into_inner().unwrap_or_default();
    let mut gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::best());
    let _ = gzip.write_all(&tar);
    gzip.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn archives_are_deterministic_and_readable() {
        let mut files = BTreeMap::new();
        files.insert("b/policy.rego".to_string(), b"package b\n".to_vec());
        files.insert(".manifest".to_string(), b"{}\n".to_vec());
        let first = tar_gz(&files);
        assert_eq!(first, tar_gz(&files));
        // gzip header: no modification time, unknown operating system.
        assert_eq!(first.get(4..8), Some(&[0u8, 0, 0, 0][..]));
        assert_eq!(first.get(9), Some(&255));

        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(first.as_slice())
            .read_to_end(&mut tar)
            .unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header();
            assert_eq!(header.mtime().unwrap(), 0);
            assert_eq!(header.uid().unwrap(), 0);
            assert_eq!(header.mode().unwrap(), 0o644);
            let path = entry.path().unwrap().to_string_lossy().to_string();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            seen.push((path, content));
        }
        assert_eq!(
            seen,
            vec![
                (".manifest".to_string(), b"{}\n".to_vec()),
                ("b/policy.rego".to_string(), b"package b\n".to_vec()),
            ]
        );
    }
}
