//! The WIT packages the compiler knows without flags (`std-wit/` in the
//! repository): WASI 0.2 (with `wasi:http`), `wasi:logging` and the test
//! runner's `claw:test` (which only `clawc test` provides), embedded in the
//! binary.

use wit_parser::Resolve;

/// What [`resolve`] fails with (a bundled file that does not parse).
pub type Error = anyhow::Error;

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

/// A [`Resolve`] holding the bundled packages `source` can name, with the
/// packages they depend on, and whether that left any package out.
///
/// Parsing all of WASI takes longer than compiling a small file, and a file
/// that names no WASI package needs none of it. A package counts as named
/// when `source` contains both its namespace and its name (`wasi` and
/// `clocks`) anywhere, comments included: a path written with comments or
/// line breaks between its parts is still found, and at worst a package is
/// loaded that is not used. Its dependencies are the packages its `use`,
/// `import` and `include` lines name. Compiling against this `Resolve`
/// gives the same component as against [`resolve`]'s (the encoder names
/// packages, never their order or ids); only diagnostics that list the
/// known packages could differ, so a caller that gets errors should compile
/// again against [`resolve`] when `partial` is true (`clawc` does).
///
/// # Errors
/// As [`resolve`].
pub fn resolve_for(source: &str) -> anyhow::Result<(Resolve, bool)> {
    let names: Vec<(&str, &str)> = PACKAGES.iter().map(|(_, text)| package_name(text)).collect();
    // Each namespace is looked for once (a large file usually names none).
    let mut namespaces: Vec<(&str, bool)> = Vec::new();
    let mut needed: Vec<bool> = Vec::with_capacity(names.len());
    for (ns, name) in &names {
        let present = match namespaces.iter().find(|(n, _)| n == ns) {
            Some((_, present)) => *present,
            None => {
                let present = source.contains(ns);
                namespaces.push((ns, present));
                present
            }
        };
        needed.push(present && source.contains(name));
    }
    // Dependencies, to a fixpoint (there are few packages).
    let mut changed = true;
    while changed {
        changed = false;
        for (i, (_, text)) in PACKAGES.iter().enumerate() {
            if !needed[i] {
                continue;
            }
            for dep in dependencies(text) {
                if let Some(j) = names.iter().position(|n| *n == dep)
                    && !needed[j]
                {
                    needed[j] = true;
                    changed = true;
                }
            }
        }
    }
    let mut resolve = Resolve::default();
    for ((path, text), needed) in PACKAGES.iter().zip(&needed) {
        if *needed {
            resolve.push_source(path, text)?;
        }
    }
    Ok((resolve, needed.contains(&false)))
}

/// `(namespace, name)` of the package a bundled file declares
/// (`package wasi:io@0.2.12;` gives `("wasi", "io")`).
fn package_name(text: &str) -> (&str, &str) {
    let declared = text.lines().find_map(|l| l.trim().strip_prefix("package ")).unwrap_or_default();
    let full = declared.split(['@', ';']).next().unwrap_or_default().trim();
    full.split_once(':').unwrap_or((full, ""))
}

/// The `(namespace, name)` of every package a `use`, `import` or `include`
/// line of `text` names (`use wasi:io/streams@0.2.12.{...}` names
/// `("wasi", "io")`); doc comments and prose are not looked at.
fn dependencies(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        let rest = ["use ", "import ", "include "].iter().find_map(|k| line.strip_prefix(k))?;
        let (package, _) = rest.trim().split_once('/')?;
        package.split_once(':')
    })
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

    fn names(resolve: &super::Resolve) -> Vec<String> {
        resolve.packages.iter().map(|(_, p)| format!("{}:{}", p.name.namespace, p.name.name)).collect()
    }

    #[test]
    fn a_file_naming_no_package_loads_none() {
        let (resolve, partial) =
            super::resolve_for("export func f(a: u32) -> u32 { return a; }").expect("bundled WIT parses");
        assert!(names(&resolve).is_empty());
        assert!(partial);
    }

    #[test]
    fn named_packages_come_with_their_dependencies() {
        let (resolve, partial) = super::resolve_for(
            "import { now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 { return now(); }",
        )
        .expect("bundled WIT parses");
        // clocks uses wasi:io (poll); io's docs mention wasi:filesystem, which is not a dependency.
        assert_eq!(names(&resolve), ["wasi:io", "wasi:clocks"]);
        assert!(partial);
        let (resolve, _) =
            super::resolve_for("import { handle } from wasi:http/incoming-handler;").expect("bundled WIT parses");
        for package in ["wasi:io", "wasi:clocks", "wasi:random", "wasi:cli", "wasi:http"] {
            assert!(names(&resolve).contains(&package.to_string()), "{package} in {:?}", names(&resolve));
        }
        assert!(!names(&resolve).contains(&"wasi:logging".to_string()));
    }

    #[test]
    fn every_package_named_loads_them_all() {
        let everything = "wasi io clocks random filesystem sockets cli http logging claw test";
        let (resolve, partial) = super::resolve_for(everything).expect("bundled WIT parses");
        assert_eq!(names(&resolve), names(&super::resolve().expect("bundled WIT parses")));
        assert!(!partial);
    }
}
