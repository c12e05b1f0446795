//! The syntax tree: the shape of the source, with `u32` byte spans.
//!
//! The AST stores no types and resolves no names; the checker
//! ([`crate::check`]) lowers it into the typed IR ([`crate::ir`]). Parse
//! errors leave `Error` nodes behind so the rest of the tree stays usable
//! (by the checker and, later, the language server).

use crate::span::Span;

/// An identifier with its span. `name` has no escaping `%`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The identifier as written, minus a leading `%`.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// A whole source file.
#[derive(Clone, Debug, Default)]
pub struct File {
    /// Top-level items in source order.
    pub items: Vec<Item>,
    /// Names that items the parser could not read seem to declare
    /// (`let NAME`, `func NAME`, `import NAME`). The checker treats them as
    /// defined, with an error type, so their uses are not reported again.
    pub recovered_names: Vec<String>,
}

/// A top-level item.
#[derive(Clone, Debug)]
pub enum Item {
    /// `import name [as alias]: func(...) [-> T];`
    Import(Box<PlainImport>),
    /// `import { a, b as c } from ns:pkg/iface[@version];`
    ImportFrom(Box<ImportFrom>),
    /// `let [mut] name: T = literal;`
    Global(Box<Global>),
    /// `[export] func name(...) [-> T] { ... }`
    Func(Box<FuncDef>),
    /// `record`, `variant`, `enum`, `flags` or `type`.
    TypeDef(Box<TypeDef>),
    /// `export ns:pkg/iface { func ... }`: implements a WIT interface.
    ExportInterface(Box<ExportInterface>),
    /// `export name: interface { func ... }`: an interface defined here.
    ExportInline(Box<ExportInline>),
    /// `resource name { ... }` outside an exported interface (reported:
    /// a resource is exported through an interface).
    Resource(Box<ResourceDef>),
    /// `test "name" [(params)] [traps] { ... }`: compiled only by `clawc test`.
    Test(Box<TestDef>),
    /// `mock ns:pkg/iface { ... }`: compiled only by `clawc test`.
    Mock(Box<MockDef>),
    /// `test component "path.wasm";`: a component a test file tests.
    Component(Box<ComponentRef>),
    /// An item the parser could not read; already reported.
    Error(Span),
}

impl Item {
    /// The span of the whole item.
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::ImportFrom(i) => i.span,
            Item::Global(g) => g.span,
            Item::Func(f) => f.span,
            Item::TypeDef(t) => t.span,
            Item::ExportInterface(e) => e.span,
            Item::ExportInline(e) => e.span,
            Item::Resource(r) => r.span,
            Item::Test(t) => t.span,
            Item::Mock(m) => m.span,
            Item::Component(c) => c.span,
            Item::Error(span) => *span,
        }
    }

    /// Sets the doc comment of items that carry one.
    pub fn set_docs(&mut self, docs: String) {
        match self {
            Item::Import(i) => i.docs = docs,
            Item::Global(g) => g.docs = docs,
            Item::Func(f) => f.docs = docs,
            Item::TypeDef(t) => t.docs = docs,
            Item::Resource(r) => r.docs = docs,
            Item::ImportFrom(_)
            | Item::ExportInterface(_)
            | Item::ExportInline(_)
            | Item::Test(_)
            | Item::Mock(_)
            | Item::Component(_)
            | Item::Error(_) => {}
        }
    }
}

/// `test "name" [(a: T, ...)] [traps] { ... }`: a test; with parameters, a
/// property test run on generated values.
#[derive(Clone, Debug)]
pub struct TestDef {
    /// The test's name, as written between the quotes.
    pub name: String,
    /// The name's span (quotes included).
    pub name_span: Span,
    /// The parameters of a property test (empty for a plain test).
    pub params: Vec<Param>,
    /// The word after the parameters, which must be `traps`: the test
    /// passes only if it traps.
    pub traps: Option<Ident>,
    /// The body.
    pub body: Block,
    /// The whole item.
    pub span: Span,
}

/// `mock ns:pkg/iface { let ...; func ... }`: Claw implementations of an
/// interface that the component under test imports.
#[derive(Clone, Debug)]
pub struct MockDef {
    /// The interface mocked.
    pub path: WitPath,
    /// The mock's own globals (its state).
    pub globals: Vec<Global>,
    /// The interface's functions.
    pub funcs: Vec<FuncDef>,
    /// The whole item.
    pub span: Span,
}

/// `test component "path.wasm";` in a test file: a component under test, its
/// path relative to the test file. The leading word must be `component`.
#[derive(Clone, Debug)]
pub struct ComponentRef {
    /// The word before the path (checked to be `component`).
    pub keyword: Ident,
    /// The path, as written.
    pub path: String,
    /// The path's span.
    pub path_span: Span,
    /// The whole item.
    pub span: Span,
}

/// A function imported by name, at the world's top level.
#[derive(Clone, Debug)]
pub struct PlainImport {
    /// `///` documentation, lines joined with `\n`.
    pub docs: String,
    /// The import's name in the component's world.
    pub name: Ident,
    /// The name used in this file, when renamed with `as`.
    pub alias: Option<Ident>,
    /// The function's signature.
    pub sig: FuncSig,
    /// The whole item.
    pub span: Span,
}

/// `import { ... } from path;`
#[derive(Clone, Debug)]
pub struct ImportFrom {
    /// The names brought in.
    pub names: Vec<ImportName>,
    /// The WIT interface they come from.
    pub path: WitPath,
    /// The whole item.
    pub span: Span,
}

/// `export ns:pkg/iface { func ... resource ... }`
#[derive(Clone, Debug)]
pub struct ExportInterface {
    /// The interface implemented.
    pub path: WitPath,
    /// Its functions (all exported).
    pub funcs: Vec<FuncDef>,
    /// The resources it defines.
    pub resources: Vec<ResourceDef>,
    /// The whole item.
    pub span: Span,
}

/// `export name: interface { func ... }`
#[derive(Clone, Debug)]
pub struct ExportInline {
    /// The interface's export name.
    pub name: Ident,
    /// Its functions.
    pub funcs: Vec<FuncDef>,
    /// The resources it defines.
    pub resources: Vec<ResourceDef>,
    /// The whole item.
    pub span: Span,
}

/// A function or a resource inside an exported interface (parser only).
#[derive(Clone, Debug)]
pub enum InterfaceMember {
    /// `func name(...) { ... }`
    Func(Box<FuncDef>),
    /// `resource name { ... }`
    Resource(Box<ResourceDef>),
}

/// Separates an interface's functions from its resources, each in source order.
pub fn split_members(members: Vec<InterfaceMember>) -> (Vec<FuncDef>, Vec<ResourceDef>) {
    let mut funcs = Vec::new();
    let mut resources = Vec::new();
    for m in members {
        match m {
            InterfaceMember::Func(f) => funcs.push(*f),
            InterfaceMember::Resource(r) => resources.push(*r),
        }
    }
    (funcs, resources)
}

/// `resource name { field: T, ... constructor(...) { ... } func m(...) { ... }
/// static func s(...) { ... } destructor { ... } }`
#[derive(Clone, Debug)]
pub struct ResourceDef {
    /// `///` documentation.
    pub docs: String,
    /// The resource's name.
    pub name: Ident,
    /// The fields of its representation, in order.
    pub fields: Vec<(Ident, TypeExpr)>,
    /// Its constructor, methods and static functions, in source order.
    pub funcs: Vec<ResourceFunc>,
    /// The whole item.
    pub span: Span,
}

/// A function of a resource.
#[derive(Clone, Debug)]
pub struct ResourceFunc {
    /// Constructor, method or static function.
    pub kind: MemberKind,
    /// The function; a constructor's name is `constructor` (the keyword's span).
    pub func: FuncDef,
}

/// What a function of a resource is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberKind {
    /// `constructor(...)`: WIT `[constructor]R`.
    Constructor,
    /// `func m(...)`, with `self`: WIT `[method]R.m`.
    Method,
    /// `static func s(...)`: WIT `[static]R.s`.
    Static,
    /// `destructor { ... }`, with `self`: run when the instance is dropped,
    /// before its fields are freed. Not a WIT function.
    Destructor,
}

impl File {
    /// Every function definition, at top level, in an exported interface
    /// or in a resource, in source order (an interface's resources'
    /// functions before its own functions).
    pub fn funcs(&self) -> impl Iterator<Item = &FuncDef> {
        self.items.iter().flat_map(|item| -> Box<dyn Iterator<Item = &FuncDef> + '_> {
            fn members(rs: &[ResourceDef]) -> impl Iterator<Item = &FuncDef> {
                rs.iter().flat_map(|r| r.funcs.iter().map(|f| &f.func))
            }
            match item {
                Item::Func(f) => Box::new(std::iter::once(&**f)),
                Item::ExportInterface(e) => Box::new(members(&e.resources).chain(e.funcs.iter())),
                Item::ExportInline(e) => Box::new(members(&e.resources).chain(e.funcs.iter())),
                Item::Resource(r) => Box::new(members(std::slice::from_ref(&**r))),
                _ => Box::new(std::iter::empty()),
            }
        })
    }
}

/// One name in `import { ... }`.
#[derive(Clone, Debug)]
pub struct ImportName {
    /// The name in the WIT interface.
    pub name: Ident,
    /// The local name, when renamed with `as`.
    pub alias: Option<Ident>,
}

/// `namespace:package/interface[@version]`.
#[derive(Clone, Debug)]
pub struct WitPath {
    /// The package namespace (`wasi`).
    pub namespace: Ident,
    /// The package name (`clocks`).
    pub package: Ident,
    /// The interface name (`monotonic-clock`).
    pub interface: Ident,
    /// The package version, when given (`0.2.0`).
    pub version: Option<(String, Span)>,
    /// The whole path.
    pub span: Span,
}

impl std::fmt::Display for WitPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}/{}", self.namespace.name, self.package.name, self.interface.name)?;
        if let Some((v, _)) = &self.version {
            write!(f, "@{v}")?;
        }
        Ok(())
    }
}

/// A global variable.
#[derive(Clone, Debug)]
pub struct Global {
    /// `///` documentation.
    pub docs: String,
    /// `let mut` rather than `let`.
    pub mutable: bool,
    /// The global's name.
    pub name: Ident,
    /// The declared type (required for globals; `None` is reported).
    pub ty: Option<TypeExpr>,
    /// The initializer (must be a constant).
    pub init: Expr,
    /// The whole item.
    pub span: Span,
}

/// A function definition.
#[derive(Clone, Debug)]
pub struct FuncDef {
    /// `///` documentation.
    pub docs: String,
    /// `export func` rather than `func`.
    pub exported: bool,
    /// The function's name.
    pub name: Ident,
    /// Parameters and result.
    pub sig: FuncSig,
    /// The body.
    pub body: Block,
    /// The whole item.
    pub span: Span,
}

/// `(a: T, ...) [-> R]`
#[derive(Clone, Debug)]
pub struct FuncSig {
    /// Parameters in order.
    pub params: Vec<Param>,
    /// The result type, if any.
    pub result: Option<TypeExpr>,
    /// From `(` to the end of the result type.
    pub span: Span,
}

/// One parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Its name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
}

/// A type as written.
#[derive(Clone, Debug)]
pub struct TypeExpr {
    /// Its shape.
    pub kind: TypeKind,
    /// Where it is.
    pub span: Span,
}

/// The shapes of a written type.
#[derive(Clone, Debug)]
pub enum TypeKind {
    /// A name: `u32`, `string`, `point`, or a bare `result`.
    Named(String),
    /// A constructor with arguments: `list<T>`, `option<T>`, `result<T, E>`,
    /// `result<_, E>`, `tuple<A, B>`. `None` stands for `_`.
    Generic(Ident, Vec<Option<TypeExpr>>),
}

/// `record`, `variant`, `enum`, `flags` or `type` definition.
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// `///` documentation.
    pub docs: String,
    /// The type's name.
    pub name: Ident,
    /// What it defines.
    pub body: TypeDefBody,
    /// The whole item.
    pub span: Span,
}

/// The body of a type definition.
#[derive(Clone, Debug)]
pub enum TypeDefBody {
    /// `record name { field: T, ... }`
    Record(Vec<(Ident, TypeExpr)>),
    /// `variant name { case, case(T), ... }`
    Variant(Vec<(Ident, Option<TypeExpr>)>),
    /// `enum name { case, ... }`
    Enum(Vec<Ident>),
    /// `flags name { flag, ... }`
    Flags(Vec<Ident>),
    /// `type name = T;`
    Alias(TypeExpr),
}

/// `{ stmt* tail? }`
#[derive(Clone, Debug)]
pub struct Block {
    /// The statements.
    pub stmts: Vec<Stmt>,
    /// The final expression without `;`: the block's value where a value is
    /// wanted (an `if` or `match` used as a value, a function's body), else
    /// evaluated and discarded like an expression statement.
    pub tail: Option<Box<Expr>>,
    /// From `{` to `}` (the expression's span for [`Block::of_expr`]).
    pub span: Span,
}

impl Block {
    /// The block a `match` arm `pattern => expr` stands for: no statements,
    /// `expr` as its value.
    pub fn of_expr(expr: Expr) -> Block {
        Block { span: expr.span, stmts: Vec::new(), tail: Some(Box::new(expr)) }
    }
}

/// A statement.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// What kind of statement.
    pub kind: StmtKind,
    /// The whole statement.
    pub span: Span,
}

/// The kinds of statement. Large payloads are boxed: the parser moves
/// statements on every reduction, so their size is a large part of its time.
#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `let [mut] name [: T] = value;`
    Let {
        /// `let mut`.
        mutable: bool,
        /// The new binding.
        name: Ident,
        /// The annotation, if any.
        ty: Option<TypeExpr>,
        /// The initial value.
        value: Box<Expr>,
    },
    /// `let (a, _, c) = value;`: binds the elements of a tuple.
    LetTuple {
        /// `let mut`.
        mutable: bool,
        /// One name per element; `None` for `_`.
        names: Vec<Option<Ident>>,
        /// The tuple.
        value: Box<Expr>,
    },
    /// `let {x, y: b} = value;`: binds fields of a record (`x` binds field
    /// `x`; `y: b` binds field `y` as `b`).
    LetRecord {
        /// `let mut`.
        mutable: bool,
        /// `(field, binding)` pairs.
        fields: Vec<(Ident, Ident)>,
        /// The record.
        value: Box<Expr>,
    },
    /// `target = value;` or `target op= value;`
    Assign {
        /// The place assigned to.
        target: Box<Expr>,
        /// For compound assignment, the operator (`+` for `+=`) and its span.
        op: Option<(BinaryOp, Span)>,
        /// The value.
        value: Box<Expr>,
    },
    /// An expression (normally a call) followed by `;`.
    Expr(Expr),
    /// `assert cond;` or `assert cond, message;` (in tests).
    Assert {
        /// The condition that must hold.
        cond: Box<Expr>,
        /// The message shown when it does not (a string).
        message: Option<Box<Expr>>,
    },
    /// `if`/`else if`/`else`.
    If(Box<IfStmt>),
    /// `while cond { }`
    While {
        /// The condition.
        cond: Box<Expr>,
        /// The body.
        body: Block,
    },
    /// `loop { }`
    Loop(Block),
    /// `for var in start..end { }`
    For {
        /// The loop variable.
        var: Ident,
        /// The first value.
        start: Box<Expr>,
        /// One past the last value.
        end: Box<Expr>,
        /// The body.
        body: Block,
    },
    /// `for var in list { body }`
    ForEach {
        /// The loop variable: each element in turn.
        var: Ident,
        /// The list iterated over (evaluated once).
        list: Box<Expr>,
        /// The body.
        body: Block,
    },
    /// `break;`
    Break,
    /// `continue;`
    Continue,
    /// `return [value];`
    Return(Option<Expr>),
    /// `{ ... }`: a block of its own scope.
    Block(Block),
    /// `let _ [: T] = value;`: evaluates `value` and discards it.
    LetDiscard {
        /// The annotation, if any.
        ty: Option<TypeExpr>,
        /// The value.
        value: Box<Expr>,
    },
    /// `match scrutinee { pattern => { ... } ... }`
    Match(Box<MatchStmt>),
    /// A statement the parser could not read; already reported.
    Error,
}

/// `if cond { } [else ...]`
#[derive(Clone, Debug)]
pub struct IfStmt {
    /// The condition.
    pub cond: Expr,
    /// Taken when the condition holds.
    pub then: Block,
    /// `else { }` or `else if ...`.
    pub otherwise: Option<Else>,
}

/// `match scrutinee { arms }`
#[derive(Clone, Debug)]
pub struct MatchStmt {
    /// The value matched.
    pub scrutinee: Expr,
    /// The arms, tried in order.
    pub arms: Vec<MatchArm>,
}

/// `pattern => { ... }` or `pattern => expr`
#[derive(Clone, Debug)]
pub struct MatchArm {
    /// What the arm matches.
    pub pattern: Pattern,
    /// The arm's body (for `pattern => expr`, [`Block::of_expr`]).
    pub body: Block,
    /// Written with braces (`=> { ... }`), not as `=> expr`.
    pub braced: bool,
}

/// A pattern in a `match` arm.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Its shape.
    pub kind: PatternKind,
    /// Where it is.
    pub span: Span,
}

/// The shapes of a pattern.
#[derive(Clone, Debug)]
pub enum PatternKind {
    /// `_`: matches anything.
    Wildcard,
    /// A name: a case without payload of the matched type (`none`, `red`,
    /// `ok`) if it has one of that name, else a new binding.
    Name(Ident),
    /// `ty::case`, a qualified case without payload.
    Path(Ident, Ident),
    /// `case(pattern)` (optionally `ty::case(pattern)`).
    Case(Option<Ident>, Ident, Box<Pattern>),
    /// `(a, b)`: a tuple.
    Tuple(Vec<Pattern>),
    /// An integer, string, char or bool literal (integers may be negative).
    Literal(Box<Expr>),
}

/// What follows `else`.
#[derive(Clone, Debug)]
pub enum Else {
    /// `else { }`
    Block(Block),
    /// `else if ...`
    If(Box<IfStmt>, Span),
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// The whole expression.
    pub span: Span,
}

impl Drop for Expr {
    /// Drops nested expressions through [`crate::stack::grow`]: a generated
    /// operator chain can be hundreds of thousands of levels deep, and the
    /// default recursive drop would overflow the stack. Leaves (most
    /// expressions) take the fast path.
    fn drop(&mut self) {
        if !is_leaf(&self.kind) {
            let kind = std::mem::replace(&mut self.kind, ExprKind::Bool(false));
            crate::stack::grow(move || drop(kind));
        }
    }
}

/// Does dropping `kind` drop no other expression?
fn is_leaf(kind: &ExprKind) -> bool {
    matches!(
        kind,
        ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Char(_)
            | ExprKind::Bool(_)
            | ExprKind::Name(_)
            | ExprKind::Path(..)
    )
}

/// The kinds of expression.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// `if c { ... } else { ... }` used as a value.
    If(Box<IfStmt>),
    /// `match e { ... }` used as a value.
    Match(Box<MatchStmt>),
    /// An integer literal (saturated at `u128::MAX`).
    Int(u128),
    /// A float literal.
    Float(f64),
    /// A string literal, unescaped.
    Str(String),
    /// A char literal.
    Char(char),
    /// `true` or `false`.
    Bool(bool),
    /// A name.
    Name(Ident),
    /// `ty::case`, a qualified enum case.
    Path(Ident, Ident),
    /// `callee(args)`
    Call {
        /// The function.
        callee: Box<Expr>,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `lhs op rhs`
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The operator token's span.
        op_span: Span,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `op operand`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `receiver.method(args)`: a built-in method.
    MethodCall {
        /// The value the method is called on.
        receiver: Box<Expr>,
        /// The method's name.
        method: Ident,
        /// The arguments after the receiver.
        args: Vec<Expr>,
    },
    /// `expr as T`
    Cast {
        /// The value converted.
        expr: Box<Expr>,
        /// The target type.
        ty: TypeExpr,
    },
    /// `( expr )`
    Paren(Box<Expr>),
    /// `base.field` or `base.0`
    Field {
        /// The record or tuple.
        base: Box<Expr>,
        /// The field name, or a tuple index written as digits.
        field: Ident,
    },
    /// `base[index]`
    Index {
        /// The list.
        base: Box<Expr>,
        /// The position.
        index: Box<Expr>,
    },
    /// `base[start..end]`: the elements (or UTF-8 bytes) from `start` up to
    /// but not including `end`.
    Slice {
        /// The list or string.
        base: Box<Expr>,
        /// The first index.
        start: Box<Expr>,
        /// One past the last index.
        end: Box<Expr>,
    },
    /// `[a, b, ...]`
    List(Vec<Expr>),
    /// `(a, b, ...)`: a tuple of at least two elements, or `(a,)`.
    Tuple(Vec<Expr>),
    /// `{x: 1, y: 2}` (a record) or `{read, write}` (flags); `{}` is empty flags.
    Braced(Vec<(Ident, Option<Expr>)>),
    /// `e?`
    Try(Box<Expr>),
    /// `"text \{expr} text"`: the pieces in order.
    Interp(Vec<InterpPart>),
    /// `check!(cond)`: `ok` when `cond` holds, else `err` with a message.
    Check(Box<Expr>),
}

/// A piece of an interpolated string.
#[derive(Clone, Debug)]
pub enum InterpPart {
    /// Literal text, unescaped.
    Text(String),
    /// `\{expr}`: the expression's value as text (WAVE for non-strings).
    Expr(Expr),
}

/// The expression `callee(args)`: a method call when `callee` is `receiver.method`.
pub fn call(mut callee: Expr, args: Vec<Expr>) -> ExprKind {
    if let ExprKind::Field { base, field } = &mut callee.kind {
        let is_index = field.name.starts_with(|c: char| c.is_ascii_digit());
        if !is_index {
            let receiver =
                std::mem::replace(base, Box::new(Expr { kind: ExprKind::Bool(false), span: Span::default() }));
            let method = field.clone();
            return ExprKind::MethodCall { receiver, method, args };
        }
    }
    ExprKind::Call { callee: Box::new(callee), args }
}

/// Binary operators, loosest first in the brief's precedence order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or` (short-circuit)
    Or,
    /// `and` (short-circuit)
    And,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `&`
    BitAnd,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<<`
    Shl,
    /// `>>` (arithmetic for signed types, logical for unsigned)
    Shr,
    /// `>>>` (always logical)
    ShrU,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The operator's precedence tier in the language brief's table, from
    /// 1 (`or`, the loosest) to 10 (`*`, `/`, `%`, the tightest).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::BitOr => 3,
            BinaryOp::BitXor => 4,
            BinaryOp::BitAnd => 5,
            BinaryOp::Eq | BinaryOp::Ne => 6,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 7,
            BinaryOp::Shl | BinaryOp::Shr | BinaryOp::ShrU => 8,
            BinaryOp::Add | BinaryOp::Sub => 9,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 10,
        }
    }

    /// Is this a comparison (`==` `!=` `<` `<=` `>` `>=`)? Comparisons give
    /// `bool` and do not chain.
    pub fn is_comparison(self) -> bool {
        matches!(self, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge)
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::BitAnd => "&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::ShrU => ">>>",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `not x` (logical on bool, bitwise on integers)
    Not,
}
