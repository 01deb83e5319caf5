//! `simlab completions` and `simlab man`: the command line describing itself, for shells and
//! for `man`.

use std::io::Write;

use super::output::{Res, output_error};
use super::{Cli, EXIT_OK};
use crate::registry::Registry;

/// Writes the completion script for `shell`, under the binary's own name.
pub(super) fn cmd_completions(
    reg: &Registry,
    shell: clap_complete::Shell,
    out: &mut dyn Write,
) -> Res<i32> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut cmd, reg.program(), out);
    Ok(EXIT_OK)
}

/// Writes the man page (roff), under the binary's own name.
pub(super) fn cmd_man(reg: &Registry, out: &mut dyn Write) -> Res<i32> {
    // clap names commands with 'static strings; the process ends right after.
    let name: &'static str = Box::leak(reg.program().to_string().into_boxed_str());
    let cmd = <Cli as clap::CommandFactory>::command().name(name);
    clap_mangen::Man::new(cmd)
        .render(out)
        .map_err(output_error)?;
    Ok(EXIT_OK)
}
