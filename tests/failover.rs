//! Integration tests: failover (placeholder).
