//! Embeds the exercise catalogue: every `exercise.toml` and project `*.json` under
//! `exercises/<folder>/` becomes a `(folder, file name, text)` entry, so the binary and the
//! service carry the exercises without the source tree.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets the manifest dir"))
            .join("exercises");
    println!("cargo:rerun-if-changed=exercises");
    let mut code = String::from(
        "/// Exercise files: (exercise folder, file name, text).\npub(crate) static EMBEDDED: &[(&str, &str, &str)] = &[\n",
    );
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    for folder in &folders {
        println!("cargo:rerun-if-changed={}", folder.display());
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for f in files {
            let file = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !(file == "exercise.toml" || file.ends_with(".json")) {
                continue;
            }
            println!("cargo:rerun-if-changed={}", f.display());
            writeln!(
                code,
                "    ({name:?}, {file:?}, include_str!({:?})),",
                f.display().to_string()
            )
            .expect("write to a string");
        }
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("exercises.rs");
    std::fs::write(out, code).expect("write the embedded exercise list");
}
