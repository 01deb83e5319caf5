//! Ctrl-C as a request, not a kill: the first Ctrl-C sets a flag that every run checks
//! between events ([`sim::WorldBuilder::interrupt`]), so the command stops within a few
//! milliseconds, removes the files it was writing and exits 130; a second Ctrl-C exits at
//! once, after removing them. Files being written register themselves as [`Partial`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static PARTIAL: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// True once Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::Relaxed) {
            remove_partial_files();
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
}

fn remove_partial_files() {
    if let Ok(files) = PARTIAL.lock() {
        for f in files.iter() {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// A file being written that must not outlive a failed or interrupted command: removed when
/// dropped unless [`Partial::keep`] was called.
pub struct Partial {
    path: PathBuf,
    keep: bool,
}

impl Partial {
    /// Registers `path` (which the caller is about to create).
    pub fn new(path: &Path) -> Partial {
        if let Ok(mut files) = PARTIAL.lock() {
            files.push(path.to_path_buf());
        }
        Partial {
            path: path.to_path_buf(),
            keep: false,
        }
    }

    /// The file is complete: keep it.
    pub fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if let Ok(mut files) = PARTIAL.lock() {
            files.retain(|f| f != &self.path);
        }
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
