//! Integration tests: kernel (placeholder).
