//! Paths into a document: `workflow.steps[3].prompt[0].content` for people, `/workflow/steps/3/...` (JSON
//! Pointer) for patches.

use std::fmt;

/// One step of a path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path from the document root to a node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Path(pub Vec<Seg>);

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }

    /// This path extended by a key.
    pub fn key(&self, k: impl Into<String>) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.into()));
        p
    }

    /// This path extended by an index.
    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    pub fn parent(&self) -> Option<Path> {
        let mut p = self.clone();
        p.0.pop()?;
        Some(p)
    }

    pub fn segments(&self) -> &[Seg] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// RFC 6901 JSON Pointer.
    pub fn to_pointer(&self) -> String {
        let mut s = String::new();
        for seg in &self.0 {
            s.push('/');
            match seg {
                Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Seg::Index(i) => s.push_str(&i.to_string()),
            }
        }
        s
    }

    /// Parses an RFC 6901 JSON Pointer. Numeric tokens become indices (`-` and other non-numbers stay keys).
    pub fn from_pointer(ptr: &str) -> Option<Path> {
        if ptr.is_empty() {
            return Some(Path::root());
        }
        let rest = ptr.strip_prefix('/')?;
        let segs = rest
            .split('/')
            .map(|t| {
                let t = t.replace("~1", "/").replace("~0", "~");
                match t.parse::<usize>() {
                    Ok(i) if !t.starts_with('+') && (t == "0" || !t.starts_with('0')) => Seg::Index(i),
                    _ => Seg::Key(t),
                }
            })
            .collect();
        Some(Path(segs))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    let plain = !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
                    if plain {
                        if i > 0 {
                            f.write_str(".")?;
                        }
                        f.write_str(k)?;
                    } else {
                        write!(f, "[{k:?}]")?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_pointer() {
        let p = Path::root().key("workflow").key("steps").index(3).key("prompt").index(0).key("content");
        assert_eq!(p.to_string(), "workflow.steps[3].prompt[0].content");
        assert_eq!(p.to_pointer(), "/workflow/steps/3/prompt/0/content");
        assert_eq!(Path::from_pointer(&p.to_pointer()), Some(p));
        assert_eq!(Path::root().key("a b").to_string(), "[\"a b\"]");
        assert_eq!(Path::from_pointer("/a~1b/01"), Some(Path::root().key("a/b").key("01")));
    }
}
