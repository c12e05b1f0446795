//! `import { ... } from ns:pkg/iface`: finding the package (the newest
//! compatible version when none is written) and the interface in the
//! [`Resolve`], and binding the names it imports.

use super::*;

impl Checker {
    /// Finds the package a WIT path names, reporting an error if there is none.
    pub(super) fn find_package(&mut self, path: &ast::WitPath) -> Option<PackageId> {
        let ns = &path.namespace.name;
        let name = &path.package.name;
        let candidates: Vec<PackageId> = self
            .resolve
            .packages
            .iter()
            .filter(|(_, p)| &p.name.namespace == ns && &p.name.name == name)
            .map(|(id, _)| id)
            .collect();
        let pkg_span = path.namespace.span.to(path.package.span);
        if candidates.is_empty() {
            let known: Vec<String> =
                self.resolve.packages.iter().map(|(_, p)| format!("{}:{}", p.name.namespace, p.name.name)).collect();
            let wanted = format!("{ns}:{name}");
            let suggestions = similar(&wanted, known.iter().map(|s| s.as_str()));
            let mut d = Diagnostic::error(
                "unknown-package",
                format!("unknown WIT package `{wanted}`"),
                pkg_span,
                "no package with this name is known",
            );
            d = if suggestions.is_empty() {
                let mut all = known.clone();
                all.sort();
                all.dedup();
                d.with_note(format!("known packages: {}", all.join(", ")))
            } else {
                d.with_help(format!("did you mean {}?", one_of(&suggestions)))
            };
            self.diagnostics.push(d.with_note("pass `--wit DIR` to add the WIT packages in DIR"));
            return None;
        }
        match &path.version {
            Some((version, span)) => {
                let found = candidates.iter().copied().find(|id| {
                    self.resolve.packages[*id].name.version.as_ref().map(|v| v.to_string()).as_deref()
                        == Some(version.as_str())
                });
                if found.is_none() {
                    let versions: Vec<String> = candidates
                        .iter()
                        .filter_map(|id| self.resolve.packages[*id].name.version.as_ref().map(|v| v.to_string()))
                        .collect();
                    self.diagnostics.push(
                        Diagnostic::error(
                            "unknown-package-version",
                            format!("version {version} of `{ns}:{name}` is not known"),
                            *span,
                            "unknown version",
                        )
                        .with_note(format!("known versions: {}", versions.join(", "))),
                    );
                }
                found
            }
            None if candidates.len() == 1 => Some(candidates[0]),
            // In a test file the components under test bring their own
            // versions of packages (WASI): take the newest when they are
            // all semver-compatible, as wasmtime links them.
            None if self.testing.is_test_file
                && let Some(newest) = self.newest_compatible(&candidates) =>
            {
                Some(newest)
            }
            None => {
                let versions: Vec<String> = candidates
                    .iter()
                    .filter_map(|id| self.resolve.packages[*id].name.version.as_ref().map(|v| format!("@{v}")))
                    .collect();
                self.diagnostics.push(
                    Diagnostic::error(
                        "ambiguous-package",
                        format!("several versions of `{ns}:{name}` are known"),
                        pkg_span,
                        "which version?",
                    )
                    .with_help(format!("add a version: {}", versions.join(", "))),
                );
                None
            }
        }
    }

    /// The candidate with the highest version, when every candidate has a
    /// version compatible with it (same major, or same minor for `0.x`).
    pub(super) fn newest_compatible(&self, candidates: &[PackageId]) -> Option<PackageId> {
        let version = |id: &PackageId| self.resolve.packages[*id].name.version.clone();
        let newest = candidates.iter().copied().max_by_key(|id| version(id))?;
        let top = version(&newest)?;
        let track = |v: &semver::Version| if v.major == 0 { (0, v.minor) } else { (v.major, 0) };
        candidates.iter().all(|id| version(id).is_some_and(|v| track(&v) == track(&top))).then_some(newest)
    }

    pub(super) fn import_from(&mut self, import: &ast::ImportFrom) {
        let Some(interface) = self.find_interface(&import.path) else {
            self.poison_names(import);
            return;
        };
        if !self.module.interfaces.contains(&interface) {
            self.module.interfaces.push(interface);
        }
        for name in &import.names {
            let local = name.alias.as_ref().unwrap_or(&name.name);
            match self.interface_item(interface, &name.name) {
                Some(binding) => {
                    self.define(local, binding);
                }
                None => {
                    self.define(local, Binding::Type(Ty::Error));
                }
            }
        }
    }

    /// The interface `ns:pkg/iface[@version]` names; reports an unknown one.
    pub(super) fn find_interface(&mut self, path: &ast::WitPath) -> Option<InterfaceId> {
        let package = self.find_package(path)?;
        let Some(&interface) = self.resolve.packages[package].interfaces.get(&path.interface.name) else {
            let names: Vec<&str> = self.resolve.packages[package].interfaces.keys().map(|s| s.as_str()).collect();
            let suggestions = similar(&path.interface.name, names.iter().copied());
            let pkg = &self.resolve.packages[package].name;
            let mut d = Diagnostic::error(
                "unknown-interface",
                format!("package `{pkg}` has no interface `{}`", path.interface.name),
                path.interface.span,
                "no such interface",
            );
            d = if suggestions.is_empty() {
                d.with_note(format!("its interfaces are: {}", names.join(", ")))
            } else {
                d.with_help(format!("did you mean {}?", one_of(&suggestions)))
            };
            self.diagnostics.push(d);
            return None;
        };
        Some(interface)
    }

    /// Defines the names of a failed import as errors, so their uses are not
    /// reported again.
    pub(super) fn poison_names(&mut self, import: &ast::ImportFrom) {
        for name in &import.names {
            let local = name.alias.as_ref().unwrap_or(&name.name);
            self.names.entry(local.name.clone()).or_insert(Binding::Type(Ty::Error));
        }
    }

    pub(super) fn interface_item(&mut self, interface: InterfaceId, name: &ast::Ident) -> Option<Binding> {
        let iface = self.resolve.interfaces[interface].clone();
        let iface_name = iface_display(&self.resolve, interface);
        if iface.functions.contains_key(&name.name) {
            return self.import_function(interface, &name.name, name.span).map(Binding::Import);
        }
        if let Some(&type_id) = iface.types.get(&name.name) {
            return match self.interner.from_wit(&mut self.resolve, &wit_parser::Type::Id(type_id)) {
                Ok(t) => Some(Binding::Type(t)),
                Err(kind) => {
                    self.diagnostics.push(Diagnostic::error(
                        "unsupported-type",
                        format!("`{}` is a {kind} type, which Claw cannot use yet", name.name),
                        name.span,
                        "imported here",
                    ));
                    None
                }
            };
        }
        let mut names: Vec<&str> = iface.functions.keys().map(|s| s.as_str()).collect();
        names.extend(iface.types.keys().map(|s| s.as_str()));
        let suggestions = similar(&name.name, names.iter().copied());
        let mut d = Diagnostic::error(
            "unknown-import",
            format!("interface `{iface_name}` has no function or type `{}`", name.name),
            name.span,
            "not in this interface",
        );
        d = if suggestions.is_empty() {
            d.with_note(format!("it has: {}", names.join(", ")))
        } else {
            d.with_help(format!("did you mean {}?", one_of(&suggestions)))
        };
        self.diagnostics.push(d);
        None
    }
}
