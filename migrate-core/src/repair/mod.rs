//! Deliberate corrections of the history, each under the migration lock and
//! written to the audit log:
//! - [`accept`]: record the new checksum of an edited applied migration;
//! - [`rename`]: move an applied migration's row to its file's new name;
//! - [`inspect`] and [`Repair`]: migrations a journaled run left part way
//!   (`partial`, or `reverting`), undone with the inverses recorded in the
//!   statement journal, finished from the file, or recorded as applied or
//!   not after the user did it by hand.

mod accept;
mod partial;
mod rename;

pub use accept::{Accepted, accept};
pub(crate) use partial::check_forgettable;
pub use partial::{Case, Doubt, DoubtChoice, Ran, Repair, RepairOptions, RepairPlan, inspect, run};
pub use rename::{Renamed, rename};
