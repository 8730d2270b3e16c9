//! Removing passwords from database URLs before they reach any output.

/// Returns `url` with the password of its user part, and any `password=`
/// parameter, replaced by `***`. It works on the text as typed, before any
/// parsing, so that a URL too malformed to parse is shown redacted too.
///
/// A password may hold any character when it is not percent-encoded (`@`,
/// `/`, `?`, `#`, `:`), so the user part is taken to end at the *last* `@`:
/// everything between the first `:` after `scheme://` and that `@` is
/// hidden. A URL without a password whose query holds an `@` after a
/// `host:port` may be hidden more than needed; never less.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return redact_parameters(url);
    };
    let start = scheme_end + 3;
    let rest = &url[start..];
    let Some(at) = rest.rfind('@') else {
        return redact_parameters(url);
    };
    let (userinfo, host_and_rest) = rest.split_at(at);
    let user = match userinfo.find(':') {
        Some(colon) => format!("{}:***", &userinfo[..colon]),
        None => userinfo.to_string(),
    };
    format!(
        "{}{user}{}",
        &url[..start],
        redact_parameters(host_and_rest)
    )
}

/// `password=...` parameters replaced, in a URL's query (`&`-separated) or
/// in a `key=value` connection string (space-separated).
fn redact_parameters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = find_password_key(rest) {
        let value_start = i + "password=".len();
        out.push_str(&rest[..value_start]);
        out.push_str("***");
        let value_end = rest[value_start..]
            .find(['&', ' ', '#'])
            .map_or(rest.len(), |j| value_start + j);
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    out
}

/// Where the next `password=` key starts: at the start, or after `?`, `&`
/// or a space, in any case.
fn find_password_key(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("password=") {
        let at = from + i;
        if at == 0 || matches!(text.as_bytes()[at - 1], b'?' | b'&' | b' ') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `text` with every occurrence of `url`'s password (as typed, and
/// percent-decoded) replaced by `***`: for a message a driver wrote, which
/// may quote the URL or the password in a form [`redact_url`] never saw.
/// Passwords shorter than 4 characters are left alone, since replacing them
/// would garble ordinary words while hiding little.
pub fn hide_password(text: &str, url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return text.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.rfind('@') else {
        return text.to_string();
    };
    let Some((_, password)) = rest[..at].split_once(':') else {
        return text.to_string();
    };
    let mut out = text.to_string();
    for form in [password.to_string(), percent_decoded(password)] {
        if form.chars().count() >= 4 {
            out = out.replace(&form, "***");
        }
    }
    out
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{hide_password, redact_url};

    #[test]
    fn a_password_quoted_in_a_message_is_hidden() {
        let url = "postgres://app:s3cr%40t@db/x";
        assert_eq!(
            hide_password("auth failed for s3cr@t and s3cr%40t", url),
            "auth failed for *** and ***"
        );
        assert_eq!(hide_password("a b", "postgres://u:a@h/x"), "a b");
        assert_eq!(hide_password("s3cret", "sqlite://s3cret.db"), "s3cret");
    }

    #[test]
    fn removes_password_from_user_part() {
        assert_eq!(
            redact_url("mysql://root:s3cr%40t@db:3306/app"),
            "mysql://root:***@db:3306/app"
        );
    }

    #[test]
    fn keeps_url_without_password() {
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(redact_url("sqlite://dev.db"), "sqlite://dev.db");
        assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn password_with_at_sign_is_hidden_entirely() {
        assert_eq!(
            redact_url("postgres://u:p@ss@host/db"),
            "postgres://u:***@host/db"
        );
    }

    #[test]
    fn passwords_with_url_delimiters_are_hidden_entirely() {
        for (url, shown) in [
            (
                "mysql://u:Xq7/Zk9@127.0.0.1:3306/x",
                "mysql://u:***@127.0.0.1:3306/x",
            ),
            ("mysql://u:a?b@h/x", "mysql://u:***@h/x"),
            ("mysql://u:a#b@h/x", "mysql://u:***@h/x"),
            (
                "postgres://u:a:b@c@h:1/x?sslmode=require",
                "postgres://u:***@h:1/x?sslmode=require",
            ),
            ("postgres://u:p/w@", "postgres://u:***@"),
            ("mysql://u:@h/x", "mysql://u:***@h/x"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn connection_strings_and_bare_parameters() {
        assert_eq!(
            redact_url("host=db user=u password=s3cret dbname=x"),
            "host=db user=u password=*** dbname=x"
        );
        assert_eq!(
            redact_url("postgres://h/x?PASSWORD=pw&user=u"),
            "postgres://h/x?PASSWORD=***&user=u"
        );
        assert_eq!(
            redact_url("postgres://h/x?mypassword=keep"),
            "postgres://h/x?mypassword=keep"
        );
    }

    #[test]
    fn removes_password_query_parameter() {
        assert_eq!(
            redact_url("postgres://host/db?user=u&password=pw&sslmode=require"),
            "postgres://host/db?user=u&password=***&sslmode=require"
        );
    }
}
