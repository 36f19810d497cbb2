//! Text edits over the original source: collect `(byte range, replacement)`
//! pairs, check that none overlaps another, and apply them in one pass, so no
//! offset moves between edits and no edit can silently swallow another.

use std::ops::Range;

/// One replacement of `range` in the source by `text`; an empty range inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// Why a set of edits cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// Two edits touch the same bytes: applying both would lose one.
    #[error("edits overlap: {first:?} and {second:?}")]
    Overlap {
        first: Range<usize>,
        second: Range<usize>,
    },
    /// An edit reaches outside the source or splits a UTF-8 character.
    #[error("edit {range:?} is not a valid range of the {len}-byte source")]
    OutOfBounds { range: Range<usize>, len: usize },
}

/// A set of non-overlapping edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    edits: Vec<Edit>,
}

impl Edits {
    /// No edits yet.
    pub fn new() -> Self {
        Edits::default()
    }

    /// Replaces `range` with `text`.
    pub fn replace(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.edits.push(Edit {
            range,
            text: text.into(),
        });
    }

    /// Inserts `text` at `at`. Several insertions at one offset keep the order
    /// in which they were added.
    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.replace(at..at, text);
    }

    /// Deletes `range`.
    pub fn delete(&mut self, range: Range<usize>) {
        self.replace(range, String::new());
    }

    /// The edits, in the order added.
    pub fn as_slice(&self) -> &[Edit] {
        &self.edits
    }

    /// Whether there are no edits.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Applies every edit to `source`, or explains why that is not possible.
    ///
    /// Two edits overlap when they share a byte, or when an insertion falls
    /// strictly inside a replaced range; edits that only touch at an offset do
    /// not (an insertion at a replacement's start goes before it).
    pub fn apply(&self, source: &str) -> Result<String, EditError> {
        let mut order: Vec<usize> = (0..self.edits.len()).collect();
        // Stable: insertions at the same offset keep the order they were added.
        order.sort_by_key(|&i| (self.edits[i].range.start, self.edits[i].range.end));
        for &i in &order {
            let r = &self.edits[i].range;
            let valid = r.start <= r.end
                && r.end <= source.len()
                && source.is_char_boundary(r.start)
                && source.is_char_boundary(r.end);
            if !valid {
                return Err(EditError::OutOfBounds {
                    range: r.clone(),
                    len: source.len(),
                });
            }
        }
        // Sorted by start, an edit overlaps an earlier one exactly when it
        // starts before the furthest end seen so far.
        let mut furthest: Option<&Range<usize>> = None;
        for &i in &order {
            let r = &self.edits[i].range;
            if let Some(f) = furthest {
                if r.start < f.end {
                    return Err(EditError::Overlap {
                        first: f.clone(),
                        second: r.clone(),
                    });
                }
            }
            if furthest.is_none_or(|f| r.end >= f.end) {
                furthest = Some(r);
            }
        }
        let growth: usize = self.edits.iter().map(|e| e.text.len()).sum();
        let mut out = String::with_capacity(source.len() + growth);
        let mut at = 0;
        for &i in &order {
            let edit = &self.edits[i];
            out.push_str(&source[at..edit.range.start]);
            out.push_str(&edit.text);
            at = edit.range.end;
        }
        out.push_str(&source[at..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_one_pass() {
        let mut e = Edits::new();
        e.replace(6..11, "there");
        e.insert(0, ">> ");
        e.insert(11, "!");
        assert_eq!(e.apply("hello world").unwrap(), ">> hello there!");
    }

    #[test]
    fn insertions_at_one_offset_keep_their_order() {
        let mut e = Edits::new();
        e.insert(1, "b");
        e.insert(1, "c");
        assert_eq!(e.apply("ad").unwrap(), "abcd");
    }

    #[test]
    fn overlapping_edits_are_an_error() {
        let mut e = Edits::new();
        e.replace(0..5, "x");
        e.replace(3..7, "y");
        assert!(matches!(
            e.apply("0123456789"),
            Err(EditError::Overlap { .. })
        ));

        let mut e = Edits::new();
        e.replace(0..5, "x");
        e.insert(2, "y");
        assert!(matches!(
            e.apply("0123456789"),
            Err(EditError::Overlap { .. })
        ));
    }

    #[test]
    fn touching_edits_are_fine() {
        let mut e = Edits::new();
        e.replace(0..2, "A");
        e.replace(2..4, "B");
        e.insert(4, "C");
        assert_eq!(e.apply("0123").unwrap(), "ABC");
    }

    #[test]
    fn ranges_must_fit_the_source() {
        let mut e = Edits::new();
        e.replace(2..9, "x");
        assert!(matches!(e.apply("abc"), Err(EditError::OutOfBounds { .. })));
        let mut e = Edits::new();
        e.insert(1, "x");
        assert!(matches!(e.apply("é"), Err(EditError::OutOfBounds { .. })));
    }
}
