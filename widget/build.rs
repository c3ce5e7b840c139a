//! The widget's Wasm is split in two after it is linked (see
//! `src/call.rs` and `scripts/build-web.sh`): the splitter reads the
//! linker's relocations to move functions between the parts, so the
//! wasm32 link keeps them (`--emit-relocs`). wasm-bindgen and wasm-opt
//! drop those sections again; native builds are untouched.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg-bins=--emit-relocs");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
