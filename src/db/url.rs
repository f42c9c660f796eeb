//! Database URLs: shown without their password, given a schema, and
//! taken apart where arshif reads a parameter itself (the TLS settings).

/// A database URL without its password (in the user part or a `password`
/// parameter), for messages and logs. Takes URLs (`postgres://…`,
/// `postgresql://…`) and key-value strings (`host=… password=…`).
pub fn url_for_display(url: &str) -> String {
    let scheme_end = ["postgres://", "postgresql://"]
        .iter()
        .find(|p| url.starts_with(*p))
        .map(|p| p.len());
    let Some(scheme_end) = scheme_end else {
        return strip_keyword_password(url);
    };
    let (scheme, rest) = url.split_at(scheme_end);
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}{host}")
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| {
                    let key = kv.split('=').next().unwrap_or("");
                    !key.eq_ignore_ascii_case("password")
                })
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

/// `key=value` connection strings: drop `password=…` (quoted or not).
fn strip_keyword_password(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = find_keyword(rest, "password") {
        out.push_str(&rest[..pos]);
        let after = rest[pos + "password".len()..].trim_start();
        let after = after.strip_prefix('=').unwrap_or(after).trim_start();
        // skip the value
        let end = if let Some(q) = after.strip_prefix('\'') {
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                if c == '\\' {
                    chars.next();
                } else if c == '\'' {
                    end = i + 1;
                    break;
                }
            }
            1 + end
        } else {
            after.find(char::is_whitespace).unwrap_or(after.len())
        };
        rest = after[end.min(after.len())..].trim_start();
    }
    out.push_str(rest);
    out.trim_end().to_string()
}

/// Where `key` starts a `key =` pair in a key-value connection string.
fn find_keyword(s: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find(key) {
        let pos = from + i;
        let before_ok = pos == 0 || s[..pos].ends_with(char::is_whitespace);
        let after = s[pos + key.len()..].trim_start();
        if before_ok && after.starts_with('=') {
            return Some(pos);
        }
        from = pos + key.len();
    }
    None
}

/// `url` with the catalog in schema `schema`: the connection's
/// `search_path` set through the `options` parameter. `schema` should be
/// a plain lower-case identifier (letters, digits, `_`).
pub fn url_with_search_path(url: &str, schema: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}options=-c%20search_path%3D{schema}")
    } else {
        format!("{url} options='-c search_path={schema}'")
    }
}

/// The schema names of a `search_path` setting, unquoted (and folded to
/// lower case when unquoted, as PostgreSQL does).
pub fn search_path_schemas(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            break;
        };
        let mut name = String::new();
        if first == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        name.push('"');
                    } else {
                        break;
                    }
                } else {
                    name.push(c);
                }
            }
            while chars.peek().is_some_and(|c| *c != ',') {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                name.push(c);
                chars.next();
            }
            name = name.trim().to_lowercase();
        }
        out.push(name);
    }
    out
}

/// An SQL identifier, quoted.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Whether `url` is a URL (`postgres://…`, `postgresql://…`) rather than a
/// key-value connection string.
fn is_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` without the parameter `key`, and its value (the last one given;
/// percent-decoded in a URL, unquoted in a key-value string).
pub fn take_param(url: &str, key: &str) -> (String, Option<String>) {
    if is_url(url) {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), None);
        };
        let mut value = None;
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                if k == key {
                    value = Some(
                        percent_encoding::percent_decode_str(v)
                            .decode_utf8_lossy()
                            .into_owned(),
                    );
                    false
                } else {
                    true
                }
            })
            .collect();
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (rest, value);
    }
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    let mut value = None;
    while let Some(pos) = find_keyword(rest, key) {
        out.push_str(&rest[..pos]);
        let after = rest[pos + key.len()..].trim_start();
        let after = after.strip_prefix('=').unwrap_or(after).trim_start();
        let (v, end) = keyword_value(after);
        value = Some(v);
        rest = after[end.min(after.len())..].trim_start();
    }
    out.push_str(rest);
    (out.trim_end().to_string(), value)
}

/// `url` with the parameter `key` set to `value` (a plain word: letters,
/// digits, `-`).
pub fn with_param(url: &str, key: &str, value: &str) -> String {
    if is_url(url) {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}{key}={value}")
    } else {
        format!("{url} {key}={value}")
    }
}

/// The value at the start of `s` in a key-value string (quoted or not),
/// and where it ends.
fn keyword_value(s: &str) -> (String, usize) {
    if let Some(q) = s.strip_prefix('\'') {
        let mut value = String::new();
        let mut chars = q.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        value.push(n);
                    }
                }
                '\'' => return (value, 1 + i + 1),
                c => value.push(c),
            }
        }
        (value, s.len())
    } else {
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        (s[..end].to_string(), end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            url_for_display(
                "postgres://arshif:s3cr%40t@db.local:5432/archive?sslmode=disable&password=x"
            ),
            "postgres://arshif@db.local:5432/archive?sslmode=disable"
        );
        assert_eq!(
            url_for_display("postgresql://db.local/archive"),
            "postgresql://db.local/archive"
        );
        assert_eq!(
            url_for_display("host=db user=arshif password='a b\\'c' dbname=archive"),
            "host=db user=arshif dbname=archive"
        );
        assert_eq!(url_for_display("host=db password=plain"), "host=db");
        assert_eq!(
            search_path_schemas(r#""$user", Public, "Odd""Name",x"#),
            ["$user", "public", "Odd\"Name", "x"]
        );
        assert_eq!(
            url_with_search_path("postgres://h/db", "t_1"),
            "postgres://h/db?options=-c%20search_path%3Dt_1"
        );
    }

    #[test]
    fn search_path_names() {
        assert_eq!(
            search_path_schemas(r#""$user", Public, "Odd""Name",x"#),
            ["$user", "public", "Odd\"Name", "x"]
        );
    }

    #[test]
    fn parameters_are_taken_out_of_urls_and_key_value_strings() {
        assert_eq!(
            take_param(
                "postgres://h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.crt&options=x",
                "sslrootcert"
            ),
            (
                "postgres://h/db?sslmode=verify-full&options=x".to_string(),
                Some("/tmp/ca.crt".to_string())
            )
        );
        assert_eq!(
            take_param("postgres://h/db?sslmode=require", "sslmode"),
            ("postgres://h/db".to_string(), Some("require".to_string()))
        );
        assert_eq!(
            take_param("postgres://h/db", "sslmode"),
            ("postgres://h/db".to_string(), None)
        );
        assert_eq!(
            take_param("host=h sslrootcert='/a b/ca.crt' dbname=x", "sslrootcert"),
            (
                "host=h dbname=x".to_string(),
                Some("/a b/ca.crt".to_string())
            )
        );
        assert_eq!(
            with_param("postgres://h/db", "sslmode", "require"),
            "postgres://h/db?sslmode=require"
        );
        assert_eq!(
            with_param("host=h", "sslmode", "require"),
            "host=h sslmode=require"
        );
    }
}
