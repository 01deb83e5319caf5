//! Integration tests: fd (placeholder).
