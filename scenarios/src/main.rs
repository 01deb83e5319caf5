//! The `simlab` binary: a thin wrapper that turns panics into exit code 70.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = match std::panic::catch_unwind(|| {
        let stdout = std::io::stdout();
        let stderr = std::io::stderr();
        let mut out = stdout.lock();
        let mut err = stderr.lock();
        scenarios::cli::run_cli(args, &mut out, &mut err)
    }) {
        Ok(c) => c,
        Err(_) => {
            eprintln!(
                "internal error: simlab panicked (a bug: please report it with the command line above)"
            );
            scenarios::cli::EXIT_INTERNAL
        }
    };
    std::process::exit(code);
}
