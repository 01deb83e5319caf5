//! Integration tests: twopc (placeholder).
