//! `clawc serve`: serves a component that exports
//! `wasi:http/incoming-handler` over HTTP/1.1, with a fresh instance per
//! request (`claw_runtime::serve`). A `.claw` file is compiled in memory as
//! for `clawc run`; the sandbox is `clawc run`'s (nothing granted unless
//! asked with `--dir`/`--env`), and outgoing HTTP requests are denied unless
//! `--allow-http`. Each request's `handle` call may run for `--timeout`
//! (30 s unless told), after which it is interrupted (epoch interruption)
//! and answered 500.
//!
//! On stderr: `serving http://ADDR/ ...` once listening (so scripts and
//! tests can read the port chosen for `--addr 127.0.0.1:0`), one line per
//! request (`GET /echo?x=1 -> 200 (1.2 ms)`, with what went wrong when the
//! handler failed), and `stopped` after SIGINT or SIGTERM.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use claw_runtime::serve::{Handler, Server};
use claw_runtime::{RunError, RunOptions, Runtime};

use crate::cache::CompileCache;
use crate::grants::{GrantArgs, Grants};
use crate::progress::Compiling;
use crate::test_cmd::parse_duration;
use crate::{Driver, EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE, MessageFormat, WitArgs, print_error};

/// Usage examples shown by `clawc serve --help`.
const EXAMPLES: &str = "\
Examples:
  clawc serve examples/http/app.claw
      serve a Claw handler on http://127.0.0.1:8080/
  clawc serve handler.wasm --addr 127.0.0.1:0
      any toolchain's handler, on a free port (printed on stderr)
  clawc serve app.claw --dir ./static::/static --env GREETING=hi
      grant a directory and an environment variable to every request
  clawc serve proxy.wasm --allow-http
      let the handler make outgoing HTTP requests
  clawc serve app.claw --timeout 2s
      answer 500 for a request whose handler runs longer than 2 seconds

Exit status: 0 after SIGINT (Ctrl-C) or SIGTERM, 1 for compile errors,
2 for usage errors (a missing file, a component that is not a handler or
imports what the host does not provide, an address that cannot be bound).";

/// The arguments of `clawc serve`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct ServeArgs {
    /// The handler: a component (.wasm) exporting wasi:http/incoming-handler
    /// at a 0.2 version, or a .claw file, compiled in memory.
    pub file: PathBuf,
    /// The address to listen on. Port 0 picks a free port; the address is
    /// printed on stderr (`serving http://127.0.0.1:PORT/`).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080", value_parser = parse_addr)]
    pub addr: SocketAddr,
    /// Let the handler's outgoing HTTP requests (`wasi:http/outgoing-handler`)
    /// leave the process. Without it, each fails with `HTTP-request-denied`.
    #[arg(long)]
    pub allow_http: bool,
    /// The longest one request's `handle` call may run: seconds, or a
    /// number with `ms` or `s` (`500ms`, `2s`), or `none`. A handler still
    /// running then is stopped: the request is answered 500 if it had no
    /// response yet, its body is cut off if it had.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Timeout,
    /// What every request's instance is granted.
    #[command(flatten)]
    pub grants: GrantArgs,
    /// Compile without the compilation cache: neither read compiled code
    /// from it nor write any to it.
    #[arg(long)]
    pub no_cache: bool,
    /// WIT packages to add (for a .claw file).
    #[command(flatten)]
    pub wit: WitArgs,
}

/// A request's time limit, or none (`--timeout none`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout(pub Option<Duration>);

/// `none`, or a duration as `clawc test --timeout` takes it.
fn parse_timeout(text: &str) -> Result<Timeout, String> {
    if text == "none" {
        return Ok(Timeout(None));
    }
    parse_duration(text).map(|d| Timeout(Some(d))).map_err(|e| format!("{e}, or `none`"))
}

/// `HOST:PORT` as a socket address; a host name is resolved (the first
/// address wins).
fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let mut addrs = text.to_socket_addrs().map_err(|e| format!("expected HOST:PORT ({e})"))?;
    addrs.next().ok_or_else(|| format!("{text} resolves to no address"))
}

/// Runs `clawc serve` and returns the exit code.
pub fn run(args: &ServeArgs, color: bool) -> u8 {
    let Grants { dirs, env } = match args.grants.resolve() {
        Ok(g) => g,
        Err(message) => {
            print_error(message);
            return EXIT_USAGE;
        }
    };
    let driver = Driver { color, format: MessageFormat::Human, options: Default::default() };
    let bytes = match driver.component_bytes(&args.file, &args.wit) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let cache = CompileCache::open(args.no_cache);
    let cache_config = cache.as_ref().map(CompileCache::wasmtime);
    let runtime = match args.timeout.0 {
        Some(_) => Runtime::interruptible(cache_config),
        None => Runtime::with_cache(cache_config),
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            print_error(format!("{e:#}"));
            return EXIT_USAGE;
        }
    };
    let mark = cache.as_ref().map(CompileCache::mark);
    let spinner = Compiling::start(args.file.display().to_string(), bytes.len(), true);
    let loaded = runtime.load(&bytes);
    drop(spinner);
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            print_error(format!("{}: {e}", args.file.display()));
            return EXIT_USAGE;
        }
    };
    if let (Some(cache), Some(mark)) = (&cache, mark) {
        cache.check_used(mark);
    }
    let handler = match Handler::new(&loaded) {
        Ok(handler) => handler,
        Err(RunError::Link { missing, detail }) if !missing.is_empty() => {
            let _ = detail;
            print_error(format!(
                "{}: the component imports what the host does not provide:\n{}",
                args.file.display(),
                group_by_interface(&missing)
            ));
            return EXIT_USAGE;
        }
        Err(e) => {
            print_error(format!("{}: {e}", args.file.display()));
            return EXIT_USAGE;
        }
    };
    let options = RunOptions {
        inherit_stdout: true,
        inherit_stderr: true,
        env,
        dirs,
        allow_http: args.allow_http,
        ..RunOptions::default()
    };
    let server = match Server::bind(handler, args.addr, options) {
        Ok(server) => server.with_timeout(args.timeout.0),
        Err(e) => {
            print_error(format!("cannot listen on {}: {e}", args.addr));
            return EXIT_USAGE;
        }
    };
    let file = args.file.display().to_string();
    let ready = move |addr: SocketAddr| eprintln!("serving http://{addr}/ ({file}; Ctrl-C stops)");
    match server.run(ready, |exchange| eprintln!("{exchange}")) {
        Ok(()) => {
            eprintln!("stopped");
            EXIT_SUCCESS
        }
        Err(e) => {
            print_error(format!("cannot serve: {e}"));
            EXIT_FAILURE
        }
    }
}

/// The missing imports (`wasi:foo/bar@1.0.0#baz`, `double`) grouped by
/// interface, one indented line per interface (`  wasi:foo/bar@1.0.0: baz,
/// qux`) and one per world-level import.
fn group_by_interface(missing: &[String]) -> String {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut plain = Vec::new();
    for name in missing {
        match name.split_once('#') {
            Some((interface, item)) => groups.entry(interface).or_default().push(item),
            None => plain.push(name.as_str()),
        }
    }
    let mut lines: Vec<String> = groups.iter().map(|(i, items)| format!("  {i}: {}", items.join(", "))).collect();
    lines.extend(plain.iter().map(|name| format!("  {name}")));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_imports_are_grouped_by_interface() {
        let missing = ["wasi:foo/bar@1.0.0#baz", "double", "wasi:foo/bar@1.0.0#qux", "a:b/c#d"].map(String::from);
        assert_eq!(group_by_interface(&missing), "  a:b/c: d\n  wasi:foo/bar@1.0.0: baz, qux\n  double");
    }

    #[test]
    fn addresses_parse_as_socket_addresses() {
        assert_eq!(parse_addr("127.0.0.1:0"), Ok(SocketAddr::from(([127, 0, 0, 1], 0))));
        assert!(parse_addr("127.0.0.1").is_err(), "a port is required");
    }

    #[test]
    fn timeouts_parse_as_durations_or_none() {
        assert_eq!(parse_timeout("2s"), Ok(Timeout(Some(Duration::from_secs(2)))));
        assert_eq!(parse_timeout("250ms"), Ok(Timeout(Some(Duration::from_millis(250)))));
        assert_eq!(parse_timeout("none"), Ok(Timeout(None)));
        let error = parse_timeout("soon").expect_err("not a duration");
        assert!(error.contains("`soon` is not a duration") && error.ends_with("or `none`"), "{error}");
        assert!(parse_timeout("0").is_err(), "a zero limit is refused");
    }
}
