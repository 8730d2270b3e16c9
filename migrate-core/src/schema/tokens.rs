//! SQL text as a list of tokens, read with `sqlparser`'s tokenizer for the
//! engine (so that its strings, escapes and quoted names are understood),
//! and written back in one canonical spelling.

use sqlparser::tokenizer::{Token, Tokenizer};

use crate::dialect::SqlDialect;

/// One token, reduced to what normalizing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A keyword or a name; `quoted` names keep their case.
    Word { text: String, quoted: bool },
    /// A number, as written.
    Number(String),
    /// A string literal's value (escapes resolved).
    Str(String),
    /// A bit or byte string (`b'1'`, `x'ff'`), with its prefix.
    Bits(String),
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `,`.
    Comma,
    /// `.`.
    Dot,
    /// `::`.
    Cast,
    /// Any other operator or punctuation, as SQL writes it.
    Other(String),
}

impl Tok {
    /// Whether this is the unquoted keyword `word` (lower-case).
    pub(crate) fn is(&self, word: &str) -> bool {
        matches!(self, Tok::Word { text, quoted: false } if text.eq_ignore_ascii_case(word))
    }

    /// The name a word stands for: as written when quoted, lower-cased
    /// otherwise (engines fold or ignore the case of unquoted names).
    pub(crate) fn name(&self) -> Option<String> {
        match self {
            Tok::Word { text, quoted: true } => Some(text.clone()),
            Tok::Word { text, .. } => Some(text.to_ascii_lowercase()),
            _ => None,
        }
    }
}

/// The tokens of `sql`, without whitespace and comments; `None` when the
/// engine's tokenizer cannot read it (an unterminated string).
pub(crate) fn lex(engine: SqlDialect, sql: &str) -> Option<Vec<Tok>> {
    let dialect = crate::split::tokenizer_dialect(engine);
    let tokens = Tokenizer::new(dialect.as_ref(), sql).tokenize().ok()?;
    let mut out = Vec::with_capacity(tokens.len());
    for token in tokens {
        out.push(match token {
            Token::Whitespace(_) | Token::EOF => continue,
            Token::Word(w) => match w.quote_style {
                // MySQL reads a double-quoted text as a string.
                Some('"') if engine == SqlDialect::Mysql => Tok::Str(w.value),
                Some(_) => Tok::Word {
                    text: w.value,
                    quoted: true,
                },
                None => Tok::Word {
                    text: w.value,
                    quoted: false,
                },
            },
            Token::Number(n, _) => Tok::Number(n),
            Token::SingleQuotedString(s)
            | Token::NationalStringLiteral(s)
            | Token::EscapedStringLiteral(s)
            | Token::UnicodeStringLiteral(s) => Tok::Str(s),
            Token::DoubleQuotedString(s) => Tok::Str(s),
            Token::DollarQuotedString(s) => Tok::Str(s.value),
            Token::SingleQuotedByteStringLiteral(s) => Tok::Bits(format!("b'{s}'")),
            Token::HexStringLiteral(s) => Tok::Bits(format!("x'{}'", s.to_ascii_lowercase())),
            Token::LParen => Tok::Open,
            Token::RParen => Tok::Close,
            Token::Comma => Tok::Comma,
            Token::Period => Tok::Dot,
            Token::DoubleColon => Tok::Cast,
            other => Tok::Other(other.to_string()),
        });
        // MySQL writes a string's character set before it (`_utf8mb4'x'`).
        if let [
            ..,
            Tok::Word {
                text,
                quoted: false,
            },
            Tok::Str(_),
        ] = out.as_slice()
            && engine == SqlDialect::Mysql
            && text.starts_with('_')
        {
            out.remove(out.len() - 2);
        }
    }
    Some(out)
}

/// Words after which a parenthesis is not a function's argument list.
const KEYWORDS: &[&str] = &[
    "all", "and", "any", "as", "between", "by", "case", "check", "else", "end", "exists", "from",
    "in", "is", "join", "like", "not", "on", "or", "over", "select", "some", "then", "union",
    "using", "values", "when", "where", "with",
];

/// A quoted name as written back: bare when it needs no quotes.
fn name_text(text: &str) -> String {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        text.to_string()
    } else {
        format!("\"{}\"", text.replace('"', "\"\""))
    }
}

/// A string literal in standard SQL quotes.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// How one token is written.
fn text(tok: &Tok) -> String {
    match tok {
        Tok::Word { text, quoted: true } => name_text(text),
        Tok::Word { text, .. } => text.to_ascii_lowercase(),
        Tok::Number(n) => n.clone(),
        Tok::Str(s) => quote(s),
        Tok::Bits(b) => b.clone(),
        Tok::Open => "(".into(),
        Tok::Close => ")".into(),
        Tok::Comma => ",".into(),
        Tok::Dot => ".".into(),
        Tok::Cast => "::".into(),
        Tok::Other(o) => o.clone(),
    }
}

/// Whether a sign at `i` is a unary minus or plus: nothing before it that
/// a value could end with.
fn unary(tokens: &[Tok], i: usize) -> bool {
    matches!(&tokens[i], Tok::Other(o) if o == "-" || o == "+")
        && match i.checked_sub(1).map(|p| &tokens[p]) {
            None | Some(Tok::Open | Tok::Comma | Tok::Other(_)) => true,
            Some(w @ Tok::Word { quoted: false, .. }) => KEYWORDS.iter().any(|k| w.is(k)),
            Some(_) => false,
        }
}

/// The tokens written back with single spaces between them, none inside
/// parentheses, before a comma or a semicolon or around a dot, and none
/// between a function's name and its arguments.
pub(crate) fn render(tokens: &[Tok]) -> String {
    let mut out = String::new();
    for (i, tok) in tokens.iter().enumerate() {
        if i > 0 {
            let prev = &tokens[i - 1];
            let tight = matches!(tok, Tok::Close | Tok::Comma | Tok::Dot | Tok::Cast)
                || matches!(tok, Tok::Other(o) if o == ";")
                || matches!(prev, Tok::Open | Tok::Dot | Tok::Cast)
                || unary(tokens, i - 1)
                || (matches!(tok, Tok::Open)
                    && matches!(prev, Tok::Word { .. })
                    && !KEYWORDS.iter().any(|k| prev.is(k)));
            if !tight {
                out.push(' ');
            }
        }
        out.push_str(&text(tok));
    }
    out
}

/// Words that continue a type name after its first word
/// (`character varying`, `timestamp without time zone`).
const TYPE_WORDS: &[&str] = &["varying", "precision", "without", "with", "time", "zone"];

/// `tokens` without PostgreSQL's casts (`::text`, `::character
/// varying(10)`, `::integer[]`).
pub(crate) fn strip_casts(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] != Tok::Cast {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += 1;
        if matches!(tokens.get(i), Some(Tok::Word { .. })) {
            i += 1;
        }
        while tokens
            .get(i)
            .is_some_and(|t| TYPE_WORDS.iter().any(|w| t.is(w)))
        {
            i += 1;
        }
        if tokens.get(i) == Some(&Tok::Open)
            && let Some(close) = matching(&tokens, i)
        {
            i = close + 1;
        }
        while matches!(tokens.get(i), Some(Tok::Other(o)) if o == "[" || o == "]") {
            i += 1;
        }
    }
    out
}

/// The index of the parenthesis that closes the one at `open`.
pub(crate) fn matching(tokens: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, tok) in tokens.iter().enumerate().skip(open) {
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `tokens` without parentheses around the whole of them, and without
/// those around a single value that is not a function's arguments
/// (`(0)`, `("a")`).
pub(crate) fn strip_parens(mut tokens: Vec<Tok>) -> Vec<Tok> {
    while tokens.first() == Some(&Tok::Open) && matching(&tokens, 0) == Some(tokens.len() - 1) {
        tokens = tokens[1..tokens.len() - 1].to_vec();
    }
    let mut i = 0;
    while i + 2 < tokens.len() {
        let lone = tokens[i] == Tok::Open
            && tokens[i + 2] == Tok::Close
            && matches!(
                tokens[i + 1],
                Tok::Word { .. } | Tok::Number(_) | Tok::Str(_) | Tok::Bits(_)
            )
            && !(i > 0
                && matches!(tokens[i - 1], Tok::Word { .. })
                && !KEYWORDS.iter().any(|k| tokens[i - 1].is(k)));
        if lone {
            tokens.remove(i + 2);
            tokens.remove(i);
        } else {
            i += 1;
        }
    }
    tokens
}

/// `tokens` as [`crate::schema::normalize::expression`] writes them.
pub(crate) fn normal(tokens: Vec<Tok>) -> String {
    render(&strip_parens(strip_casts(tokens)))
}

/// `tokens` split on the commas outside parentheses.
pub(crate) fn split_commas(tokens: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, tok) in tokens.iter().enumerate() {
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            Tok::Comma if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
}
