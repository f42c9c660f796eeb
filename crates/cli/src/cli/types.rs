//! `arshif type`: the document types the archive's owner keeps.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use arshif::app::{Actor, TypeView};
use arshif::archive::Archive;
use arshif::catalog::{DocTypeChange, DocTypeRecord};
use arshif::types::DocType;

#[derive(Subcommand, Debug)]
pub enum TypeCommand {
    /// Add a document type: its slug (the stable id, e.g. `circular`),
    /// its Arabic and English names, and phrases that give it away.
    Add {
        /// The slug: letters, digits, `-` and `_` (lowercased), e.g. circular.
        slug: DocType,
        /// The Arabic name (تعميم).
        #[arg(long)]
        ar: String,
        /// The English name (Circular).
        #[arg(long)]
        en: String,
        /// A phrase whose presence in a document's text says it is of this
        /// type (repeatable).
        #[arg(long = "keyword")]
        keywords: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every type the archive knows: slug, names, keywords, and how many
    /// documents have it.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Rename a type (the slug stays) or add keywords to it.
    Rename {
        /// The type's slug.
        slug: DocType,
        /// The new Arabic name.
        #[arg(long)]
        ar: Option<String>,
        /// The new English name.
        #[arg(long)]
        en: Option<String>,
        /// A keyword to add (repeatable).
        #[arg(long = "keyword")]
        keywords: Vec<String>,
        /// Drop the type's keywords first (those given with --keyword stay).
        #[arg(long)]
        clear_keywords: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn print_type(t: &TypeView) {
    let r = &t.record;
    print!("{}\t{}\t{}\t{} documents", r.slug, r.ar, r.en, t.documents);
    if !r.keywords.is_empty() {
        print!("\tkeywords: {}", r.keywords.join(", "));
    }
    println!();
}

/// How many documents' types an addition or a change had guessed again.
fn print_guessed_again(t: &TypeView) {
    match t.guessing_again {
        Some(n) if n > 0 => println!("Guessed again the type of {n} documents typed by a guess."),
        _ => {}
    }
}

pub fn run(archive: &Archive, command: TypeCommand) -> Result<ExitCode> {
    let who = Actor::local();
    match command {
        TypeCommand::List { json } => {
            let index = archive.fresh_index()?;
            let catalog = archive.catalog()?;
            let types = arshif::app::list_types(&*catalog, &index, &who)?;
            if json {
                let v: Vec<serde_json::Value> = types.iter().map(TypeView::json).collect();
                println!("{}", serde_json::json!({ "types": v }));
            } else {
                types.iter().for_each(print_type);
            }
        }
        TypeCommand::Add {
            slug,
            ar,
            en,
            keywords,
            json,
        } => {
            let t = DocTypeRecord::new(slug, &ar, &en, &keywords)?;
            let index = archive.fresh_index()?;
            let mut catalog = archive.catalog()?;
            let done = arshif::app::add_type(&mut *catalog, &index, &who, &t)?;
            let view = super::accounts::recorded(archive, done)?;
            archive.catch_up_index()?;
            if json {
                println!("{}", view.json());
            } else {
                print!("Added ");
                print_type(&view);
                print_guessed_again(&view);
            }
        }
        TypeCommand::Rename {
            slug,
            ar,
            en,
            keywords,
            clear_keywords,
            json,
        } => {
            let change = DocTypeChange {
                ar,
                en,
                keywords: clear_keywords.then(Vec::new),
                add_keywords: keywords,
            };
            if change.is_empty() {
                anyhow::bail!("nothing to change: give --ar, --en, --keyword or --clear-keywords");
            }
            let index = archive.fresh_index()?;
            let mut catalog = archive.catalog()?;
            let done = arshif::app::update_type(&mut *catalog, &index, &who, &slug, &change)?;
            let view = super::accounts::recorded(archive, done)?;
            archive.catch_up_index()?;
            if json {
                println!("{}", view.json());
            } else {
                print!("Changed ");
                print_type(&view);
                print_guessed_again(&view);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
