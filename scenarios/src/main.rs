//! The `simlab` binary: the CLI over the built-in protocols.
fn main() {
    scenarios::main_with(scenarios::registry::BUILTINS);
}
