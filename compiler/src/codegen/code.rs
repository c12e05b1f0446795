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
    /// written out (`code.push(I::LocalGet(x))`), the matches below fold
    /// away and only the encoding of that instruction remains. The
    /// instructions that are common in function bodies are written here
    /// when their immediate fits in one byte, else go straight to the
    /// sink; the rest go through [`Instruction::encode`](Encode::encode),
    /// which calls the sink for every instruction after a larger match.
    #[inline(always)]
    pub fn push(&mut self, instruction: I<'_>) {
        // The variants matched own nothing: `ManuallyDrop` spares them the
        // call to `Instruction`'s drop glue, which the compiler keeps.
        let instruction = std::mem::ManuallyDrop::new(instruction);
        // Most indices and many constants fit in one byte of LEB128, which
        // is written here: wasm-encoder's general LEB128 encoder costs more
        // than the rest of the instruction. (Opcodes from the core spec's
        // binary format, section 5.4.)
        let short = |n: u32| (n < 0x80).then_some(n as u8);
        let short_signed = |n: i64| (-0x40..0x40).contains(&n).then_some(n as u8 & 0x7f);
        let one_byte = match *instruction {
            I::LocalGet(l) => short(l).map(|l| [0x20, l]),
            I::LocalSet(l) => short(l).map(|l| [0x21, l]),
            I::LocalTee(l) => short(l).map(|l| [0x22, l]),
            I::GlobalGet(g) => short(g).map(|g| [0x23, g]),
            I::GlobalSet(g) => short(g).map(|g| [0x24, g]),
            I::I32Const(x) => short_signed(x.into()).map(|x| [0x41, x]),
            I::I64Const(x) => short_signed(x).map(|x| [0x42, x]),
            _ => None,
        };
        if let Some(bytes) = one_byte {
            self.bytes.extend_from_slice(&bytes);
            return;
        }
        let mut sink = InstructionSink::new(&mut self.bytes);
        let _: &mut InstructionSink = match *instruction {
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
            _ => {
                let instruction = std::mem::ManuallyDrop::into_inner(instruction);
                instruction.encode(&mut self.bytes);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every instruction `Code` writes itself is encoded as wasm-encoder
    /// encodes it, at the edges of the one-byte immediates.
    #[test]
    fn code_encodes_as_wasm_encoder_does() {
        let unsigned = [0u32, 1, 0x3f, 0x40, 0x7f, 0x80, 0x3fff, 0x4000, u32::MAX];
        let signed = [0i64, 1, -1, 0x3f, 0x40, -0x40, -0x41, 0x7f, 0x80, -0x80, i32::MAX as i64, i32::MIN as i64];
        let mut instructions = Vec::new();
        for n in unsigned {
            instructions.extend([I::LocalGet(n), I::LocalSet(n), I::LocalTee(n), I::GlobalGet(n), I::GlobalSet(n)]);
            instructions.extend([I::Call(n), I::Br(n), I::BrIf(n)]);
        }
        for n in signed {
            instructions.extend([I::I32Const(n as i32), I::I64Const(n), I::I64Const(n << 32)]);
        }
        instructions.extend([I::I64Const(i64::MIN), I::I64Const(i64::MAX), I::I32Add, I::End, I::Else, I::Drop]);
        for instruction in instructions {
            let mut code = Code::default();
            code.push(instruction.clone());
            let mut expected = Vec::new();
            instruction.encode(&mut expected);
            assert_eq!(code.bytes(), expected, "{instruction:?}");
        }
    }
}
