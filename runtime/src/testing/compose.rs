//! Wiring a test script, its mocks and the components under test into one
//! component with `wac-graph`.
//!
//! Every piece is instantiated once inside the composition. An import of a
//! piece is satisfied by the first other piece (components under test, then
//! mocks) that exports the same name: the script's imports by the
//! components under test (and by the mocks' call records), the components'
//! imports by the mocks. WASI imports (`wasi:*`) and the runner's own
//! `claw:test/*` interfaces stay imports of the composition, for the host.
//! The composition exports what the script exports (its tests) and, when a
//! component under test exports `wasi:http/incoming-handler`, that instance
//! too, under its own name, so that the host can call the handler (see
//! `testing::http`).

use wac_graph::types::{ItemKind, Package};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId};

/// One component of a composition.
#[derive(Clone, Debug)]
pub struct Piece {
    /// What to call it in messages (a path, or `mock of ns:pkg/iface`).
    pub label: String,
    /// The component's bytes.
    pub bytes: Vec<u8>,
}

/// Why a composition could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComposeError {
    /// Imports that nothing provides and the host does not either: `(piece
    /// label, import name)`.
    Unsatisfied(Vec<(String, String)>),
    /// Anything else (not a component, types that do not match, ...).
    Other(String),
}

impl std::fmt::Display for ComposeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComposeError::Unsatisfied(list) => {
                writeln!(f, "imports that nothing provides:")?;
                for (label, name) in list {
                    writeln!(f, "  `{name}`, imported by {label}")?;
                }
                write!(
                    f,
                    "provide them with `mock ns:pkg/iface {{ ... }}` in the test file, or with another `--component`"
                )
            }
            ComposeError::Other(message) => f.write_str(message),
        }
    }
}

/// Whether the host provides an import of this name: WASI 0.2 (with
/// `wasi:http`), `wasi:logging` and the test runner's `claw:test/http`.
/// (A `wasi:*` interface the host lacks is reported when the composition
/// is linked, see [`crate::RunError::Link`].)
pub fn host_provides(name: &str) -> bool {
    name.starts_with("wasi:") || name.starts_with("claw:test/")
}

/// The name of the `wasi:http/incoming-handler` instance a component
/// exports, before `@` and its version.
pub(crate) const INCOMING_HANDLER: &str = "wasi:http/incoming-handler";

/// Whether an export name is `wasi:http/incoming-handler` at some version.
pub(crate) fn is_incoming_handler(name: &str) -> bool {
    name.strip_prefix(INCOMING_HANDLER).is_some_and(|rest| rest.is_empty() || rest.starts_with('@'))
}

/// Composes `script` with `components` (under test) and `mocks`.
///
/// # Errors
/// [`ComposeError::Unsatisfied`] listing every import that no piece and not
/// the host provides; [`ComposeError::Other`] when a piece is not a valid
/// component or an export's type does not match the import it satisfies.
pub fn compose(script: &Piece, components: &[Piece], mocks: &[Piece]) -> Result<Vec<u8>, ComposeError> {
    let mut graph = CompositionGraph::new();
    let register = |graph: &mut CompositionGraph, name: String, piece: &Piece| -> Result<NodeId, ComposeError> {
        let package = Package::from_bytes(&name, None, piece.bytes.clone(), graph.types_mut())
            .map_err(|e| ComposeError::Other(format!("{}: {e:#}", piece.label)))?;
        let id = graph.register_package(package).map_err(|e| ComposeError::Other(format!("{}: {e}", piece.label)))?;
        Ok(graph.instantiate(id))
    };
    // Providers in order of preference: components under test, then mocks.
    let mut providers: Vec<(NodeId, &Piece)> = Vec::new();
    for (i, piece) in components.iter().enumerate() {
        providers.push((register(&mut graph, format!("claw-test:component{i}"), piece)?, piece));
    }
    for (i, piece) in mocks.iter().enumerate() {
        providers.push((register(&mut graph, format!("claw-test:mock{i}"), piece)?, piece));
    }
    let script_node = register(&mut graph, "claw-test:script".to_string(), script)?;

    let mut unsatisfied = Vec::new();
    let consumers: Vec<(NodeId, &Piece)> =
        providers.iter().copied().chain(std::iter::once((script_node, script))).collect();
    for (node, piece) in consumers {
        for name in imports_of(&graph, node) {
            let provider =
                providers.iter().find(|(p, _)| *p != node && exports_of(&graph, *p).contains(&name)).map(|(p, _)| *p);
            match provider {
                Some(p) => {
                    let alias =
                        graph.alias_instance_export(p, &name).map_err(|e| ComposeError::Other(e.to_string()))?;
                    graph.set_instantiation_argument(node, &name, alias).map_err(|e| {
                        ComposeError::Other(format!(
                            "{}: its import `{name}` does not match what provides it: {e:#}",
                            piece.label
                        ))
                    })?;
                }
                None if host_provides(&name) => {}
                None => unsatisfied.push((piece.label.clone(), name)),
            }
        }
    }
    if !unsatisfied.is_empty() {
        return Err(ComposeError::Unsatisfied(unsatisfied));
    }
    let script_exports = exports_of(&graph, script_node);
    for name in &script_exports {
        let alias = graph.alias_instance_export(script_node, name).map_err(|e| ComposeError::Other(e.to_string()))?;
        graph.export(alias, name).map_err(|e| ComposeError::Other(e.to_string()))?;
    }
    // The first HTTP handler among the components under test, for the host's
    // `claw:test/http` (unless the script exports a handler itself).
    let handler = providers[..components.len()].iter().find_map(|(node, _)| {
        exports_of(&graph, *node).into_iter().find(|name| is_incoming_handler(name)).map(|name| (*node, name))
    });
    if let Some((node, name)) = handler
        && !script_exports.iter().any(|n| is_incoming_handler(n))
    {
        let alias = graph.alias_instance_export(node, &name).map_err(|e| ComposeError::Other(e.to_string()))?;
        graph.export(alias, &name).map_err(|e| ComposeError::Other(e.to_string()))?;
    }
    graph
        .encode(EncodeOptions::default())
        .map_err(|e| ComposeError::Other(format!("cannot encode the composition: {e:#}")))
}

/// The import names of an instantiation's package, except types: a named
/// type a piece's world defines is imported with an `eq` bound, which
/// needs no provider (wac-graph imports it into the composition as is).
fn imports_of(graph: &CompositionGraph, node: NodeId) -> Vec<String> {
    let Some(package) = graph[node].package() else { return Vec::new() };
    graph.types()[graph[package].ty()]
        .imports
        .iter()
        .filter(|(_, kind)| !matches!(kind, ItemKind::Type(_)))
        .map(|(name, _)| name.clone())
        .collect()
}

/// The export names of an instantiation's package.
fn exports_of(graph: &CompositionGraph, node: NodeId) -> Vec<String> {
    let Some(package) = graph[node].package() else { return Vec::new() };
    graph.types()[graph[package].ty()].exports.keys().cloned().collect()
}
