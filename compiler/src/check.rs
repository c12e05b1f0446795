//! Name resolution and type checking: [`ast::File`] to [`ir::Module`].
//!
//! Imports `from ns:pkg/iface` are looked up in a [`wit_parser::Resolve`];
//! the types of imported functions and enums come from there. The checker
//! never stops at the first error: an expression that fails to check gets
//! [`Ty::Error`], which matches everything, so each mistake is reported once
//! and the rest of the file is still checked.

use crate::ast::{self, BinaryOp, ExprKind as A, StmtKind, UnaryOp};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Callee, Const, ExprId, FuncId, GlobalId, ImportId, LocalId, Place};
use crate::span::{LineIndex, Span};
use crate::suggest::{one_of, similar, suggest_or_list};
use crate::types::{Interner, Ty, display_wit};
/// The checker's own tables hash with FxHash (`rustc-hash`): their keys are
/// names, spans and ids from the file being compiled, and SipHash (the
/// standard `HashMap`'s) cost about 6% of a compile.
pub(crate) type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;

mod assign;
mod body;
mod calls;
mod defined;
mod expr;
mod imports;
mod items;
mod literals;
mod matching;
mod ownership;
mod resources;
mod split;
mod stmt;
mod testing;
mod types;
mod values;
mod wave;

pub use testing::{FAILURE_FORMAT, MockAccess, TestContext};
pub use wave::PRELUDE;
use wit_parser::{InterfaceId, PackageId, Resolve, TypeDefKind};

/// What a top-level name refers to.
#[derive(Clone, Copy, Debug)]
enum Binding {
    Func(FuncId),
    Import(ImportId),
    Global(GlobalId),
    Type(Ty),
}

/// The new value of an assignment to a part (`assign_part_with`).
#[derive(Clone, Copy)]
enum PartValue<'a> {
    /// `= value` or `op= value`, as written.
    Source(Option<(BinaryOp, Span)>, &'a ast::Expr),
    /// A value already checked (what `push`/`pop` on a part write back).
    Checked(ExprId),
}

impl PartValue<'_> {
    /// Checks a value that will not be used, for its own errors.
    fn check_for_errors(self, checker: &mut BodyChecker<'_>) {
        if let PartValue::Source(_, value) = self {
            checker.infer(value);
        }
    }
}

/// A function's signature as the checker sees it.
struct Signature {
    params: Vec<(String, Ty)>,
    result: Option<Ty>,
    span: Span,
}

/// Checks a parsed file against `resolve`. Returns the IR (usable for codegen
/// only when there are no errors) and every error found.
pub fn check(file: &ast::File, resolve: &Resolve) -> (ir::Module, Vec<Diagnostic>) {
    check_source(file, "", resolve)
}

/// [`check`], with the source text `file` was parsed from (which `check!`
/// quotes in its messages).
pub fn check_source(file: &ast::File, source: &str, resolve: &Resolve) -> (ir::Module, Vec<Diagnostic>) {
    check_source_with(file, source, resolve, TestContext::default())
}

/// [`check_source`] for a test file turned into a module by
/// [`crate::testing`]: `testing` names the test bodies and mock records.
pub fn check_source_with(
    file: &ast::File,
    source: &str,
    resolve: &Resolve,
    testing: TestContext,
) -> (ir::Module, Vec<Diagnostic>) {
    let checker = split::check_file(file, source, resolve, testing);
    let mut diagnostics = checker.diagnostics;
    // Inside an export of an unknown interface, what the interface would
    // have declared (its types, resources and functions) is unknown too:
    // those errors follow from the one about the interface.
    diagnostics.retain(|d| {
        let span = d.primary_span();
        !(FOLLOW_ON_CODES.contains(&d.code)
            && checker.poisoned.iter().any(|p| p.start <= span.start && span.end <= p.end))
    });
    diagnostics.sort_by_key(|d| d.primary_span());
    let mut module = checker.module;
    module.resolve = checker.resolve;
    (module, diagnostics)
}

impl Checker {
    /// A checker with empty tables, for a file checked against `resolve`.
    fn new(testing: TestContext, resolve: &Resolve) -> Self {
        Checker {
            testing,
            lines: std::cell::OnceCell::new(),
            resolve: resolve.clone(),
            interner: Interner::default(),
            module: ir::Module::default(),
            names: HashMap::default(),
            name_spans: HashMap::default(),
            signatures: Vec::new(),
            import_signatures: Vec::new(),
            diagnostics: Vec::new(),
            pending_types: HashMap::default(),
            defining: Vec::new(),
            type_scope: None,
            wave_functions: HashMap::default(),
            imported: HashMap::default(),
            intrinsics: HashMap::default(),
            drop_functions: HashMap::default(),
            defined: HashMap::default(),
            members: HashMap::default(),
            resource_types: HashMap::default(),
            retired: Vec::new(),
            poisoned: Vec::new(),
            spare: Spare::default(),
        }
    }
}

/// The diagnostics that, inside an export of an unknown interface, are
/// follow-on errors of it (see `Checker::poisoned`).
const FOLLOW_ON_CODES: &[&str] = &["unknown-type", "unsupported-type", "not-callable", "unknown-case", "unbound-name"];

struct Checker {
    /// The spans of `export ns:pkg/iface { ... }` items whose interface is
    /// unknown: errors about the names it would have declared are dropped.
    poisoned: Vec<Span>,
    /// The test bodies and mock records of a test file (empty otherwise).
    testing: TestContext,
    /// Where the source's lines start (see `BodyChecker::source`), built
    /// on the first `check!` or `assert` that reports a location.
    lines: std::cell::OnceCell<LineIndex>,
    resolve: Resolve,
    interner: Interner,
    module: ir::Module,
    names: HashMap<String, Binding>,
    name_spans: HashMap<String, Span>,
    signatures: Vec<Signature>,
    import_signatures: Vec<Signature>,
    diagnostics: Vec<Diagnostic>,
    /// Type definitions declared but not defined yet (see `define_types`).
    pending_types: HashMap<String, ast::TypeDef>,
    /// The types being defined, outermost first (to report cycles).
    defining: Vec<String>,
    /// Inside `export ns:pkg/iface { ... }`: that interface, whose types
    /// are in scope there.
    type_scope: Option<InterfaceId>,
    /// The synthesized `wave(v: T) -> string` function of each type (see
    /// `check/wave.rs`).
    wave_functions: HashMap<Ty, FuncId>,
    /// Interface functions imported so far, by interface and WIT name.
    imported: HashMap<(InterfaceId, String), ImportId>,
    /// Resource intrinsics imported so far (`R_drop`, ...), by the core
    /// module's interface part and the core name.
    intrinsics: HashMap<(String, String), ImportId>,
    /// The synthesized drop glue of each compound linear type.
    drop_functions: HashMap<Ty, FuncId>,
    /// Resources the file defines, by their WIT definition.
    defined: HashMap<wit_parser::TypeId, defined::Defined>,
    /// The WIT definition of each resource the file defines, by the span of
    /// its name (see `declare_resources`).
    resource_types: HashMap<Span, wit_parser::TypeId>,
    /// Each linear type with the hidden global list retiring replaced
    /// values of it.
    retired: Vec<(Ty, GlobalId)>,
    /// The resource (`None` when it is not in the interface) and kind of
    /// each function of a resource the file defines.
    members: HashMap<FuncId, (Option<ir::ResourceId>, ast::MemberKind)>,
    /// Buffers a finished body hands back for the next one to reuse (see
    /// `BodyChecker::finish`): the name table (every name unbound) and the
    /// arenas, which are copied out at their exact length.
    spare: Spare,
}

/// See `Checker::spare`.
#[derive(Default)]
struct Spare {
    bindings: HashMap<String, Option<LocalId>>,
    bound: Vec<(Option<LocalId>, Option<LocalId>)>,
    scope_marks: Vec<usize>,
    owned_scopes: Vec<Vec<LocalId>>,
    exprs: Vec<ir::Expr>,
    expr_spans: Vec<Span>,
    locals: Vec<ir::Local>,
}

/// The most flags one `flags` type may have (the Component Model's limit,
/// which validation enforces).
const MAX_FLAGS: usize = 32;

/// The list methods typed by [`BodyChecker::list_method`].
const LIST_ELEMENT_METHODS: [&str; 4] = ["get", "contains", "push", "pop"];

/// The span of the first part of `expr` that is not a constant expression.
fn non_constant(expr: &ast::Expr) -> Option<Span> {
    fn all<'e>(mut items: impl Iterator<Item = &'e ast::Expr>) -> Option<Span> {
        items.find_map(non_constant)
    }
    match &expr.kind {
        A::Int(_) | A::Float(_) | A::Str(_) | A::Char(_) | A::Bool(_) | A::Path(..) => None,
        A::Name(n) if matches!(n.name.as_str(), "none" | "ok" | "err") => None,
        A::Paren(inner) => non_constant(inner),
        A::Unary { op: UnaryOp::Neg, operand } => non_constant(operand),
        A::List(items) | A::Tuple(items) => all(items.iter()),
        A::Braced(items) => all(items.iter().filter_map(|(_, v)| v.as_ref())),
        A::Call { callee, args } => match &callee.kind {
            A::Name(n) if matches!(n.name.as_str(), "some" | "ok" | "err") => all(args.iter()),
            A::Path(..) => all(args.iter()),
            _ => Some(expr.span),
        },
        _ => Some(expr.span),
    }
}

fn iface_display(resolve: &Resolve, id: InterfaceId) -> String {
    resolve.id_of(id).unwrap_or_else(|| "interface".to_string())
}

/// Checks one function body.
struct BodyChecker<'c> {
    checker: &'c mut Checker,
    /// The source text, for `check!` messages (may be empty).
    source: &'c str,
    func: FuncId,
    function: ir::Function,
    /// The local each name in scope stands for (`None`: bound in no open
    /// scope). Keys stay when their scope closes, and the table is handed
    /// from body to body (`Checker::spare`), so a name costs an
    /// allocation once per file rather than once per declaration.
    bindings: HashMap<String, Option<LocalId>>,
    /// Each binding made in an open scope, newest last, with the local it
    /// shadowed: `(local, shadowed)`, `local` being `None` for a hidden
    /// local's binding of `""`. Closing a scope undoes its bindings.
    bound: Vec<(Option<LocalId>, Option<LocalId>)>,
    /// `bound.len()` where each open scope starts, outermost first.
    scope_marks: Vec<usize>,
    loop_depth: u32,
    /// The body had a syntax error: names it declared may be lost, so
    /// unbound names and missing returns are not reported (they would be
    /// follow-on errors).
    recovered: bool,
    /// The owning locals of each open scope, the function's parameters first
    /// (see `check/ownership.rs`).
    owned_scopes: Vec<Vec<LocalId>>,
    /// `owned_scopes.len()` where each enclosing loop's body starts.
    loop_marks: Vec<usize>,
    /// Owning locals that have moved (or may have), with where.
    moved: HashMap<LocalId, Span>,
    /// The loop depth at which each owning local was declared.
    local_loop: HashMap<LocalId, u32>,
    /// Checking the value of a `return` (a move there leaves the loop).
    in_return: bool,
    /// Locals bound by a `match` on a global (or on another such local)
    /// that holds handles: they do not own them, so they are lent and never
    /// moved or dropped (see `check/ownership.rs`).
    lent: rustc_hash::FxHashSet<LocalId>,
    /// Reading a place to lend it (`xs[0].name()`, `f(p.token)` with a
    /// `borrow` parameter): its parts are read without moving them.
    lending_place: bool,
    /// Locals whose handles an enclosing `for` lends, with the loop's span:
    /// they cannot be assigned or popped from until it ends.
    lent_roots: Vec<(LocalId, Span)>,
    /// The variables of `for` ranges whose bounds are both literals (so
    /// `s32`), with the range's span: a mismatch on one suggests a typed bound.
    literal_ranges: HashMap<LocalId, Span>,
}

/// Does a block contain a statement the parser could not read?
fn has_error_stmt(stmts: &[ast::Stmt]) -> bool {
    crate::stack::grow(|| {
        stmts.iter().any(|s| match &s.kind {
            StmtKind::Error => true,
            StmtKind::If(i) => if_has_error(i),
            StmtKind::While { body, .. }
            | StmtKind::Loop(body)
            | StmtKind::For { body, .. }
            | StmtKind::ForEach { body, .. } => has_error_stmt(&body.stmts),
            StmtKind::Match(m) => m.arms.iter().any(|a| has_error_stmt(&a.body.stmts)),
            StmtKind::Block(b) => has_error_stmt(&b.stmts),
            _ => false,
        })
    })
}

fn if_has_error(i: &ast::IfStmt) -> bool {
    crate::stack::grow(|| {
        has_error_stmt(&i.then.stmts)
            || match &i.otherwise {
                Some(ast::Else::Block(b)) => has_error_stmt(&b.stmts),
                Some(ast::Else::If(inner, _)) => if_has_error(inner),
                None => false,
            }
    })
}

/// A numeric constant folded from literals, `-` and parentheses.
enum Folded {
    /// An integer and whether it is too large for any type.
    Int(i128, bool),
    /// A float.
    Float(f64),
}

/// Folds `expr` if it is a numeric literal, possibly negated (any number of
/// times) and parenthesised.
fn fold_number(expr: &ast::Expr) -> Option<Folded> {
    crate::stack::grow(|| match &expr.kind {
        A::Int(v) => Some(Folded::Int(literal_value(*v), *v > LITERAL_LIMIT)),
        A::Float(f) => Some(Folded::Float(*f)),
        A::Paren(inner) => fold_number(inner),
        A::Unary { op: UnaryOp::Neg, operand } => match fold_number(operand)? {
            Folded::Int(v, saturated) => Some(Folded::Int(-v, saturated)),
            Folded::Float(f) => Some(Folded::Float(-f)),
        },
        _ => None,
    })
}

/// The type a numeric literal has when nothing gives it one: `s32`, or the
/// first of `s64` and `u64` that holds it; `f64` for floats.
fn default_literal_type(folded: &Folded) -> Ty {
    match folded {
        Folded::Float(_) => Ty::F64,
        Folded::Int(v, _) if i32::try_from(*v).is_ok() => Ty::S32,
        Folded::Int(v, _) if i64::try_from(*v).is_ok() => Ty::S64,
        Folded::Int(..) => Ty::U64,
    }
}

/// Literals above this fit no Claw type even when negated (2^64 > `u64::MAX`
/// and `-2^64 < s64::MIN`); they are reported as out of range.
const LITERAL_LIMIT: u128 = 1 << 64;

/// A literal's value as an `i128`, clamped so that negating it cannot overflow.
fn literal_value(v: u128) -> i128 {
    v.min(LITERAL_LIMIT) as i128
}

fn strip_parens(expr: &ast::Expr) -> &ast::Expr {
    match &expr.kind {
        A::Paren(inner) => strip_parens(inner),
        _ => expr,
    }
}

fn is_comparison(op: BinaryOp) -> bool {
    matches!(op, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge)
}

/// Can control reach the end of these statements (fall through)?
pub fn completes(stmts: &[ir::Stmt]) -> bool {
    !stmts.iter().any(diverges)
}

/// Does this statement never fall through to the next one?
fn diverges(stmt: &ir::Stmt) -> bool {
    crate::stack::grow(|| match stmt {
        ir::Stmt::Return(_) | ir::Stmt::Break | ir::Stmt::Continue => true,
        ir::Stmt::If { then, otherwise, .. } => !completes(then) && !completes(otherwise) && !otherwise.is_empty(),
        ir::Stmt::Loop(body) => !breaks(body),
        ir::Stmt::Block(body) => !completes(body),
        _ => false,
    })
}

/// Does a `break` in these statements leave the loop they belong to?
fn breaks(stmts: &[ir::Stmt]) -> bool {
    crate::stack::grow(|| {
        stmts.iter().any(|s| match s {
            ir::Stmt::Break => true,
            ir::Stmt::If { then, otherwise, .. } => breaks(then) || breaks(otherwise),
            ir::Stmt::Block(body) => breaks(body),
            _ => false,
        })
    })
}
