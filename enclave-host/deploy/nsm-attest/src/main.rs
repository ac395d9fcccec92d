//! `nsm-attest`: the enclave program's way to the Nitro Secure Module (Node has no ioctl).
//!
//! NOT RUNNABLE HERE: /dev/nsm exists only inside a Nitro Enclave. The interface is the one
//! enclave-host/attestation/dev-nsm.ts expects:
//!   nsm-attest attest      stdin: {"publicKey"?, "userData"?, "nonce"?} (base64) → stdout: the document
//!   nsm-attest random <n>  stdout: n bytes from the NSM's GetRandom
//! Any failure: exit status 1 (64 for usage), one line on stderr, nothing on stdout.
use aws_nitro_enclaves_nsm_api::api::{Request, Response};
use aws_nitro_enclaves_nsm_api::driver::{nsm_exit, nsm_init, nsm_process_request};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_bytes::ByteBuf;
use std::io::{Read, Write};
use std::process::ExitCode;

/// The NSM accepts at most 1024 bytes in each attested field; larger is refused before the ioctl.
const MAX_FIELD_BYTES: usize = 1024;
const MAX_RANDOM_BYTES: usize = 64 * 1024;

fn field(input: &serde_json::Value, name: &str) -> Result<Option<ByteBuf>, String> {
    match input.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) => {
            let bytes = STANDARD.decode(text).map_err(|_| format!("{name} is not base64"))?;
            if bytes.len() > MAX_FIELD_BYTES {
                return Err(format!("{name} is longer than {MAX_FIELD_BYTES} bytes"));
            }
            Ok(Some(ByteBuf::from(bytes)))
        }
        Some(_) => Err(format!("{name} is not a string")),
    }
}

fn attest(fd: i32) -> Result<Vec<u8>, String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| format!("stdin: {e}"))?;
    let input: serde_json::Value = serde_json::from_str(&text).map_err(|_| "stdin is not JSON".to_string())?;
    let request = Request::Attestation {
        public_key: field(&input, "publicKey")?,
        user_data: field(&input, "userData")?,
        nonce: field(&input, "nonce")?,
    };
    match nsm_process_request(fd, request) {
        Response::Attestation { document } => Ok(document),
        other => Err(format!("nsm answered {other:?}")),
    }
}

fn random(fd: i32, wanted: usize) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(wanted);
    while bytes.len() < wanted {
        match nsm_process_request(fd, Request::GetRandom {}) {
            Response::GetRandom { random } if !random.is_empty() => bytes.extend_from_slice(&random),
            other => return Err(format!("nsm answered {other:?}")),
        }
    }
    bytes.truncate(wanted);
    Ok(bytes)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args.as_slice() {
        [c] if c == "attest" => None,
        [c, n] if c == "random" => match n.parse::<usize>() {
            Ok(n) if n >= 1 && n <= MAX_RANDOM_BYTES => Some(n),
            _ => {
                eprintln!("nsm-attest: random takes a length from 1 to {MAX_RANDOM_BYTES}");
                return ExitCode::from(64);
            }
        },
        _ => {
            eprintln!("usage: nsm-attest attest | nsm-attest random <n>");
            return ExitCode::from(64);
        }
    };
    let fd = nsm_init();
    if fd < 0 {
        eprintln!("nsm-attest: cannot open /dev/nsm (not inside a Nitro Enclave?)");
        return ExitCode::from(1);
    }
    let result = match command {
        None => attest(fd),
        Some(n) => random(fd, n),
    };
    nsm_exit(fd);
    match result.and_then(|out| std::io::stdout().write_all(&out).map_err(|e| format!("stdout: {e}"))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("nsm-attest: {message}");
            ExitCode::from(1)
        }
    }
}
