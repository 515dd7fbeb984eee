//! [`Sparse`]: a part of a definition that most domains leave at its empty value, stored out
//! of line and only when it differs from that value.
//!
//! A test-driver host may hold tens of thousands of definitions; an empty `<devices>` or a
//! default `<clock>` inline in each of them would cost hundreds of bytes per domain for
//! nothing. `Sparse<T>` is one pointer wide: it reads as the shared empty value until it is
//! written to, and compares, clones and prints like the `T` it stands for.

use std::{
    fmt,
    ops::{Deref, DerefMut},
};

/// A type with a shared empty value that [`Sparse`] stands for when it holds nothing.
pub trait EmptyValue: Clone + PartialEq + 'static {
    /// The empty (default) value, shared by every [`Sparse`] that holds nothing.
    fn empty() -> &'static Self;
}

/// A `T` kept behind a pointer only when it differs from [`EmptyValue::empty`].
///
/// Reading goes through `Deref` and never allocates. Writing through `DerefMut` allocates a
/// copy of the empty value first; [`Sparse::compact`] drops a copy that ended up empty again.
#[derive(Clone)]
pub struct Sparse<T: EmptyValue>(Option<Box<T>>);

impl<T: EmptyValue> Default for Sparse<T> {
    fn default() -> Self {
        Sparse(None)
    }
}

impl<T: EmptyValue> Sparse<T> {
    /// Holds `value`, allocating only when it is not the empty value.
    pub fn new(value: T) -> Self {
        if value == *T::empty() {
            Sparse(None)
        } else {
            Sparse(Some(Box::new(value)))
        }
    }

    /// Whether the value is the empty one.
    pub fn is_empty(&self) -> bool {
        self.0.as_deref().is_none_or(|v| v == T::empty())
    }

    /// Frees the storage if the value is back to the empty one.
    pub fn compact(&mut self) {
        if self.0.as_deref().is_some_and(|v| v == T::empty()) {
            self.0 = None;
        }
    }
}

impl<T: EmptyValue> From<T> for Sparse<T> {
    fn from(value: T) -> Self {
        Sparse::new(value)
    }
}

impl<T: EmptyValue> Deref for Sparse<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.0.as_deref().unwrap_or_else(|| T::empty())
    }
}

impl<T: EmptyValue> DerefMut for Sparse<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(|| Box::new(T::empty().clone()))
    }
}

impl<T: EmptyValue> PartialEq for Sparse<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: EmptyValue + Eq> Eq for Sparse<T> {}

impl<T: EmptyValue + fmt::Debug> fmt::Debug for Sparse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Part(Vec<u32>);

    static EMPTY: Part = Part(Vec::new());

    impl EmptyValue for Part {
        fn empty() -> &'static Self {
            &EMPTY
        }
    }

    #[test]
    fn empty_values_take_no_storage() {
        let s = Sparse::new(Part(Vec::new()));
        assert!(s.0.is_none());
        assert!(s.is_empty());
        assert_eq!(*s, Part(Vec::new()));
        let full = Sparse::new(Part(vec![1]));
        assert_eq!(full.0.as_deref(), Some(&Part(vec![1])));
        assert!(!full.is_empty());
    }

    #[test]
    fn writes_allocate_and_compact_frees() {
        let mut s: Sparse<Part> = Sparse::default();
        s.deref_mut().0.push(3);
        assert_eq!(*s, Part(vec![3]));
        assert!(s.0.is_some());
        s.deref_mut().0.clear();
        assert!(s.is_empty());
        s.compact();
        assert!(s.0.is_none());
    }

    #[test]
    fn compares_by_value() {
        let mut written: Sparse<Part> = Sparse::default();
        written.deref_mut().0.clear();
        assert!(written.0.is_some());
        assert_eq!(written, Sparse::default());
        assert_ne!(Sparse::new(Part(vec![1])), Sparse::default());
        assert_eq!(format!("{:?}", Sparse::new(Part(vec![2]))), "Part([2])");
    }
}
