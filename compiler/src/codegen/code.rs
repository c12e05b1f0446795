//! The instructions of a function body as bytes: [`Code`] encodes each
//! instruction as it is emitted, through wasm-encoder's [`InstructionSink`],
//! so a body is never held as a list of [`Instruction`](I) values that are
//! encoded afterwards. Codegen only appends (no instruction is patched or
//! removed once emitted), so the bytes are all it needs.

use wasm_encoder::{Encode, Instruction as I, InstructionSink};

/// A function body's instructions, encoded as in the binary format's `expr`
/// (a code section entry is the local declarations, then these bytes).
#[derive(Default)]
pub struct Code {
    bytes: Vec<u8>,
}

impl Code {
    /// Appends one instruction. Always inlined: where the instruction is
    /// written out (`code.push(I::LocalGet(x))`), the match below folds
    /// away and only the sink's method for it remains. The instructions
    /// that are common in function bodies go straight to the sink; the
    /// rest through [`Instruction::encode`](Encode::encode), which does the
    /// same for every instruction after a larger match.
    #[inline(always)]
    pub fn push(&mut self, instruction: I<'_>) {
        let mut sink = InstructionSink::new(&mut self.bytes);
        match instruction {
            I::LocalGet(l) => sink.local_get(l),
            I::LocalSet(l) => sink.local_set(l),
            I::LocalTee(l) => sink.local_tee(l),
            I::GlobalGet(g) => sink.global_get(g),
            I::GlobalSet(g) => sink.global_set(g),
            I::I32Const(x) => sink.i32_const(x),
            I::I64Const(x) => sink.i64_const(x),
            I::Call(f) => sink.call(f),
            I::Block(bt) => sink.block(bt),
            I::Loop(bt) => sink.loop_(bt),
            I::If(bt) => sink.if_(bt),
            I::Else => sink.else_(),
            I::End => sink.end(),
            I::Br(l) => sink.br(l),
            I::BrIf(l) => sink.br_if(l),
            I::Drop => sink.drop(),
            I::Return => sink.return_(),
            I::Unreachable => sink.unreachable(),
            other => {
                other.encode(&mut self.bytes);
                return;
            }
        };
    }

    /// Appends instructions in order.
    #[inline(always)]
    pub fn extend<'i>(&mut self, instructions: impl IntoIterator<Item = I<'i>>) {
        for instruction in instructions {
            self.push(instruction);
        }
    }

    /// The encoded instructions.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Empties the buffer, keeping its capacity.
    pub fn clear(&mut self) {
        self.bytes.clear();
    }
}
