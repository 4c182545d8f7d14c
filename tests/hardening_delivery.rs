//! Hardening of delivery and conversion (issue #8): the outbox, the drop folder and the
//! bundles misbehaving. Each test failed before its fix.

#![allow(unused_imports)]

use crate::sim_env::SimEnv;
use crate::util::*;
