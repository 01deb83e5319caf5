//! Integration tests: hashing (placeholder).
