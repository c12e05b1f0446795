//! The generated benchmark program, shared by the compile benchmark
//! (`compiler/benches/compile.rs`) and the language-server benchmark
//! (`language-server/benches/lsp.rs`), which include this file with
//! `#[path]`.

/// A program of `n` exported functions of ten lines each (`10 * n + 2`
/// lines), byte for byte what `gen_large.py n` prints: written in the
/// subset claw-cli 0.2.6 also accepts, so the two compilers can be compared.
pub fn generate(n: usize) -> String {
    let mut out: Vec<String> = vec!["let mut total: u64 = 0;".into(), String::new()];
    for i in 0..n {
        out.push(format!("export func fun{i}(a: u64, b: u64) -> u64 {{"));
        out.push(format!("    let c = a * {} + b;", i % 97 + 1));
        out.push(format!("    let mut d: u64 = c - {};", i % 13));
        out.push(format!("    if d > {} {{", i * 3 + 1));
        out.push("        d = d / 2 + a;".into());
        out.push("    }".into());
        out.push("    total = total + d;".into());
        if i > 0 {
            out.push(format!("    return d + fun{}(a, b % 5);", i - 1));
        } else {
            out.push("    return d;".into());
        }
        out.push("}".into());
        out.push(String::new());
    }
    // Python's print("\n".join(out)) adds one trailing newline.
    let mut text = out.join("\n");
    text.push('\n');
    text
}
