//! `greenlight serve`: the HTTP appraisal service (see the README's "Service" section).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use greenlight_core::registry::Registry;
use greenlight_http::ServiceConfig;
use greenlight_rules::RuleSet;

use crate::Outcome;

/// Arguments of `greenlight serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeCommand {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free port). Overrides
    /// the configuration file and GREENLIGHT_ADDR.
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<SocketAddr>,
    /// A TOML configuration file; environment variables (GREENLIGHT_*) override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub(crate) fn run(
    cmd: ServeCommand,
    registry: Registry,
    rules: RuleSet,
) -> anyhow::Result<Outcome> {
    let mut config = ServiceConfig::load(cmd.config.as_deref(), |var| std::env::var(var).ok())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(addr) = cmd.addr {
        config.addr = addr;
    }
    // Appraisals run on the blocking pool; a few threads per core keep the cores busy
    // without hundreds of threads contending for them under load (the rest wait in the
    // pool's queue, within the request timeout).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(2 * cores)
        .build()?;
    runtime
        .block_on(greenlight_http::serve(config, registry, rules))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Outcome::Success)
}
