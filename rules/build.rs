//! Embeds the shipped rule packs: every file under `packs/` becomes a `(pack, path, text)`
//! entry, so the binary carries its rules and a test can check them without the source tree.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets the manifest dir"))
            .join("packs");
    println!("cargo:rerun-if-changed=packs");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut code = String::from(
        "/// Shipped pack files: (pack folder, path within the pack, text).\npub(crate) static EMBEDDED: &[(&str, &str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).expect("under packs/");
        let mut parts = rel.components();
        let pack = parts
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let inner: PathBuf = parts.collect();
        let inner = inner.to_string_lossy().replace('\\', "/");
        if inner.is_empty() || inner.ends_with(".md") {
            continue;
        }
        writeln!(
            code,
            "    ({pack:?}, {inner:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .expect("write to a string");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("packs.rs");
    std::fs::write(out, code).expect("write the embedded pack list");
}
