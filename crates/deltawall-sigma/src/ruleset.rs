//! [`RuleSet`]: the parsed documents of one or more rule files.

use crate::error::RuleError;
use crate::model::{self, Correlation, Document, Filter, Rule};
use crate::yaml;
use std::path::{Path, PathBuf};

/// Parsed rules, correlations and filters, ready to be compiled into an [`crate::Engine`].
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    docs: Vec<Document>,
}

impl RuleSet {
    /// An empty rule set.
    pub fn new() -> RuleSet {
        RuleSet::default()
    }

    /// Parses a (multi-document) YAML source. All or nothing: on the first rejected
    /// document nothing of the file is added. Returns the number of documents added.
    pub fn add_yaml(&mut self, source: &str, origin: &str) -> Result<usize, RuleError> {
        let docs = parse(source, origin)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let n = docs.len();
        self.docs.extend(docs);
        Ok(n)
    }

    /// Like [`RuleSet::add_yaml`] but keeps every valid document and pushes one error per
    /// rejected document (or one for the whole file when it is not valid YAML).
    pub fn add_yaml_collect(
        &mut self,
        source: &str,
        origin: &str,
        errors: &mut Vec<RuleError>,
    ) -> usize {
        let mut added = 0;
        for doc in parse(source, origin) {
            match doc {
                Ok(d) => {
                    self.docs.push(d);
                    added += 1;
                }
                Err(e) => errors.push(e),
            }
        }
        added
    }

    /// Reads a rule file, or every `.yml`/`.yaml` file under a directory (sorted, recursive),
    /// collecting per-document errors. I/O errors stop the walk.
    pub fn add_path(&mut self, path: &Path, errors: &mut Vec<RuleError>) -> std::io::Result<usize> {
        let mut files = Vec::new();
        collect_files(path, &mut files)?;
        let mut added = 0;
        for file in files {
            let text = std::fs::read_to_string(&file)?;
            added += self.add_yaml_collect(&text, &file.display().to_string(), errors);
        }
        Ok(added)
    }

    /// Adds an already parsed document.
    pub fn push(&mut self, doc: Document) {
        self.docs.push(doc);
    }

    /// Every document in load order.
    pub fn documents(&self) -> &[Document] {
        &self.docs
    }

    /// The detection rules.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.docs.iter().filter_map(|d| match d {
            Document::Rule(r) => Some(r),
            _ => None,
        })
    }

    /// The correlation rules.
    pub fn correlations(&self) -> impl Iterator<Item = &Correlation> {
        self.docs.iter().filter_map(|d| match d {
            Document::Correlation(c) => Some(c),
            _ => None,
        })
    }

    /// The filters.
    pub fn filters(&self) -> impl Iterator<Item = &Filter> {
        self.docs.iter().filter_map(|d| match d {
            Document::Filter(f) => Some(f),
            _ => None,
        })
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no document was added.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

fn parse(source: &str, origin: &str) -> Vec<Result<Document, RuleError>> {
    match yaml::parse_documents(source, origin) {
        Err(e) => vec![Err(e)],
        Ok(docs) => docs
            .iter()
            .enumerate()
            .map(|(i, d)| model::parse_document(d, origin, i))
            .collect(),
    }
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_owned());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
    Ok(())
}
