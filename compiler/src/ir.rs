//! The checked IR: names resolved, every expression typed.
//!
//! Functions keep their expressions in an arena indexed by [`ExprId`], with
//! spans in a side table (`expr_spans`), so later passes can refer to an
//! expression without holding the tree. Codegen reads only this IR, never
//! the AST.

use crate::ast::{BinaryOp, UnaryOp};
use crate::span::Span;
use crate::types::Ty;
use wit_parser::InterfaceId;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            /// The id as an index into its arena.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// An expression in a function's `exprs` arena.
    ExprId
);
id_type!(
    /// A local (parameter or `let`) in a function's `locals`.
    LocalId
);
id_type!(
    /// A function in [`Module::funcs`].
    FuncId
);
id_type!(
    /// A global in [`Module::globals`].
    GlobalId
);
id_type!(
    /// An imported function in [`Module::imports`].
    ImportId
);
id_type!(
    /// A resource the file defines, in [`Module::resources`].
    ResourceId
);

/// A checked file: everything codegen and world construction need.
#[derive(Debug, Default)]
pub struct Module {
    /// Imported functions: plain ones (world-level) and ones from interfaces.
    pub imports: Vec<ImportFunc>,
    /// WIT interfaces imported, in order of first mention.
    pub interfaces: Vec<InterfaceId>,
    /// WIT interfaces the file exports (implements), in source order.
    pub exported_interfaces: Vec<InterfaceId>,
    /// Inline interfaces the file exports, by export name, in source order.
    pub inline_interfaces: Vec<String>,
    /// Global variables.
    pub globals: Vec<Global>,
    /// Functions, private and exported.
    pub funcs: Vec<Function>,
    /// Resources the file defines (in exported interfaces).
    pub resources: Vec<Resource>,
    /// Type definitions the file declares, in source order (their
    /// [`Ty`]s index [`Module::resolve`]).
    pub types: Vec<TypeDecl>,
    /// Drops the old values of globals that own handles, retired by
    /// assignments during the call; every export wrapper calls it when the
    /// call's function returns. `None` when no such global is assigned.
    pub retire: Option<FuncId>,
    /// Initializers of globals of compound types: a function without
    /// parameters or result that assigns them, run once when the core module
    /// is instantiated (its `start` function). `None` when there are none.
    pub init: Option<Function>,
    /// The WIT the module was checked against, plus every type the file
    /// defines and every anonymous type it uses (see [`crate::types`]).
    pub resolve: wit_parser::Resolve,
}

/// A type the Claw file defines (`record`, `variant`, `enum`, `flags`, `type`).
#[derive(Debug)]
pub struct TypeDecl {
    /// Its name.
    pub name: String,
    /// The type (for an alias, the aliased type).
    pub ty: Ty,
    /// `///` documentation.
    pub docs: String,
    /// Is it an alias (`type x = ...`)?
    pub alias: bool,
}

/// A resource defined in Claw and exported through an interface (a WIT
/// one or an inline one).
///
/// Its instances live in a table: `table` is a hidden global of type
/// `list<result<F, u32>>` (`slot`), where `F` (`fields`) is the tuple of
/// the representation's fields; a live instance is `ok(fields)`, a free
/// slot `err(next)` with `next` the 1-based index of the next free slot (0
/// ends the list, whose head is the hidden `u32` global `free`). The
/// instance's *rep* (what the canonical ABI's `resource.new` wraps into a
/// handle and what an exported function receives for a `borrow<R>`) is its
/// slot index plus one. Because the table is a global, the copying
/// collection at the end of each call keeps the fields' strings and lists.
///
/// Inside the component, `own<R>` values are handles (in the component's
/// own handle table) and `borrow<R>` values are reps; lending an own handle
/// calls `R_rep`.
#[derive(Debug)]
pub struct Resource {
    /// The resource's name.
    pub name: String,
    /// Its WIT definition: in `interface`, or (for an inline interface)
    /// created by the checker without an owner.
    pub ty: wit_parser::TypeId,
    /// The exported WIT interface that declares it, if it is one.
    pub interface: Option<InterfaceId>,
    /// The inline interface (`export name: interface { ... }`) that
    /// defines it, by export name.
    pub inline_interface: Option<String>,
    /// The interface's name in core names: its canonicalized id
    /// (`ns:pkg/iface@0.1`) or the inline interface's export name.
    pub core_interface: String,
    /// The representation's fields, in order.
    pub fields: Vec<(String, Ty)>,
    /// `tuple<...>` of the fields' types (a hidden `bool` when there are none).
    pub fields_ty: Ty,
    /// `result<fields_ty, u32>`: one table slot.
    pub slot: Ty,
    /// The table (`list<slot>`).
    pub table: GlobalId,
    /// The 1-based index of the first free slot, or 0.
    pub free: GlobalId,
    /// The destructor `(rep: borrow<R>)`: frees the slot. Exported to
    /// wit-component as `cm32p2|<interface>|R_dtor`.
    pub dtor: FuncId,
    /// Defined at the top level and named by no export: it never crosses the
    /// component boundary, so it is not in the world, an own handle is its
    /// rep (no `R_new`/`R_rep`), and dropping one calls [`Resource::dtor`].
    pub private: bool,
}

/// An imported function.
#[derive(Debug)]
pub struct ImportFunc {
    /// Its name in the world (plain import) or in its interface.
    pub name: String,
    /// The interface it comes from; `None` for a plain world-level import.
    pub interface: Option<InterfaceId>,
    /// Parameter names and types.
    pub params: Vec<(String, Ty)>,
    /// The result type, if any.
    pub result: Option<Ty>,
    /// `///` documentation (plain imports only).
    pub docs: String,
    /// For an intrinsic of a resource the file defines and exports
    /// (`R_new`, `R_rep`, `R_drop`): the core name of its interface (see
    /// [`Resource::core_interface`]); it is imported from the core module
    /// `cm32p2|_ex_<that>`.
    pub of_export: Option<String>,
}

impl ImportFunc {
    /// Is it a plain import of the world (not from an interface, and not
    /// an intrinsic of a resource the file defines)?
    pub fn is_world_level(&self) -> bool {
        self.interface.is_none() && self.of_export.is_none()
    }
}

/// A compile-time constant (a global's initializer or a literal).
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    /// An integer, as its mathematical value (it fits the expression's type).
    Int(i128),
    /// An `f32`.
    F32(f32),
    /// An `f64`.
    F64(f64),
    /// A `bool`.
    Bool(bool),
    /// A `char`.
    Char(char),
    /// A string.
    Str(String),
    /// An enum case, by its index.
    EnumCase(u32),
    /// All-zero flat values: the placeholder of a global whose value is set
    /// by [`Module::init`].
    Zero,
}

/// A global variable.
#[derive(Debug)]
pub struct Global {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// `let mut`.
    pub mutable: bool,
    /// Its initial value.
    pub init: Const,
}

/// A local variable or parameter.
#[derive(Debug)]
pub struct Local {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// `let mut`.
    pub mutable: bool,
    /// Where it is declared.
    pub span: Span,
    /// For a local that owns resource handles (its type contains an
    /// `own<R>`): its drop flag and how to drop it.
    pub owned: Option<Owned>,
}

/// How an owning local is dropped: a `bool` *drop flag* local, set when the
/// local gets a value and cleared when the value moves out
/// ([`ExprKind::Move`]), and the function that drops a value of the local's
/// type (`[resource-drop]R` for `own<R>`, or synthesized drop glue).
#[derive(Clone, Copy, Debug)]
pub struct Owned {
    /// The drop flag.
    pub flag: LocalId,
    /// Drops a value of the local's type.
    pub drop: Callee,
}

/// A function defined in the file (or synthesized by the checker).
#[derive(Debug, Default)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// `export func`, or a function of an exported interface.
    pub exported: bool,
    /// The exported WIT interface it implements, if any.
    pub interface: Option<InterfaceId>,
    /// The inline interface (`export name: interface { ... }`) it is in, by
    /// export name.
    pub inline_interface: Option<String>,
    /// `///` documentation.
    pub docs: String,
    /// The parameters, which are its first locals.
    pub params: Vec<LocalId>,
    /// The result type, if any.
    pub result: Option<Ty>,
    /// Every local, parameters first.
    pub locals: Vec<Local>,
    /// The body.
    pub body: Vec<Stmt>,
    /// The expression arena.
    pub exprs: Vec<Expr>,
    /// The span of each expression, indexed by [`ExprId`].
    pub expr_spans: Vec<Span>,
}

impl Function {
    /// The expression with this id.
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.index()]
    }

    /// The local with this id.
    pub fn local(&self, id: LocalId) -> &Local {
        &self.locals[id.index()]
    }
}

/// A place that can be assigned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    /// A local variable.
    Local(LocalId),
    /// A global variable.
    Global(GlobalId),
}

/// A statement.
#[derive(Debug)]
pub enum Stmt {
    /// Binds a new local.
    Let(LocalId, ExprId),
    /// Assigns a place (compound assignment is already expanded).
    Assign(Place, ExprId),
    /// Evaluates an expression and drops its value.
    Expr(ExprId),
    /// `if cond { then } else { otherwise }`
    If {
        /// A `bool` expression.
        cond: ExprId,
        /// Taken when `cond` is true.
        then: Vec<Stmt>,
        /// Taken otherwise (may be empty).
        otherwise: Vec<Stmt>,
    },
    /// `while cond { body }`
    While {
        /// A `bool` expression, evaluated before each iteration.
        cond: ExprId,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `loop { body }`
    Loop(Vec<Stmt>),
    /// `for var in start..end { body }`; `end` is evaluated once into `end_local`.
    For {
        /// The loop variable.
        var: LocalId,
        /// A hidden local holding the bound.
        end_local: LocalId,
        /// The first value.
        start: ExprId,
        /// One past the last value.
        end: ExprId,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `for var in list { body }`: `list` is evaluated once into `list_local`
    /// and `index` counts from 0 to its length.
    ForEach {
        /// The loop variable, set to each element in turn.
        var: LocalId,
        /// A hidden local holding the list.
        list_local: LocalId,
        /// A hidden `u32` local holding the index.
        index: LocalId,
        /// The list.
        list: ExprId,
        /// The body.
        body: Vec<Stmt>,
    },
    /// Leaves the innermost loop.
    Break,
    /// Starts the next iteration of the innermost loop.
    Continue,
    /// Returns from the function.
    Return(Option<ExprId>),
    /// Statements run in order (what a `match` becomes: a hidden local for
    /// the scrutinee, then a chain of `If`s testing the arms' patterns).
    Block(Vec<Stmt>),
    /// Drops the owning locals whose drop flag is set (at the end of their
    /// scope, or before `return`, `break`, `continue` leave it), in order.
    DropLocals(Vec<LocalId>),
}

/// A typed expression.
#[derive(Debug)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Ty,
}

/// What a function call calls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Callee {
    /// A function of this file.
    Func(FuncId),
    /// An imported function.
    Import(ImportId),
}

/// Built-in methods, with the receiver as their first argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// `s.len() -> u32`: the length of a string in UTF-8 bytes, or of a
    /// list in elements (both are a `(ptr, len)` pair in the canonical ABI).
    Len,
    /// `s.is-empty() -> bool` for a string or list.
    IsEmpty,
    /// `xs.get(i: u32) -> option<T>`: element `i`, or `none` when out of bounds.
    ListGet,
    /// `xs.contains(x: T) -> bool`: some element `== x`.
    ListContains,
    /// `s.split(sep: string) -> list<string>`: the pieces between
    /// occurrences of `sep` (sharing `s`'s bytes); `[s]` when `sep` is empty.
    StrSplit,
    /// `s.trim() -> string`: without leading and trailing ASCII whitespace.
    StrTrim,
    /// `s.bytes() -> list<u8>`: the UTF-8 bytes (the same `(ptr, len)`).
    StrBytes,
    /// `string::from-utf8(bytes: list<u8>) -> option<string>`: `none` unless
    /// the bytes are valid UTF-8.
    StrFromUtf8,
    /// `s.contains(t: string) -> bool`: `t` occurs in `s` (the empty string occurs everywhere).
    StrContains,
    /// `s.starts-with(t: string) -> bool`
    StrStartsWith,
    /// `s.ends-with(t: string) -> bool`
    StrEndsWith,
}

impl Builtin {
    /// The string methods: name, parameter types after the receiver, result.
    pub const STRING_METHODS: &'static [(&'static str, Builtin, &'static [Ty], Ty)] = &[
        ("len", Builtin::Len, &[], Ty::U32),
        ("is-empty", Builtin::IsEmpty, &[], Ty::Bool),
        ("contains", Builtin::StrContains, &[Ty::String], Ty::Bool),
        ("starts-with", Builtin::StrStartsWith, &[Ty::String], Ty::Bool),
        ("ends-with", Builtin::StrEndsWith, &[Ty::String], Ty::Bool),
        ("trim", Builtin::StrTrim, &[], Ty::String),
    ];

    /// The list methods whose signature does not depend on the element type.
    pub const LIST_METHODS: &'static [(&'static str, Builtin, &'static [Ty], Ty)] =
        &[("len", Builtin::Len, &[], Ty::U32), ("is-empty", Builtin::IsEmpty, &[], Ty::Bool)];
}

/// The kinds of expression.
#[derive(Debug)]
pub enum ExprKind {
    /// A constant of the expression's type.
    Const(Const),
    /// Reads a local.
    Local(LocalId),
    /// Reads a global.
    Global(GlobalId),
    /// Calls a function.
    Call(Callee, Vec<ExprId>),
    /// A binary operation; both operands have the same type (for `and`/`or`, `bool`).
    Binary(BinaryOp, ExprId, ExprId),
    /// A unary operation.
    Unary(UnaryOp, ExprId),
    /// A numeric conversion to the expression's type.
    Cast(ExprId),
    /// A built-in method; the receiver is the first argument.
    Builtin(Builtin, Vec<ExprId>),
    /// A record value: one expression per field, in the type's field order.
    Record(Vec<ExprId>),
    /// A tuple value.
    Tuple(Vec<ExprId>),
    /// A list value.
    List(Vec<ExprId>),
    /// A case of a variant, `option` (`none` = 0, `some` = 1) or `result`
    /// (`ok` = 0, `err` = 1), with its payload if the case has one.
    Case(u32, Option<ExprId>),
    /// A flags value: the indices of the flags that are set.
    Flags(Vec<u32>),
    /// Field `n` of a record (in the type's field order) or element `n` of a tuple.
    Field(ExprId, u32),
    /// `list[index]`; traps when out of bounds.
    Index(ExprId, ExprId),
    /// `base[start..end]` of a list or string (sharing its memory); traps
    /// unless `start <= end <= len` and, for a string, both are at
    /// character boundaries.
    Slice(ExprId, ExprId, ExprId),
    /// A copy of the list with element `index` replaced by `value`; traps
    /// when `index` is out of bounds. (What `xs[i] = value` assigns back.)
    ListSet(ExprId, ExprId, ExprId),
    /// `xs.push(x)`: appends to the list in a variable (type `()`).
    ListPush(Place, ExprId),
    /// `xs.pop()`: removes the last element of the list in a variable and
    /// returns it (`none` when empty).
    ListPop(Place),
    /// Is the value (a variant, enum, `option`, `result` or `bool`) case `n`?
    /// A `bool`'s cases are `false` = 0 and `true` = 1.
    IsCase(ExprId, u32),
    /// `value?` on an `option` or `result`: the `some`/`ok` payload, or
    /// returns `none`/`err(e)` from the function (whose result type the
    /// checker made sure can carry it), first dropping these owning locals.
    /// With a report function (`?` in a test), the failing value is passed
    /// to it instead and its `err` text is returned (see `check/testing.rs`).
    Try(ExprId, Vec<LocalId>, Option<FuncId>),
    /// Reads an owning local and clears its drop flag: the value moves.
    Move(LocalId),
    /// Stores the value in the owning hidden local (dropping what it held
    /// if its flag is set), sets the flag, and is the value: a temporary
    /// handle lent to a call, dropped with the local.
    Bind(LocalId, ExprId),
    /// The payload of case `n` of a variant, `option` or `result` value that
    /// is known to be that case.
    Payload(ExprId, u32),
    /// A new instance of a defined resource with these fields (a
    /// `fields_ty` value); its type is `borrow<R>`, the rep.
    RepNew(ResourceId, ExprId),
    /// Field `n` of the instance with this rep.
    RepField(ResourceId, ExprId, u32),
    /// Sets field `n` of the instance with this rep, in place (type `()`).
    RepSet(ResourceId, ExprId, u32, ExprId),
    /// Frees the instance with this rep; its value is the fields it had.
    RepFree(ResourceId, ExprId),
    /// Runs the statements, then is the value (`()` without one): what
    /// `push`/`pop` on a part of a variable become.
    Seq(Vec<Stmt>, Option<ExprId>),
    /// An expression that failed to check (never reaches codegen).
    Error,
}

impl ExprKind {
    /// Calls `f` with each direct child expression, in source order: the
    /// operands, arguments, elements and payloads of this expression, and
    /// the tail of a `Seq` (its statements are not expressions; walk them
    /// separately). The one enumeration of an expression's children, shared
    /// by the passes that walk a body (`codegen::regions`, `codegen::inplace`).
    pub fn for_each_child(&self, mut f: impl FnMut(ExprId)) {
        let f = &mut f;
        match self {
            ExprKind::Const(_)
            | ExprKind::Local(_)
            | ExprKind::Global(_)
            | ExprKind::Flags(_)
            | ExprKind::Move(_)
            | ExprKind::ListPop(_)
            | ExprKind::Error => {}
            ExprKind::Call(_, args)
            | ExprKind::Builtin(_, args)
            | ExprKind::Record(args)
            | ExprKind::Tuple(args)
            | ExprKind::List(args) => args.iter().copied().for_each(f),
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => [*a, *b].into_iter().for_each(f),
            ExprKind::Slice(a, b, c) | ExprKind::ListSet(a, b, c) => [*a, *b, *c].into_iter().for_each(f),
            ExprKind::Unary(_, e)
            | ExprKind::Cast(e)
            | ExprKind::Field(e, _)
            | ExprKind::IsCase(e, _)
            | ExprKind::Payload(e, _)
            | ExprKind::RepField(_, e, _)
            | ExprKind::RepFree(_, e)
            | ExprKind::Try(e, _, _)
            | ExprKind::Bind(_, e)
            | ExprKind::RepNew(_, e)
            | ExprKind::ListPush(_, e) => f(*e),
            ExprKind::Case(_, e) => e.iter().copied().for_each(f),
            ExprKind::RepSet(_, rep, _, value) => [*rep, *value].into_iter().for_each(f),
            ExprKind::Seq(_, e) => e.iter().copied().for_each(f),
        }
    }
}
