//! `embed_migrations!("migrations")`: the migrations folder (a path
//! relative to the crate's `Cargo.toml`) compiled into the program as a
//! `migrate_core::source::Embedded`, so that no folder is needed at run
//! time. Use it through `migrate_core::embed_migrations!`.
//!
//! Each file is included with `include_str!`, so editing one rebuilds the
//! program. A file added or removed is seen on the next build of the crate
//! that embeds them; a `build.rs` with
//! `println!("cargo:rerun-if-changed=migrations");` makes that automatic.
//! Only what the source reader would read is embedded: app folders and
//! their files, without hidden ones. Checking the files is left to the
//! reader at run time, which reports every problem with its file and line,
//! exactly as for the folder.
#![warn(missing_docs)]

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;

/// Embeds a migrations folder; see the crate documentation.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(code) => code.parse().expect("generated code parses"),
        Err(message) => format!("::core::compile_error!({message:?});")
            .parse()
            .expect("an error parses"),
    }
}

fn expand(input: TokenStream) -> Result<String, String> {
    let folder = folder_argument(input)?;
    let base = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "CARGO_MANIFEST_DIR is not set: build with Cargo".to_string())?;
    let root = Path::new(&base).join(&folder);
    let mut files = Vec::new();
    for app in sorted_entries(&root)? {
        if !app.is_dir() {
            continue;
        }
        let app_name = name_of(&app)?;
        for file in sorted_entries(&app)? {
            if file.is_file() {
                files.push((app_name.clone(), name_of(&file)?, file));
            }
        }
    }
    let mut code = format!(
        "::migrate_core::source::Embedded {{ root: {:?}, files: &[",
        folder
    );
    for (app, name, path) in files {
        std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot embed {}: {e} (migrations are UTF-8 text)",
                path.display()
            )
        })?;
        let path = path
            .to_str()
            .ok_or_else(|| format!("{} is not a UTF-8 path", path.display()))?;
        code.push_str(&format!(
            "::migrate_core::source::EmbeddedFile {{ app: {app:?}, name: {name:?}, text: include_str!({path:?}) }},"
        ));
    }
    code.push_str("] }");
    Ok(code)
}

/// The one string literal the macro takes.
fn folder_argument(input: TokenStream) -> Result<String, String> {
    let text = input.to_string();
    let text = text.trim();
    let usage = "embed_migrations! takes one string: the migrations folder, relative to Cargo.toml";
    if !(text.starts_with('"') && text.ends_with('"') && text.len() >= 2) {
        return Err(usage.to_string());
    }
    let inner = &text[1..text.len() - 1];
    if inner.contains(['"', '\\']) {
        return Err(format!("{usage}, without escapes"));
    }
    Ok(inner.to_string())
}

/// The entries of a folder, hidden ones left out, in name order.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    Ok(paths)
}

fn name_of(path: &Path) -> Result<String, String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(String::from)
        .ok_or_else(|| format!("{} has no UTF-8 name", path.display()))
}
