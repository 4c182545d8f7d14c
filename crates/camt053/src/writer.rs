//! Streaming writer (to be written).
