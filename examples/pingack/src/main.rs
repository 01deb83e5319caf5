//! `pingack`: the whole simlab CLI, with this crate's protocol beside the built-ins.
fn main() {
    let mut protocols = scenarios::registry::BUILTINS.to_vec();
    protocols.push(&pingack::PingAck);
    scenarios::main_with(&protocols);
}
