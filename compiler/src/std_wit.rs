//! The WIT packages the compiler knows without flags (`std-wit/` in the
//! repository): WASI 0.2 (with `wasi:http`), `wasi:logging` and the test
//! runner's `claw:test` (which only `clawc test` provides), embedded in the
//! binary.

use wit_parser::Resolve;

/// `(file name, WIT text)` of each bundled package, dependencies first.
///
/// The file names are also the paths [`resolve`] registers in the
/// `Resolve`'s source map, so a [`crate::analysis::Definition::Wit`] into a
/// bundled package names one of them: an editor serves that entry's text.
pub const PACKAGES: &[(&str, &str)] = &[
    ("wasi-0.2/io.wit", include_str!("../../std-wit/wasi-0.2/io.wit")),
    ("wasi-0.2/clocks.wit", include_str!("../../std-wit/wasi-0.2/clocks.wit")),
    ("wasi-0.2/random.wit", include_str!("../../std-wit/wasi-0.2/random.wit")),
    ("wasi-0.2/filesystem.wit", include_str!("../../std-wit/wasi-0.2/filesystem.wit")),
    ("wasi-0.2/sockets.wit", include_str!("../../std-wit/wasi-0.2/sockets.wit")),
    ("wasi-0.2/cli.wit", include_str!("../../std-wit/wasi-0.2/cli.wit")),
    ("wasi-0.2/http.wit", include_str!("../../std-wit/wasi-0.2/http.wit")),
    ("wasi-logging/logging.wit", include_str!("../../std-wit/wasi-logging/logging.wit")),
    ("claw-test/http.wit", include_str!("../../std-wit/claw-test/http.wit")),
];

/// A [`Resolve`] holding every bundled package.
///
/// # Errors
/// Only if a bundled file fails to parse, which the test suite rules out.
pub fn resolve() -> anyhow::Result<Resolve> {
    let mut resolve = Resolve::default();
    for (path, text) in PACKAGES {
        resolve.push_source(path, text)?;
    }
    Ok(resolve)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundled_packages_parse() {
        let resolve = super::resolve().expect("bundled WIT parses");
        let names: Vec<String> = resolve.packages.iter().map(|(_, p)| p.name.to_string()).collect();
        assert!(names.contains(&"wasi:clocks@0.2.12".to_string()), "{names:?}");
        assert!(names.contains(&"wasi:http@0.2.12".to_string()), "{names:?}");
        assert!(names.contains(&"wasi:logging@0.1.0-draft".to_string()), "{names:?}");
        assert!(names.contains(&"claw:test@0.1.0".to_string()), "{names:?}");
    }
}
