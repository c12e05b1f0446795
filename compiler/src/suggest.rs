//! "Did you mean" suggestions by edit distance.

/// The optimal-string-alignment distance between two strings, in chars:
/// insertions, deletions, substitutions and swaps of neighbours cost one
/// each (so `conut` is one edit from `count`).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Up to three candidates close to `name`, nearest first. "Close" is within
/// a third of the name's length (at least one edit), or equal ignoring case.
pub fn similar<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let limit = (name.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let d = if c.eq_ignore_ascii_case(name) { 0 } else { edit_distance(name, c) };
            (d <= limit).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}

/// Formats names as "`a`, `b` or `c`".
pub fn one_of(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// Adds "did you mean ...?" to `d` when `name` is close to one of
/// `names`, and otherwise a note listing them all ("its `what` are: a, b").
pub fn suggest_or_list(
    d: crate::diagnostic::Diagnostic,
    name: &str,
    names: &[&str],
    what: &str,
) -> crate::diagnostic::Diagnostic {
    let suggestions = similar(name, names.iter().copied());
    if suggestions.is_empty() {
        d.with_note(format!("its {what} are: {}", names.join(", ")))
    } else {
        d.with_help(format!("did you mean {}?", one_of(&suggestions)))
    }
}

/// [`suggest_or_list`], or the note `none` when there are no names at all.
pub fn suggest_or_note(
    d: crate::diagnostic::Diagnostic,
    name: &str,
    names: &[&str],
    what: &str,
    none: String,
) -> crate::diagnostic::Diagnostic {
    if names.is_empty() { d.with_note(none) } else { suggest_or_list(d, name, names, what) }
}
