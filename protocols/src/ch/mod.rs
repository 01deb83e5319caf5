//! Consistent hashing (work in progress).
