//! What the sandbox grants a guest, shared by `clawc run` and `clawc test`:
//! the `--dir HOST[::GUEST]` and `--env KEY[=VALUE]` options (wasmtime's
//! spelling) and their checking. Nothing is granted unless asked.

use clap::Args;
use std::path::{Path, PathBuf};

/// The `--dir` and `--env` options, as written on the command line.
#[derive(Args, Debug, Clone, Default)]
pub struct GrantArgs {
    /// Grant the host directory HOST, readable and writable, at GUEST
    /// (default: the same path). May be repeated. Nothing is granted
    /// unless asked.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub dirs: Vec<String>,
    /// Set an environment variable (`KEY=VALUE`, or `KEY` to pass on the
    /// host's value). May be repeated. None is set unless asked.
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
}

/// Checked grants, in the shapes [`claw_runtime::RunOptions`] takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Host directories and the guest paths they are preopened at
    /// (`(host, guest)`); each host directory exists.
    pub dirs: Vec<(PathBuf, String)>,
    /// Environment variables the guest sees (`(name, value)`).
    pub env: Vec<(String, String)>,
}

impl GrantArgs {
    /// Checks the options: each `--dir` host path must be an existing
    /// directory, and each `--env KEY` without a value must be set in the
    /// host's environment.
    ///
    /// # Errors
    /// A message naming the option at fault (a usage error, exit code 2).
    pub fn resolve(&self) -> Result<Grants, String> {
        let mut dirs = Vec::new();
        for spec in &self.dirs {
            let (host, guest) = match spec.split_once("::") {
                Some((h, g)) => (h.to_string(), g.to_string()),
                None => (spec.clone(), spec.clone()),
            };
            if !Path::new(&host).is_dir() {
                return Err(format!("--dir {host}: no such directory"));
            }
            dirs.push((PathBuf::from(host), guest));
        }
        let mut env = Vec::new();
        for spec in &self.env {
            match spec.split_once('=') {
                Some((k, v)) => env.push((k.to_string(), v.to_string())),
                None => match std::env::var(spec) {
                    Ok(v) => env.push((spec.clone(), v)),
                    Err(_) => return Err(format!("--env {spec}: the variable is not set here (write `{spec}=VALUE`)")),
                },
            }
        }
        Ok(Grants { dirs, env })
    }
}

#[cfg(test)]
mod tests {
    use super::{GrantArgs, Grants};
    use std::path::PathBuf;

    fn grants(dirs: &[&str], env: &[&str]) -> Result<Grants, String> {
        let args = GrantArgs {
            dirs: dirs.iter().map(|s| s.to_string()).collect(),
            env: env.iter().map(|s| s.to_string()).collect(),
        };
        args.resolve()
    }

    #[test]
    fn dirs_map_host_to_guest_or_to_the_same_path() {
        let dir = std::env::temp_dir();
        let host = dir.display().to_string();
        let got = grants(&[&format!("{host}::/data"), &host], &[]).expect("grants");
        assert_eq!(got.dirs, vec![(dir.clone(), "/data".to_string()), (PathBuf::from(&host), host.clone())]);
        assert_eq!(grants(&[], &[]), Ok(Grants::default()), "nothing unless asked");
    }

    #[test]
    fn a_missing_host_directory_is_an_error() {
        assert_eq!(grants(&["/no/such/dir::/data"], &[]), Err("--dir /no/such/dir: no such directory".to_string()));
    }

    #[test]
    fn env_splits_at_the_first_equals_sign() {
        let got = grants(&[], &["A=1=2", "EMPTY="]).expect("grants");
        assert_eq!(got.env, vec![("A".into(), "1=2".into()), ("EMPTY".into(), String::new())]);
    }
}
