//! Reading many migrations at once. Reading a file costs a few system
//! calls and parsing it a tokenizer pass, and each migration is read on its
//! own: with thousands of them the work is shared among the cores, each
//! taking one contiguous run of the list, and the results are put back in
//! the list's order, so that nothing but the time differs from reading
//! them one by one.

use std::num::NonZeroUsize;

use crate::error::SourceProblem;

/// Below this many items one thread does it all: starting threads would
/// cost more than it saves.
const MIN_PARALLEL: usize = 256;

/// At most this many threads, however many cores there are: reading is
/// bound by the file system soon enough.
const MAX_THREADS: usize = 8;

/// `load` applied to every item, in order, each with the problems it
/// found. The items are shared among up to one thread per core.
pub(super) fn map_items<T, R>(
    items: &[T],
    load: impl Fn(&T, &mut Vec<SourceProblem>) -> R + Sync,
) -> Vec<(R, Vec<SourceProblem>)>
where
    T: Sync,
    R: Send,
{
    map_all(items, |item| {
        let mut problems = Vec::new();
        let loaded = load(item, &mut problems);
        (loaded, problems)
    })
}

/// `f` applied to every item, in order, the items shared among up to one
/// thread per core.
pub(super) fn map_all<T, R>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let threads = threads_for(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for worker in workers {
            match worker.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    })
}

/// How many threads share `items` items.
fn threads_for(items: usize) -> usize {
    if items < MIN_PARALLEL {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_THREADS)
        .min(items / (MIN_PARALLEL / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<usize> = (0..5_000).collect();
        let done = map_items(&items, |n, problems| {
            if n % 1_000 == 0 {
                problems.push(SourceProblem {
                    path: format!("{n}").into(),
                    line: None,
                    message: String::new(),
                });
            }
            n * 2
        });
        assert_eq!(
            done.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            items.iter().map(|n| n * 2).collect::<Vec<_>>()
        );
        let flagged: Vec<usize> = done
            .iter()
            .enumerate()
            .filter(|(_, (_, p))| !p.is_empty())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(flagged, [0, 1_000, 2_000, 3_000, 4_000]);
    }

    #[test]
    fn few_items_take_one_thread() {
        assert_eq!(threads_for(0), 1);
        assert_eq!(threads_for(MIN_PARALLEL - 1), 1);
        assert!(threads_for(100_000) <= MAX_THREADS);
    }
}
