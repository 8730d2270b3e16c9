//! Removing passwords from database URLs before they reach any output.

/// Returns `url` with the password of its user part, and any `password=`
/// query parameter, replaced by `***`. Anything that is not a URL is
/// returned unchanged.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest_start = scheme_end + 3;
    let authority_end = url[rest_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| rest_start + i);
    let authority = &url[rest_start..authority_end];
    let mut out = url[..rest_start].to_string();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    out.push_str(&redact_query(&url[authority_end..]));
    out
}

fn redact_query(tail: &str) -> String {
    let Some(q) = tail.find('?') else {
        return tail.to_string();
    };
    let (path, query) = tail.split_at(q + 1);
    let params: Vec<String> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => param.to_string(),
        })
        .collect();
    format!("{path}{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::redact_url;

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
    fn removes_password_query_parameter() {
        assert_eq!(
            redact_url("postgres://host/db?user=u&password=pw&sslmode=require"),
            "postgres://host/db?user=u&password=***&sslmode=require"
        );
    }
}
