//! Rebuild when a migration file is added or removed (editing one already
//! rebuilds: each is included with `include_str!`).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
