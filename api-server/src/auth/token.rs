//! The static token file: CSV lines `token,user,uid[,"group1,group2"]`.
//!
//! Counterpart of k8s.io/apiserver `plugin/pkg/authenticator/token/tokenfile`.

use std::collections::HashMap;
use std::path::Path;

use super::{Error, Result, UserInfo};

/// Reads every token of the file at `path`.
// k8s: staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/tokenfile/tokenfile.go (NewCSV)
pub fn read_file(path: &Path) -> Result<HashMap<String, UserInfo>> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadTokens {
        path: display.clone(),
        source,
    })?;
    parse(&text).map_err(|(line, message)| Error::BadToken {
        path: display,
        line,
        message,
    })
}

fn parse(text: &str) -> std::result::Result<HashMap<String, UserInfo>, (usize, String)> {
    let mut tokens = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields = csv_fields(line).map_err(|m| (number, m))?;
        if fields.len() < 3 {
            return Err((number, format!("{} columns, need at least 3", fields.len())));
        }
        let token = fields[0].trim().to_owned();
        if token.is_empty() {
            return Err((number, "empty token".into()));
        }
        let groups = fields
            .get(3)
            .map(|g| {
                g.split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let user = UserInfo {
            name: fields[1].trim().to_owned(),
            uid: fields[2].trim().to_owned(),
            groups,
        };
        tokens.insert(token, user);
    }
    Ok(tokens)
}

/// Splits one CSV line; double quotes group commas and `""` is a quote.
fn csv_fields(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_like_the_csv_upstream_reads() {
        let tokens = parse("abc,admin,1,\"system:masters,dev\"\n\nxyz,bob,2\n").expect("valid");
        assert_eq!(tokens["abc"].name, "admin");
        assert_eq!(tokens["abc"].groups, ["system:masters", "dev"]);
        assert_eq!(tokens["xyz"].uid, "2");
        assert!(tokens["xyz"].groups.is_empty());
        assert_eq!(
            parse("a,b\n"),
            Err((1, "2 columns, need at least 3".into()))
        );
        assert_eq!(parse("a,b,\"c\n"), Err((1, "unterminated quote".into())));
    }
}
