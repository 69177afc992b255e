//! Serves `/metrics` for namespaces of a shared Redis store:
//!
//! ```text
//! meterbox-expose --redis redis://127.0.0.1/ --namespace shop [--namespace billing …] \
//!     [--listen 127.0.0.1:9465]
//! ```
//!
//! Installed with `cargo install meterbox --features redis --bin meterbox-expose`.

use std::process::ExitCode;

const USAGE: &str = "usage: meterbox-expose --redis URL --namespace NS [--namespace NS2 …] \
                     [--listen 127.0.0.1:9465]";

/// The command line, read.
struct Options {
    redis: String,
    namespaces: Vec<String>,
    listen: String,
}

fn options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut redis = None;
    let mut namespaces = Vec::new();
    let mut listen = "127.0.0.1:9465".to_owned();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--redis" => redis = Some(value()?),
            "--namespace" => namespaces.push(value()?),
            "--listen" => listen = value()?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let redis = redis.ok_or("--redis is required")?;
    if namespaces.is_empty() {
        return Err("at least one --namespace is required".into());
    }
    Ok(Options {
        redis,
        namespaces,
        listen,
    })
}

fn main() -> ExitCode {
    let options = match options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("meterbox-expose: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let names: Vec<&str> = options.namespaces.iter().map(String::as_str).collect();
    match meterbox::redis::serve(&options.redis, &names, &options.listen) {
        Ok(server) => {
            println!(
                "serving {} on http://{}/metrics",
                names.join(", "),
                server.local_addr()
            );
            loop {
                std::thread::park();
            }
        }
        Err(err) => {
            eprintln!("meterbox-expose: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Options, String> {
        options(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn reads_the_command_line() {
        let o = parse("--redis redis://x/ --namespace a --namespace b --listen :9").unwrap();
        assert_eq!(o.redis, "redis://x/");
        assert_eq!(o.namespaces, ["a", "b"]);
        assert_eq!(o.listen, ":9");
        assert_eq!(
            parse("--redis r --namespace a").unwrap().listen,
            "127.0.0.1:9465"
        );
    }

    #[test]
    fn says_what_is_missing() {
        assert_eq!(parse("--namespace a").err().unwrap(), "--redis is required");
        assert!(parse("--redis r").err().unwrap().contains("--namespace"));
        assert!(parse("--redis").err().unwrap().contains("needs a value"));
        assert!(parse("--redis r --namespace a --bogus")
            .err()
            .unwrap()
            .contains("--bogus"));
    }
}
