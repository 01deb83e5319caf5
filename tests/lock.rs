//! Integration tests: lock (placeholder).
