//! Integration tests: lb (placeholder).
