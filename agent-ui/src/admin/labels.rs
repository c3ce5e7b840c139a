//! "Tags and dispositions": two lists of words and "Only these tags".

use shared::room::Labels;
use shared::MAX_TAG_CHARS;

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Tags agents pick from.
    Tag,
    /// Outcomes of a closed chat.
    Disposition,
}

impl Kind {
    /// Its list in `labels`.
    pub fn list(self, labels: &Labels) -> &Vec<String> {
        match self {
            Kind::Tag => &labels.tags,
            Kind::Disposition => &labels.dispositions,
        }
    }

    fn list_mut(self, labels: &mut Labels) -> &mut Vec<String> {
        match self {
            Kind::Tag => &mut labels.tags,
            Kind::Disposition => &mut labels.dispositions,
        }
    }

    /// Its word, in a sentence.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Tag => "tag",
            Kind::Disposition => "disposition",
        }
    }
}

/// `labels` with `word` added to `kind`'s list.
pub fn add(labels: &Labels, kind: Kind, word: &str) -> Result<Labels, String> {
    let word = word.trim();
    if word.is_empty() {
        return Err(format!("Type a {} to add.", kind.word()));
    }
    if word.chars().count() > MAX_TAG_CHARS {
        return Err(format!(
            "A {} has at most {MAX_TAG_CHARS} characters.",
            kind.word()
        ));
    }
    if kind
        .list(labels)
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word))
    {
        return Err(format!("{word} is already in the list."));
    }
    let mut out = labels.clone();
    kind.list_mut(&mut out).push(word.to_string());
    Ok(out)
}

/// `labels` without `word` in `kind`'s list.
pub fn remove(labels: &Labels, kind: Kind, word: &str) -> Labels {
    let mut out = labels.clone();
    kind.list_mut(&mut out).retain(|w| w != word);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_and_removing() {
        let labels = Labels::default();
        let labels = add(&labels, Kind::Tag, " billing ").unwrap();
        let labels = add(&labels, Kind::Disposition, "Solved").unwrap();
        assert_eq!(labels.tags, ["billing"]);
        assert_eq!(labels.dispositions, ["Solved"]);
        assert_eq!(
            add(&labels, Kind::Tag, "Billing").unwrap_err(),
            "Billing is already in the list."
        );
        assert_eq!(
            add(&labels, Kind::Tag, "").unwrap_err(),
            "Type a tag to add."
        );
        assert!(add(&labels, Kind::Disposition, &"x".repeat(65)).is_err());
        let labels = remove(&labels, Kind::Tag, "billing");
        assert!(labels.tags.is_empty());
        assert_eq!(labels.dispositions, ["Solved"]);
    }
}
