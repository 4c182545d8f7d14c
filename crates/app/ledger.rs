//! The ledger (to be written).
