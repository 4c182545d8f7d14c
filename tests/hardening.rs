//! Hardening of the run around delivery (issue #8): a lost ledger, signals, truthful
//! reports, messages. Each test failed before its fix.

#![allow(unused_imports)]

use crate::sim_env::SimEnv;
use crate::util::*;
