//! Ponto API simulator (to be written).
