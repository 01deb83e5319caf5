//! Integration tests: paxos (placeholder).
