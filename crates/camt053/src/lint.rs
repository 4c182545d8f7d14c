//! Lint (to be written).
