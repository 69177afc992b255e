//! Serves `/metrics` for namespaces of a shared Redis store:
//!
//! ```text
//! METERBOX_REDIS_URL=redis://:password@10.0.0.5/ meterbox-expose --namespace shop \
//!     [--namespace billing …] [--listen 127.0.0.1:9465] [--token-file PATH] \
//!     [--max-connections N] [--head-timeout SECS] [--render-timeout SECS] \
//!     [--write-timeout SECS]
//! ```
//!
//! The Redis URL, which may hold a password, comes from `METERBOX_REDIS_URL` or from a file
//! (`--redis-url-file PATH`), never the command line that `ps` shows to every user. A bearer
//! token likewise: `METERBOX_TOKEN` or `--token-file PATH`.
//!
//! Installed with `cargo install meterbox --features redis --bin meterbox-expose`.

use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: METERBOX_REDIS_URL=URL meterbox-expose --namespace NS \
                     [--namespace NS2 …] [--listen 127.0.0.1:9465] [--redis-url-file PATH] \
                     [--token-file PATH] [--max-connections N] [--head-timeout SECS] \
                     [--render-timeout SECS] [--write-timeout SECS]";

/// The command line and environment, read.
#[derive(Debug)]
struct Options {
    redis: String,
    namespaces: Vec<String>,
    listen: String,
    token: Option<String>,
    max_connections: Option<usize>,
    head_timeout: Option<Duration>,
    render_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

/// What the process's environment gives: `METERBOX_REDIS_URL` and `METERBOX_TOKEN`.
struct Environment {
    redis: Option<String>,
    token: Option<String>,
}

/// A secret read from a file, without its trailing line break.
fn read_secret(path: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let secret = text.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        return Err(format!("{path} is empty"));
    }
    Ok(secret)
}

fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{flag} takes a positive number of seconds, not `{value}`"))
}

fn options(mut args: impl Iterator<Item = String>, env: Environment) -> Result<Options, String> {
    let mut options = Options {
        redis: String::new(),
        namespaces: Vec::new(),
        listen: "127.0.0.1:9465".to_owned(),
        token: env.token,
        max_connections: None,
        head_timeout: None,
        render_timeout: None,
        write_timeout: None,
    };
    let mut redis = env.redis;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--redis" => {
                return Err(
                    "--redis would show the URL, and any password in it, to every user of the \
                     machine: set METERBOX_REDIS_URL or use --redis-url-file"
                        .into(),
                )
            }
            "--redis-url-file" => redis = Some(read_secret(&value()?)?),
            "--namespace" => options.namespaces.push(value()?),
            "--listen" => options.listen = value()?,
            "--token-file" => options.token = Some(read_secret(&value()?)?),
            "--max-connections" => {
                let n = value()?;
                options.max_connections = Some(
                    n.parse()
                        .map_err(|_| format!("--max-connections takes a count, not `{n}`"))?,
                );
            }
            "--head-timeout" => options.head_timeout = Some(seconds(&flag, &value()?)?),
            "--render-timeout" => options.render_timeout = Some(seconds(&flag, &value()?)?),
            "--write-timeout" => options.write_timeout = Some(seconds(&flag, &value()?)?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    options.redis =
        redis.ok_or("the Redis URL is required: METERBOX_REDIS_URL or --redis-url-file")?;
    if options.namespaces.is_empty() {
        return Err("at least one --namespace is required".into());
    }
    Ok(options)
}

fn server(options: &Options) -> meterbox::Server {
    let mut server = meterbox::Server::new(&options.listen);
    if let Some(token) = &options.token {
        server = server.bearer_token(token.clone());
    }
    if let Some(n) = options.max_connections {
        server = server.max_connections(n);
    }
    if let Some(t) = options.head_timeout {
        server = server.head_timeout(t);
    }
    if let Some(t) = options.render_timeout {
        server = server.render_timeout(t);
    }
    if let Some(t) = options.write_timeout {
        server = server.write_timeout(t);
    }
    server
}

fn main() -> ExitCode {
    let env = Environment {
        redis: std::env::var("METERBOX_REDIS_URL").ok(),
        token: std::env::var("METERBOX_TOKEN").ok(),
    };
    let options = match options(std::env::args().skip(1), env) {
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
    match meterbox::redis::serve_with(&options.redis, &names, server(&options)) {
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

    fn parse(line: &str, redis: Option<&str>) -> Result<Options, String> {
        let env = Environment {
            redis: redis.map(str::to_owned),
            token: None,
        };
        options(line.split_whitespace().map(str::to_owned), env)
    }

    #[test]
    fn reads_the_command_line_and_the_environment() {
        let o = parse(
            "--namespace a --namespace b --listen :9",
            Some("redis://x/"),
        )
        .unwrap();
        assert_eq!(o.redis, "redis://x/");
        assert_eq!(o.namespaces, ["a", "b"]);
        assert_eq!(o.listen, ":9");
        assert_eq!(
            parse("--namespace a", Some("r")).unwrap().listen,
            "127.0.0.1:9465"
        );
        let o = parse(
            "--namespace a --max-connections 9 --head-timeout 1.5 --write-timeout 2",
            Some("r"),
        )
        .unwrap();
        assert_eq!(o.max_connections, Some(9));
        assert_eq!(o.head_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(o.write_timeout, Some(Duration::from_secs(2)));
    }

    #[test]
    fn secrets_come_from_files_never_the_command_line() {
        let dir = std::env::temp_dir().join(format!("meterbox-expose-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = dir.join("url");
        let token = dir.join("token");
        std::fs::write(&url, "redis://:pw@h/\n").unwrap();
        std::fs::write(&token, "s3cret\n").unwrap();
        let line = format!(
            "--namespace a --redis-url-file {} --token-file {}",
            url.display(),
            token.display()
        );
        let o = parse(&line, None).unwrap();
        assert_eq!(o.redis, "redis://:pw@h/");
        assert_eq!(o.token.as_deref(), Some("s3cret"));
        assert!(parse("--redis redis://:pw@h/ --namespace a", None)
            .unwrap_err()
            .contains("METERBOX_REDIS_URL"));
    }

    #[test]
    fn says_what_is_missing() {
        assert!(parse("--namespace a", None)
            .unwrap_err()
            .contains("METERBOX_REDIS_URL"));
        assert!(parse("", Some("r")).unwrap_err().contains("--namespace"));
        assert!(parse("--namespace", Some("r"))
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse("--namespace a --bogus", Some("r"))
            .unwrap_err()
            .contains("--bogus"));
        assert!(parse("--namespace a --head-timeout x", Some("r"))
            .unwrap_err()
            .contains("seconds"));
    }
}
