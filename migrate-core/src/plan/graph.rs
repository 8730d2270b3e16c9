//! The dependency graph of the source: each migration's parents (the one
//! before it in its app, and its declared dependencies) and children.

use std::collections::{HashMap, HashSet};

use crate::migration::MigrationKey;
use crate::source::Source;

/// Parents and children of every migration in the source.
pub(super) struct Graph {
    /// Dependency order, for sorting steps.
    position: HashMap<MigrationKey, usize>,
    parents: HashMap<MigrationKey, Vec<MigrationKey>>,
    children: HashMap<MigrationKey, Vec<MigrationKey>>,
}

impl Graph {
    pub(super) fn new(source: &Source) -> Self {
        let mut parents: HashMap<MigrationKey, Vec<MigrationKey>> = HashMap::new();
        let mut children: HashMap<MigrationKey, Vec<MigrationKey>> = HashMap::new();
        for app in source.apps() {
            let list = source.app(app).unwrap_or_default();
            for (i, m) in list.iter().enumerate() {
                let mut ps = m.depends_on.clone();
                if i > 0 {
                    ps.push(list[i - 1].key());
                }
                for p in &ps {
                    children.entry(p.clone()).or_default().push(m.key());
                }
                parents.insert(m.key(), ps);
            }
        }
        let position = source
            .ordered()
            .enumerate()
            .map(|(i, m)| (m.key(), i))
            .collect();
        Graph {
            position,
            parents,
            children,
        }
    }

    /// `start` and everything reachable from it through `edges`.
    fn closure(
        start: &[MigrationKey],
        edges: &HashMap<MigrationKey, Vec<MigrationKey>>,
    ) -> HashSet<MigrationKey> {
        let mut seen: HashSet<MigrationKey> = HashSet::new();
        let mut stack: Vec<MigrationKey> = start.to_vec();
        while let Some(key) = stack.pop() {
            if seen.insert(key.clone()) {
                stack.extend(edges.get(&key).into_iter().flatten().cloned());
            }
        }
        seen
    }

    fn sorted(&self, keys: HashSet<MigrationKey>, reverse: bool) -> Vec<MigrationKey> {
        let mut keys: Vec<MigrationKey> = keys.into_iter().collect();
        keys.sort_by_key(|k| self.position[k]);
        if reverse {
            keys.reverse();
        }
        keys
    }

    /// What applying `targets` needs that is not applied: the targets and
    /// all their ancestors, in dependency order.
    pub(super) fn to_apply(
        &self,
        applied: &HashSet<MigrationKey>,
        targets: &[MigrationKey],
    ) -> Vec<MigrationKey> {
        let needed = Self::closure(targets, &self.parents)
            .into_iter()
            .filter(|k| !applied.contains(k))
            .collect();
        self.sorted(needed, false)
    }

    /// What unapplying `removed` takes among what is applied: them and
    /// everything that depends on them, newest first.
    pub(super) fn to_unapply(
        &self,
        applied: &HashSet<MigrationKey>,
        removed: &[MigrationKey],
    ) -> Vec<MigrationKey> {
        let undone = Self::closure(removed, &self.children)
            .into_iter()
            .filter(|k| applied.contains(k))
            .collect();
        self.sorted(undone, true)
    }
}
