//! Ponto transactions to camt.053 statements (to be written).
